// POST /admin/import/dotenv: a .env file becomes secrets whose values are read back byte for
// byte, with a report of what was created, updated and skipped.

#include "ServiceFixture.h"

#include <QTest>

using namespace cortex::test;

namespace {

QJsonObject importBody(const QByteArray &content, const QString &ns = QString())
{
    QJsonObject body{{QStringLiteral("content"), QString::fromUtf8(content)}};
    if (!ns.isEmpty())
        body.insert(QStringLiteral("namespace"), ns);
    return body;
}

QStringList keysOf(const QJsonArray &list)
{
    QStringList keys;
    for (const QJsonValue &v : list)
        keys.append(v.toObject().value(QStringLiteral("key_path")).toString());
    return keys;
}

QJsonObject entryFor(const QJsonArray &list, const QString &key)
{
    for (const QJsonValue &v : list) {
        if (v.toObject().value(QStringLiteral("key_path")).toString() == key)
            return v.toObject();
    }
    return {};
}

} // namespace

class TestImportApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void valuesSurviveByteForByte_data();
    void valuesSurviveByteForByte();
    void crlfFileGivesTheSameValues();
    void reimportReportsUpdatedAndUnchanged();
    void badLinesAreSkippedWithLineNumbers();
    void duplicateKeyLastOneWins();
    void namespaceOption();
    void honeyTokenIsNeverOverwritten();
    void rejectedImportStoresNothing_data();
    void rejectedImportStoresNothing();
    void failingEntryRollsBackTheWholeImport();
    void noValueReachesTheLog();

private:
    // The current value of key in ns, or a null QString when there is no such secret.
    QString valueOf(const QString &ns, const QString &key, int *version = nullptr);
    QJsonArray listAll();

    TestServer m_server;
};

void TestImportApi::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
}

QString TestImportApi::valueOf(const QString &ns, const QString &key, int *version)
{
    const HttpReply list =
        m_server.http().get(QStringLiteral("/admin/secrets?namespace=%1&prefix=%2").arg(ns, key));
    for (const QJsonValue &v : list.array()) {
        const QJsonObject meta = v.toObject();
        if (meta.value(QStringLiteral("key_path")).toString() != key)
            continue;
        const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") +
                                                  meta.value(QStringLiteral("id")).toString());
        if (got.status != 200) {
            qWarning("read of %s failed: %s", qPrintable(key), got.describe().constData());
            return QString();
        }
        if (version)
            *version = got.object().value(QStringLiteral("current_version")).toInt();
        // An empty value still answers a non-null (empty) string.
        QString value = got.object().value(QStringLiteral("value")).toString();
        return value.isNull() ? QStringLiteral("") : value;
    }
    return QString();
}

QJsonArray TestImportApi::listAll()
{
    return m_server.http().get(QStringLiteral("/admin/secrets")).array();
}

void TestImportApi::valuesSurviveByteForByte_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("expected");

    QTest::newRow("hash inside") << QByteArray("HASH=a#b") << QStringLiteral("HASH")
                                 << QStringLiteral("a#b");
    QTest::newRow("trailing comment") << QByteArray("HASH_COMMENT=value # comment")
                                      << QStringLiteral("HASH_COMMENT") << QStringLiteral("value");
    QTest::newRow("hash in double quotes")
        << QByteArray(R"(QUOTED_HASH="x # not a comment")") << QStringLiteral("QUOTED_HASH")
        << QStringLiteral("x # not a comment");
    QTest::newRow("hash in single quotes")
        << QByteArray("SQ_HASH='p#ss # w0rd'") << QStringLiteral("SQ_HASH")
        << QStringLiteral("p#ss # w0rd");
    QTest::newRow("single quotes are literal")
        << QByteArray(R"(SINGLE='he said "hi" to $HOME\n')") << QStringLiteral("SINGLE")
        << QStringLiteral(R"(he said "hi" to $HOME\n)");
    QTest::newRow("double quotes with escapes")
        << QByteArray(R"(DOUBLE="it's \"quoted\", a \\ and \$HOME")") << QStringLiteral("DOUBLE")
        << QStringLiteral(R"(it's "quoted", a \ and $HOME)");
    QTest::newRow("escape sequences")
        << QByteArray(R"(ESCAPES="tab\there\nnext")") << QStringLiteral("ESCAPES")
        << QStringLiteral("tab\there\nnext");
    QTest::newRow("equals signs") << QByteArray("EQUALS=x=y==z=") << QStringLiteral("EQUALS")
                                  << QStringLiteral("x=y==z=");
    QTest::newRow("quotes inside unquoted")
        << QByteArray(R"(MIXED=x"y'z)") << QStringLiteral("MIXED") << QStringLiteral(R"(x"y'z)");
    QTest::newRow("url") << QByteArray("URL=postgres://u:p%40ss@db:5432/app?ssl=1&x=y")
                         << QStringLiteral("URL")
                         << QStringLiteral("postgres://u:p%40ss@db:5432/app?ssl=1&x=y");
    QTest::newRow("unicode") << QByteArray("UNICODE=h\xc3\xa9llo w\xc3\xb6rld \xe4\xb8\x96\xe7\x95"
                                           "\x8c \xf0\x9f\x94\x91")
                             << QStringLiteral("UNICODE")
                             << QStringLiteral("h\u00e9llo w\u00f6rld \u4e16\u754c \U0001F511");
    QTest::newRow("unicode in quotes") << QByteArray("UQ=\"\xe2\x82\xac \xc3\xa9\"")
                                       << QStringLiteral("UQ") << QStringLiteral("\u20ac \u00e9");
    QTest::newRow("multi-line double quotes")
        << QByteArray("MULTI_DOUBLE=\"line one\nline two\n  indented # three\n\"")
        << QStringLiteral("MULTI_DOUBLE")
        << QStringLiteral("line one\nline two\n  indented # three\n");
    QTest::newRow("multi-line single quotes")
        << QByteArray("MULTI_SINGLE='-----BEGIN KEY-----\nabc=\\n\"def\"\n-----END KEY-----'")
        << QStringLiteral("MULTI_SINGLE")
        << QStringLiteral("-----BEGIN KEY-----\nabc=\\n\"def\"\n-----END KEY-----");
    QTest::newRow("spaces around equals")
        << QByteArray("SPACED  =  spaced value  ") << QStringLiteral("SPACED")
        << QStringLiteral("spaced value");
    QTest::newRow("quoted keeps spaces")
        << QByteArray("PADDED=\"  padded  \"") << QStringLiteral("PADDED")
        << QStringLiteral("  padded  ");
    QTest::newRow("export prefix")
        << QByteArray("export EXPORTED=yes") << QStringLiteral("EXPORTED") << QStringLiteral("yes");
    QTest::newRow("empty value") << QByteArray("EMPTY=") << QStringLiteral("EMPTY")
                                 << QStringLiteral("");
    QTest::newRow("empty quoted value")
        << QByteArray("EMPTY_QUOTED=\"\"") << QStringLiteral("EMPTY_QUOTED") << QStringLiteral("");
}

void TestImportApi::valuesSurviveByteForByte()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, key);
    QFETCH(QString, expected);
    const QByteArray content =
        "# a comment line\n\n" + line + "\nAFTER_" + key.toUtf8() + "=after\n";
    const HttpReply r = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                             importBody(content, QStringLiteral("bytes")));
    CHECK_STATUS(r, 200);
    const QJsonObject report = r.object();
    QCOMPARE(keysOf(report.value(u"created").toArray()),
             (QStringList{key, QStringLiteral("AFTER_") + key}));
    QCOMPARE(report.value(u"skipped").toArray().size(), 0);
    QCOMPARE(report.value(u"updated").toArray().size(), 0);
    QCOMPARE(entryFor(report.value(u"created").toArray(), key).value(u"version"), QJsonValue(1));
    QVERIFY(entryFor(report.value(u"created").toArray(), key)
                .value(u"id")
                .toString()
                .startsWith(u"sec_"));

    const QString value = valueOf(QStringLiteral("bytes"), key);
    QVERIFY2(!value.isNull(), "imported secret not found");
    QCOMPARE(value, expected);
    QCOMPARE(value.toUtf8(), expected.toUtf8());
    // The line after a multi-line value is read as its own entry.
    QCOMPARE(valueOf(QStringLiteral("bytes"), QStringLiteral("AFTER_") + key),
             QStringLiteral("after"));
}

void TestImportApi::crlfFileGivesTheSameValues()
{
    const QByteArray content = "CR_A=plain\r\nCR_B=\"two\r\nlines\"\r\nCR_C='x'\r\n";
    const HttpReply r = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                             importBody(content, QStringLiteral("crlf")));
    CHECK_STATUS(r, 200);
    QCOMPARE(keysOf(r.object().value(u"created").toArray()),
             (QStringList{QStringLiteral("CR_A"), QStringLiteral("CR_B"), QStringLiteral("CR_C")}));
    QCOMPARE(valueOf(QStringLiteral("crlf"), QStringLiteral("CR_A")), QStringLiteral("plain"));
    QCOMPARE(valueOf(QStringLiteral("crlf"), QStringLiteral("CR_B")), QStringLiteral("two\nlines"));
    QCOMPARE(valueOf(QStringLiteral("crlf"), QStringLiteral("CR_C")), QStringLiteral("x"));
}

void TestImportApi::reimportReportsUpdatedAndUnchanged()
{
    const QString ns = QStringLiteral("reimport");
    const HttpReply first = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                                 importBody("KEEP=same\nCHANGE=old value\n", ns));
    CHECK_STATUS(first, 200);
    QCOMPARE(keysOf(first.object().value(u"created").toArray()),
             (QStringList{QStringLiteral("KEEP"), QStringLiteral("CHANGE")}));
    const QString changeId =
        entryFor(first.object().value(u"created").toArray(), QStringLiteral("CHANGE"))
            .value(u"id")
            .toString();

    const HttpReply second =
        m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                             importBody("KEEP=same\nCHANGE=new value\nADDED=fresh\n", ns));
    CHECK_STATUS(second, 200);
    const QJsonObject report = second.object();
    QCOMPARE(report.value(u"namespace"), QJsonValue(ns));
    QCOMPARE(keysOf(report.value(u"created").toArray()), QStringList{QStringLiteral("ADDED")});
    QCOMPARE(keysOf(report.value(u"updated").toArray()), QStringList{QStringLiteral("CHANGE")});
    const QJsonObject updated =
        entryFor(report.value(u"updated").toArray(), QStringLiteral("CHANGE"));
    QCOMPARE(updated.value(u"version"), QJsonValue(2));
    QCOMPARE(updated.value(u"id"), QJsonValue(changeId));
    const QJsonArray skipped = report.value(u"skipped").toArray();
    QCOMPARE(skipped.size(), 1);
    QCOMPARE(skipped.first().toObject().value(u"key_path"), QJsonValue(QStringLiteral("KEEP")));
    QCOMPARE(skipped.first().toObject().value(u"line"), QJsonValue(1));
    QCOMPARE(skipped.first().toObject().value(u"reason"), QJsonValue(QStringLiteral("unchanged")));
    // The report names keys, never values.
    QVERIFY(!second.body.contains("new value"));
    QVERIFY(!second.body.contains("old value"));

    int version = 0;
    QCOMPARE(valueOf(ns, QStringLiteral("CHANGE"), &version), QStringLiteral("new value"));
    QCOMPARE(version, 2);
    const HttpReply old =
        m_server.http().get(QStringLiteral("/admin/secrets/%1?version=1").arg(changeId));
    QCOMPARE(old.object().value(u"value"), QJsonValue(QStringLiteral("old value")));
    QCOMPARE(valueOf(ns, QStringLiteral("KEEP"), &version), QStringLiteral("same"));
    QCOMPARE(version, 1);
}

void TestImportApi::badLinesAreSkippedWithLineNumbers()
{
    const QByteArray content = "GOOD_ONE=1\n"                  // 1
                               "this line is a stray secret\n" // 2: no '='
                               "1BAD=starts with a digit\n"    // 3: bad name
                               "\n"                            // 4
                               "BAD-NAME=dash\n"               // 5: bad name
                               "GOOD_TWO=2\n"                  // 6
                               "QUOTE_AFTER=\"ok\" trailing\n" // 7: text after quote
                               "UNTERMINATED=\"never closed\n" // 8: unterminated
                               "GOOD_THREE=3\n";               // 9
    const HttpReply r = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                             importBody(content, QStringLiteral("badlines")));
    CHECK_STATUS(r, 200);
    const QJsonObject report = r.object();
    QCOMPARE(keysOf(report.value(u"created").toArray()),
             (QStringList{QStringLiteral("GOOD_ONE"), QStringLiteral("GOOD_TWO"),
                          QStringLiteral("GOOD_THREE")}));

    const QJsonArray skipped = report.value(u"skipped").toArray();
    QList<int> lines;
    for (const QJsonValue &v : skipped) {
        lines.append(v.toObject().value(u"line").toInt());
        QVERIFY(!v.toObject().value(u"reason").toString().isEmpty());
    }
    QCOMPARE(lines, (QList<int>{2, 3, 5, 7, 8}));
    QVERIFY(!skipped.at(0).toObject().contains(QStringLiteral("key_path")));
    QCOMPARE(skipped.at(1).toObject().value(u"key_path"), QJsonValue(QStringLiteral("1BAD")));
    QCOMPARE(skipped.at(2).toObject().value(u"key_path"), QJsonValue(QStringLiteral("BAD-NAME")));
    QCOMPARE(skipped.at(3).toObject().value(u"key_path"),
             QJsonValue(QStringLiteral("QUOTE_AFTER")));
    QCOMPARE(skipped.at(4).toObject().value(u"key_path"),
             QJsonValue(QStringLiteral("UNTERMINATED")));

    // A broken line may be a secret pasted by mistake: the report never repeats it.
    for (const QByteArray &text :
         {QByteArray("stray secret"), QByteArray("starts with a digit"), QByteArray("dash"),
          QByteArray("trailing"), QByteArray("never closed")})
        QVERIFY2(!r.body.contains(text), text.constData());
    QCOMPARE(valueOf(QStringLiteral("badlines"), QStringLiteral("GOOD_THREE")),
             QStringLiteral("3"));
    QVERIFY(valueOf(QStringLiteral("badlines"), QStringLiteral("UNTERMINATED")).isNull());
}

void TestImportApi::duplicateKeyLastOneWins()
{
    const HttpReply r = m_server.http().post(
        QStringLiteral("/admin/import/dotenv"),
        importBody("DUP=first\nOTHER=x\nDUP=second\n", QStringLiteral("dups")));
    CHECK_STATUS(r, 200);
    QCOMPARE(keysOf(r.object().value(u"created").toArray()),
             (QStringList{QStringLiteral("OTHER"), QStringLiteral("DUP")}));
    const QJsonArray skipped = r.object().value(u"skipped").toArray();
    QCOMPARE(skipped.size(), 1);
    QCOMPARE(skipped.first().toObject().value(u"line"), QJsonValue(1));
    QCOMPARE(skipped.first().toObject().value(u"key_path"), QJsonValue(QStringLiteral("DUP")));
    QVERIFY(skipped.first().toObject().value(u"reason").toString().contains(u"line 3"));
    int version = 0;
    QCOMPARE(valueOf(QStringLiteral("dups"), QStringLiteral("DUP"), &version),
             QStringLiteral("second"));
    QCOMPARE(version, 1);
}

void TestImportApi::namespaceOption()
{
    const QByteArray content = "NS_KEY=in the namespace\n";
    const HttpReply r = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                             importBody(content, QStringLiteral("imported-ns")));
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(u"namespace"), QJsonValue(QStringLiteral("imported-ns")));
    QCOMPARE(valueOf(QStringLiteral("imported-ns"), QStringLiteral("NS_KEY")),
             QStringLiteral("in the namespace"));
    QVERIFY(valueOf(QStringLiteral("default"), QStringLiteral("NS_KEY")).isNull());

    bool listed = false;
    for (const QJsonValue &v : m_server.http().get(QStringLiteral("/admin/namespaces")).array())
        listed = listed || v.toObject().value(u"name").toString() == u"imported-ns";
    QVERIFY(listed);

    // Without a namespace the import goes to "default"; the same key there is a new secret.
    const HttpReply plain = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                                 importBody("NS_KEY=in default\n"));
    CHECK_STATUS(plain, 200);
    QCOMPARE(plain.object().value(u"namespace"), QJsonValue(QStringLiteral("default")));
    QCOMPARE(keysOf(plain.object().value(u"created").toArray()),
             QStringList{QStringLiteral("NS_KEY")});
    QCOMPARE(valueOf(QStringLiteral("default"), QStringLiteral("NS_KEY")),
             QStringLiteral("in default"));
    QCOMPARE(valueOf(QStringLiteral("imported-ns"), QStringLiteral("NS_KEY")),
             QStringLiteral("in the namespace"));

    // secret_type and description apply to the created secrets.
    const HttpReply typed =
        m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                             {{QStringLiteral("content"), QStringLiteral("TYPED={\"a\":1}\n")},
                              {QStringLiteral("namespace"), QStringLiteral("typed")},
                              {QStringLiteral("secret_type"), QStringLiteral("JSON_CONFIG")},
                              {QStringLiteral("description"), QStringLiteral("from .env")}});
    CHECK_STATUS(typed, 200);
    const HttpReply meta = m_server.http().get(QStringLiteral("/admin/secrets?namespace=typed"));
    QCOMPARE(meta.array().size(), 1);
    QCOMPARE(meta.array().first().toObject().value(u"secret_type"),
             QJsonValue(QStringLiteral("JSON_CONFIG")));
    QCOMPARE(meta.array().first().toObject().value(u"description"),
             QJsonValue(QStringLiteral("from .env")));
}

void TestImportApi::honeyTokenIsNeverOverwritten()
{
    const HttpReply honey = m_server.http().post(
        QStringLiteral("/admin/secrets"), {{QStringLiteral("namespace"), QStringLiteral("honeyns")},
                                           {QStringLiteral("key_path"), QStringLiteral("AWS_KEY")},
                                           {QStringLiteral("value"), QStringLiteral("decoy")},
                                           {QStringLiteral("is_honey_token"), true}});
    CHECK_STATUS(honey, 201);
    const QString id = honey.object().value(u"id").toString();

    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                             importBody("AWS_KEY=real\n", QStringLiteral("honeyns")));
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(u"created").toArray().size(), 0);
    QCOMPARE(r.object().value(u"updated").toArray().size(), 0);
    const QJsonArray skipped = r.object().value(u"skipped").toArray();
    QCOMPARE(skipped.size(), 1);
    QCOMPARE(skipped.first().toObject().value(u"key_path"), QJsonValue(QStringLiteral("AWS_KEY")));
    QCOMPARE(skipped.first().toObject().value(u"line"), QJsonValue(1));
    const HttpReply versions =
        m_server.http().get(QStringLiteral("/admin/secrets/%1/versions").arg(id));
    QCOMPARE(versions.object().value(u"current_version"), QJsonValue(1));
}

void TestImportApi::rejectedImportStoresNothing_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::newRow("bad namespace") << QByteArray(R"({"content":"REJ=1","namespace":"bad ns"})")
                                   << QStringLiteral("invalid_namespace");
    QTest::newRow("namespace with slash") << QByteArray(R"({"content":"REJ=1","namespace":"a/b"})")
                                          << QStringLiteral("invalid_namespace");
    QTest::newRow("no content") << QByteArray(R"({"namespace":"rejected"})")
                                << QStringLiteral("missing_field");
    QTest::newRow("content is a number")
        << QByteArray(R"({"content":1,"namespace":"rejected"})") << QStringLiteral("invalid_field");
    QTest::newRow("unknown field")
        << QByteArray(R"({"content":"REJ=1","namespace":"rejected","overwrite":true})")
        << QStringLiteral("unknown_field");
    QTest::newRow("bad secret_type")
        << QByteArray(R"({"content":"REJ=1","namespace":"rejected","secret_type":"X"})")
        << QStringLiteral("invalid_secret_type");
    QTest::newRow("malformed json")
        << QByteArray(R"({"content":"REJ=1")") << QStringLiteral("invalid_json");
    QTest::newRow("raw dotenv instead of json")
        << QByteArray("REJ=1\n") << QStringLiteral("invalid_json");
}

void TestImportApi::rejectedImportStoresNothing()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const QJsonArray before = listAll();
    const QJsonArray namespacesBefore =
        m_server.http().get(QStringLiteral("/admin/namespaces")).array();
    const HttpReply r = m_server.http().send("POST", QStringLiteral("/admin/import/dotenv"), body);
    CHECK_STATUS(r, 400);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(listAll(), before);
    QCOMPARE(m_server.http().get(QStringLiteral("/admin/namespaces")).array(), namespacesBefore);
}

void TestImportApi::failingEntryRollsBackTheWholeImport()
{
    // The import is one transaction: when one value is refused, none of the others is stored.
    const QJsonArray before = listAll();
    const HttpReply r = m_server.http().post(
        QStringLiteral("/admin/import/dotenv"),
        {{QStringLiteral("content"), QStringLiteral("FIRST={\"ok\":true}\nSECOND=not json\n")},
         {QStringLiteral("namespace"), QStringLiteral("atomic")},
         {QStringLiteral("secret_type"), QStringLiteral("JSON_CONFIG")}});
    CHECK_ERROR(r, 400, "invalid_value");
    QVERIFY(!r.body.contains("not json"));
    QCOMPARE(listAll(), before);

    const QByteArray big = "SMALL=fine\nHUGE=" + QByteArray(1024 * 1024 + 1, 'h') + '\n';
    const HttpReply tooBig = m_server.http().post(QStringLiteral("/admin/import/dotenv"),
                                                  importBody(big, QStringLiteral("atomic")));
    CHECK_ERROR(tooBig, 413, "value_too_large");
    QCOMPARE(listAll(), before);
}

void TestImportApi::noValueReachesTheLog()
{
    QVERIFY(!capturedLog().isEmpty());
    for (const QString &value :
         {QStringLiteral("old value"), QStringLiteral("new value"), QStringLiteral("stray secret"),
          QStringLiteral("never closed"), QStringLiteral("in the namespace"),
          QStringLiteral("not a comment"), QStringLiteral("BEGIN KEY"), QStringLiteral("not json")})
        QVERIFY2(!logContains(value), qPrintable(value));
}

QTEST_GUILESS_MAIN(TestImportApi)
#include "tst_import_api.moc"
