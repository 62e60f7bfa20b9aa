// Config templates: {{NAME}} substitution without HTML escaping (the reference corrupts
// passwords, §18.13), escapes, missing names, malformed templates and the output cap.

#include "protocol/Template.h"

#include <QHash>
#include <QTest>
#include <map>

using namespace Qt::StringLiterals;
using namespace cortex::protocol;
using cortex::crypto::SecureBytes;

namespace {

const QByteArray Password = "p&a<s>s\"w'o=r`d\\{{}}$";

// Values by name; owns the secure copies, so the pointers the lookup hands out stay valid.
class Values
{
public:
    Values()
    {
        set(u"A"_s, "alpha");
        set(u"B_2"_s, "beta");
        set(u"PASS"_s, Password);
        set(u"EMPTY"_s, "");
        set(u"UNICODE"_s, "п\xC3\xA4ss🔑 日本");
        set(u"TAGLIKE"_s, "{{A}} {{{A}}} \\{{A}}");
        set(u"MULTILINE"_s, "line1\nline2\r\n\tline3");
        set(u"NUL"_s, QByteArray("a\0b", 3));
        set(u"_lower_9"_s, "lower");
    }

    void set(const QString &name, QByteArrayView value)
    {
        m_values.erase(name);
        m_values.emplace(name, SecureBytes::copyOf(value));
    }

    std::function<const SecureBytes *(const QString &)> lookup()
    {
        return [this](const QString &name) -> const SecureBytes * {
            ++m_asked[name];
            const auto it = m_values.find(name);
            return it == m_values.end() ? nullptr : &it->second;
        };
    }

    int timesAsked(const QString &name) const { return m_asked.value(name); }

private:
    std::map<QString, SecureBytes> m_values;
    QHash<QString, int> m_asked;
};

QByteArray textOf(const RenderResult &r)
{
    return r.text.view().toByteArray();
}

} // namespace

class TestTemplate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void renders_data();
    void renders();
    void specialCharactersSurviveByteForByte_data();
    void specialCharactersSurviveByteForByte();
    void missingNames();
    void lookupAskedOncePerName();
    void noLookup();
    void malformed_data();
    void malformed();
    void errorsNeverContainValuesOrTemplateText();
    void sizeCap();
    void realisticConfig();
};

void TestTemplate::renders_data()
{
    QTest::addColumn<QByteArray>("templ");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("no tags") << QByteArray("plain text\n") << QByteArray("plain text\n");
    QTest::newRow("one tag") << QByteArray("{{A}}") << QByteArray("alpha");
    QTest::newRow("in text") << QByteArray("x={{A}};") << QByteArray("x=alpha;");
    QTest::newRow("twice") << QByteArray("{{A}}{{A}}") << QByteArray("alphaalpha");
    QTest::newRow("two names") << QByteArray("{{A}}/{{B_2}}") << QByteArray("alpha/beta");
    QTest::newRow("lower case and underscore") << QByteArray("{{_lower_9}}") << QByteArray("lower");
    QTest::newRow("spaces") << QByteArray("{{ A }}") << QByteArray("alpha");
    QTest::newRow("uneven spaces") << QByteArray("{{   A}} {{A  }}") << QByteArray("alpha alpha");
    QTest::newRow("tabs") << QByteArray("{{\tA\t}}") << QByteArray("alpha");
    QTest::newRow("triple") << QByteArray("{{{A}}}") << QByteArray("alpha");
    QTest::newRow("triple with spaces") << QByteArray("{{{ A }}}") << QByteArray("alpha");
    QTest::newRow("double then a brace") << QByteArray("{{A}}}") << QByteArray("alpha}");
    QTest::newRow("brace then double") << QByteArray("{ {{A}}") << QByteArray("{ alpha");
    QTest::newRow("single braces") << QByteArray("{A} { } }") << QByteArray("{A} { } }");
    QTest::newRow("closing outside a tag") << QByteArray("a}}b}}}") << QByteArray("a}}b}}}");
    QTest::newRow("empty value") << QByteArray("[{{EMPTY}}]") << QByteArray("[]");
    QTest::newRow("only empty values") << QByteArray("{{EMPTY}}{{EMPTY}}") << QByteArray();
    QTest::newRow("escaped") << QByteArray("\\{{A}}") << QByteArray("{{A}}");
    QTest::newRow("escaped triple") << QByteArray("\\{{{A}}}") << QByteArray("{{{A}}}");
    QTest::newRow("escaped then real") << QByteArray("\\{{A}} {{A}}") << QByteArray("{{A}} alpha");
    QTest::newRow("escaped backslash then tag") << QByteArray("\\\\{{A}}") << QByteArray("\\alpha");
    QTest::newRow("other backslashes literal")
        << QByteArray("a\\b\\\\c\\{d\\") << QByteArray("a\\b\\\\c\\{d\\");
    QTest::newRow("escaped unterminated is fine")
        << QByteArray("\\{{ not a tag") << QByteArray("{{ not a tag");
    QTest::newRow("unicode text") << QByteArray("ключ={{A}} 鍵={{B_2}} 🔑")
                                  << QByteArray("ключ=alpha 鍵=beta 🔑");
    QTest::newRow("unicode value")
        << QByteArray("v={{UNICODE}}") << QByteArray("v=п\xC3\xA4ss🔑 日本");
    QTest::newRow("value not parsed again")
        << QByteArray("{{TAGLIKE}}") << QByteArray("{{A}} {{{A}}} \\{{A}}");
    QTest::newRow("multi-line value")
        << QByteArray("k: |\n  {{MULTILINE}}\n") << QByteArray("k: |\n  line1\nline2\r\n\tline3\n");
    QTest::newRow("NUL bytes pass") << QByteArray("x\0{{NUL}}\0", 10) << QByteArray("x\0a\0b\0", 6);
    QTest::newRow("CRLF text") << QByteArray("A={{A}}\r\nB={{B_2}}\r\n")
                               << QByteArray("A=alpha\r\nB=beta\r\n");
}

void TestTemplate::renders()
{
    QFETCH(QByteArray, templ);
    QFETCH(QByteArray, expected);
    Values values;
    const RenderResult r = renderTemplate(templ, values.lookup());
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.errorOffset, qsizetype(-1));
    QVERIFY(r.missing.isEmpty());
    QCOMPARE(textOf(r), expected);
    QCOMPARE(r.text.size(), std::size_t(expected.size()));
}

void TestTemplate::specialCharactersSurviveByteForByte_data()
{
    QTest::addColumn<QByteArray>("value");

    QTest::newRow("html specials") << QByteArray("&<>\"'`=");
    QTest::newRow("entities stay text") << QByteArray("&amp;&lt;&#x27;");
    QTest::newRow("password") << Password;
    QTest::newRow("url") << QByteArray("postgres://u:p%40ss@h/db?sslmode=require&x=<y>");
    QTest::newRow("json") << QByteArray("{\"k\": \"v\\n\", \"a\": [1, 2]}");
    QTest::newRow("braces") << QByteArray("}}{{{}}}{{");
    QTest::newRow("shell") << QByteArray("$(rm -rf /) `id` ${HOME} 'q' \"dq\"");
    QTest::newRow("latin-1 bytes, not UTF-8") << QByteArray("\xE9\xFF\x80");
    QTest::newRow("all bytes") << [] {
        QByteArray all;
        for (int c = 0; c < 256; ++c)
            all += char(c);
        return all;
    }();
}

void TestTemplate::specialCharactersSurviveByteForByte()
{
    QFETCH(QByteArray, value);
    Values values;
    values.set(u"V"_s, value);
    for (const QByteArray &templ : {QByteArray("{{V}}"), QByteArray("{{ V }}"),
                                    QByteArray("{{{V}}}"), QByteArray("pre {{V}} post")}) {
        const RenderResult r = renderTemplate(templ, values.lookup());
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QByteArray expected = templ;
        expected.replace(
            templ.mid(templ.indexOf('{'), templ.lastIndexOf('}') - templ.indexOf('{') + 1), value);
        QCOMPARE(textOf(r), expected);
    }
}

void TestTemplate::missingNames()
{
    Values values;
    const RenderResult r = renderTemplate(
        "a={{A}} n={{NOPE}} n2={{ NOPE }} o={{{OTHER}}} e={{EMPTY}}", values.lookup());
    QVERIFY(r.error.isEmpty());
    // Missing names render empty and are listed once each, in order of first use; an empty
    // value is not missing.
    QCOMPARE(textOf(r), QByteArray("a=alpha n= n2= o= e="));
    QCOMPARE(r.missing, (QStringList{u"NOPE"_s, u"OTHER"_s}));

    const RenderResult onlyMissing = renderTemplate("{{X}}{{Y}}", values.lookup());
    QVERIFY(onlyMissing.error.isEmpty());
    QVERIFY(onlyMissing.text.isEmpty());
    QCOMPARE(onlyMissing.missing, (QStringList{u"X"_s, u"Y"_s}));
}

void TestTemplate::lookupAskedOncePerName()
{
    Values values;
    const RenderResult r =
        renderTemplate("{{A}}{{ A }}{{{A}}}{{NOPE}}{{NOPE}}{{B_2}}", values.lookup());
    QVERIFY(r.error.isEmpty());
    QCOMPARE(values.timesAsked(u"A"_s), 1);
    QCOMPARE(values.timesAsked(u"NOPE"_s), 1);
    QCOMPARE(values.timesAsked(u"B_2"_s), 1);
}

void TestTemplate::noLookup()
{
    const RenderResult r = renderTemplate("x{{A}}y", {});
    QVERIFY(r.error.isEmpty());
    QCOMPARE(textOf(r), QByteArray("xy"));
    QCOMPARE(r.missing, QStringList{u"A"_s});
}

void TestTemplate::malformed_data()
{
    QTest::addColumn<QByteArray>("templ");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("kind");

    const QString unterminated = u"unterminated"_s;
    const QString name = u"invalid name"_s;
    const QString unsupported = u"unsupported"_s;
    const QString triple = u"'{{{'"_s;

    QTest::newRow("open only") << QByteArray("{{") << 0 << unterminated;
    QTest::newRow("no close") << QByteArray("{{A") << 0 << unterminated;
    QTest::newRow("no close after text") << QByteArray("abc {{A") << 4 << unterminated;
    QTest::newRow("single close") << QByteArray("x {{ A }") << 2 << unterminated;
    QTest::newRow("split close") << QByteArray("x {{ A } }") << 2 << unterminated;
    QTest::newRow("after a good tag") << QByteArray("{{A}} and {{B") << 10 << unterminated;
    QTest::newRow("triple open only") << QByteArray("{{{A") << 0 << unterminated;
    QTest::newRow("escaped then real unterminated")
        << QByteArray("\\{{A}} {{") << 7 << unterminated;
    QTest::newRow("unicode before counts bytes") << QByteArray("ключ {{") << 9 << unterminated;

    QTest::newRow("empty") << QByteArray("{{}}") << 0 << name;
    QTest::newRow("blank") << QByteArray("{{  }}") << 0 << name;
    QTest::newRow("triple empty") << QByteArray("{{{}}}") << 0 << name;
    QTest::newRow("leading digit") << QByteArray("{{1A}}") << 0 << name;
    QTest::newRow("dash") << QByteArray("{{A-B}}") << 0 << name;
    QTest::newRow("dot (key path)") << QByteArray("{{db.password}}") << 0 << name;
    QTest::newRow("slash (key path)") << QByteArray("{{db/password}}") << 0 << name;
    QTest::newRow("two words") << QByteArray("{{ A B }}") << 0 << name;
    QTest::newRow("newline inside") << QByteArray("{{\nA}}") << 0 << name;
    QTest::newRow("non-ASCII name") << QByteArray("{{ÄB}}") << 0 << name;
    QTest::newRow("quadruple braces") << QByteArray("{{{{A}}}}") << 0 << name;
    QTest::newRow("nested") << QByteArray("{{ {{A}} }}") << 0 << name;
    QTest::newRow("brace inside") << QByteArray("{{{A} }}}") << 0 << name;
    QTest::newRow("too long") << "{{" + QByteArray(257, 'A') + "}}" << 0 << name;
    QTest::newRow("later tag") << QByteArray("ok {{A}} {{ bad name }}") << 9 << name;

    QTest::newRow("section") << QByteArray("{{#A}}x{{/A}}") << 0 << unsupported;
    QTest::newRow("inverted") << QByteArray("x{{^A}}y{{/A}}") << 1 << unsupported;
    QTest::newRow("comment") << QByteArray("{{! note }}") << 0 << unsupported;
    QTest::newRow("partial") << QByteArray("{{> other}}") << 0 << unsupported;
    QTest::newRow("ampersand") << QByteArray("{{&A}}") << 0 << unsupported;
    QTest::newRow("delimiter change") << QByteArray("{{=<% %>=}}") << 0 << unsupported;
    QTest::newRow("closing section") << QByteArray("{{/A}}") << 0 << unsupported;

    QTest::newRow("triple closed by double") << QByteArray("{{{A}}") << 0 << triple;
    QTest::newRow("triple closed by double, later") << QByteArray("{{A}}{{{B}} x") << 5 << triple;
}

void TestTemplate::malformed()
{
    QFETCH(QByteArray, templ);
    QFETCH(int, offset);
    QFETCH(QString, kind);
    Values values;
    const RenderResult r = renderTemplate(templ, values.lookup());
    QVERIFY(!r.error.isEmpty());
    QVERIFY2(r.error.contains(kind), qPrintable(r.error));
    QCOMPARE(r.errorOffset, qsizetype(offset));
    QVERIFY2(r.error.contains(u"byte %1"_s.arg(offset)), qPrintable(r.error));
    QVERIFY(r.text.isEmpty());
    QVERIFY(r.missing.isEmpty());
}

void TestTemplate::errorsNeverContainValuesOrTemplateText()
{
    Values values;
    values.set(u"SECRET"_s, "hunter2-value");
    const QList<QByteArray> templates = {
        "password=hunter2-inline {{SECRET}} {{PASS}} {{",
        "{{SECRET}}{{PASS}}{{UNICODE}} {{ hunter2-name }}",
        "{{SECRET}} {{#hunter2-section}}",
        "{{SECRET}} {{{hunter2}}",
        "{{SECRET}} {{{SECRET}}",
    };
    const QStringList forbidden = {u"hunter2"_s, QString::fromUtf8(Password),
                                   u"alpha"_s,   u"password="_s,
                                   u"SECRET"_s,  QString::fromUtf8("🔑")};
    for (const QByteArray &templ : templates) {
        const RenderResult r = renderTemplate(templ, values.lookup());
        QVERIFY2(!r.error.isEmpty(), templ.constData());
        for (const QString &word : forbidden)
            QVERIFY2(!r.error.contains(word), qPrintable(r.error));
        QVERIFY(r.text.isEmpty());
    }
}

void TestTemplate::sizeCap()
{
    Values values;
    const auto cap = qsizetype(MaxRenderedTemplateSize);
    values.set(u"HALF"_s, QByteArray(cap / 2, 'h'));

    // Exactly at the cap renders.
    RenderResult r = renderTemplate("{{HALF}}{{HALF}}", values.lookup());
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.text.size(), MaxRenderedTemplateSize);

    // One byte over, from literal text or from a value, does not.
    r = renderTemplate("{{HALF}}x{{HALF}}", values.lookup());
    QVERIFY(r.error.contains(u"exceed"_s));
    QVERIFY(r.text.isEmpty());
    r = renderTemplate(QByteArray(cap + 1, 'x'), values.lookup());
    QVERIFY(r.error.contains(u"exceed"_s));

    // A small template repeating a large value: refused without building it.
    values.set(u"BIG"_s, QByteArray(64 * 1024, 'b'));
    QByteArray many;
    for (int i = 0; i < 10000; ++i)
        many += "{{BIG}}";
    r = renderTemplate(many, values.lookup());
    QVERIFY(r.error.contains(u"exceed"_s));
    QVERIFY(!r.error.contains(u"bbbb"_s));
    QVERIFY(r.text.isEmpty());

    // A large template of tags that render to nothing is fine.
    QByteArray empties;
    for (int i = 0; i < 100000; ++i)
        empties += "{{EMPTY}}";
    r = renderTemplate(empties, values.lookup());
    QVERIFY(r.error.isEmpty());
    QVERIFY(r.text.isEmpty());
}

void TestTemplate::realisticConfig()
{
    Values values;
    values.set(u"DB_PASSWORD"_s, "S3cr&t<\"pa'ss\">=`");
    values.set(u"API_KEY"_s, "sk-live-0123456789abcdef");
    const QByteArray templ = "# generated\n"
                             "database:\n"
                             "  url: \"postgres://app:{{DB_PASSWORD}}@db:5432/app\"\n"
                             "  password: '{{{ DB_PASSWORD }}}'\n"
                             "api:\n"
                             "  key: {{ API_KEY }}\n"
                             "  literal: \"\\{{ API_KEY }}\"\n";
    const RenderResult r = renderTemplate(templ, values.lookup());
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(textOf(r), QByteArray("# generated\n"
                                   "database:\n"
                                   "  url: \"postgres://app:S3cr&t<\"pa'ss\">=`@db:5432/app\"\n"
                                   "  password: 'S3cr&t<\"pa'ss\">=`'\n"
                                   "api:\n"
                                   "  key: sk-live-0123456789abcdef\n"
                                   "  literal: \"{{ API_KEY }}\"\n"));
}

QTEST_GUILESS_MAIN(TestTemplate)
#include "tst_template.moc"
