#include "protocol/Dotenv.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace cortex::protocol;

namespace {

QByteArray toCrlf(QByteArray lf)
{
    return lf.replace("\n", "\r\n");
}

QByteArray bytesOf(const DotenvEntry &entry)
{
    return entry.value.view().toByteArray();
}

const DotenvEntry *find(const DotenvParseResult &result, QStringView key)
{
    for (const DotenvEntry &e : result.entries) {
        if (e.key == key)
            return &e;
    }
    return nullptr;
}

QStringList keysOf(const DotenvParseResult &result)
{
    QStringList keys;
    for (const DotenvEntry &e : result.entries)
        keys << e.key;
    return keys;
}

QString describe(const DotenvParseResult &result)
{
    QString text;
    for (const DotenvProblem &p : result.problems)
        text += u"line %1 [%2]: %3\n"_s.arg(p.line).arg(p.key, p.reason);
    return text;
}

} // namespace

class TestDotenv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void singleValue_data();
    void singleValue();
    void multiLineDoesNotLeakIntoEntries_data();
    void multiLineDoesNotLeakIntoEntries();
    void realisticFileSurvivesByteForByte_data();
    void realisticFileSurvivesByteForByte();
    void lineEndings();
    void skippedLines();
    void lineNumbers();
    void orderIsFileOrder();
    void exportPrefix();
    void emptyInput();
    void problems_data();
    void problems();
    void duplicates();
    void reasonsNeverContainValues_data();
    void reasonsNeverContainValues();
    void largeValue();
    void unterminatedQuotesStayLinear();
};

void TestDotenv::singleValue_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // Unquoted.
    QTest::newRow("plain") << QByteArray("A=b") << QByteArray("b");
    QTest::newRow("plain-lf") << QByteArray("A=b\n") << QByteArray("b");
    QTest::newRow("empty") << QByteArray("A=") << QByteArray();
    QTest::newRow("empty-blanks") << QByteArray("A=  \t ") << QByteArray();
    QTest::newRow("empty-comment") << QByteArray("A= # only a comment") << QByteArray();
    QTest::newRow("hash-no-space") << QByteArray("A=a#b") << QByteArray("a#b");
    QTest::newRow("hash-first") << QByteArray("A=#b") << QByteArray("#b");
    QTest::newRow("hash-comment") << QByteArray("A=a #c") << QByteArray("a");
    QTest::newRow("hash-comment-tab") << QByteArray("A=a\t#c") << QByteArray("a");
    QTest::newRow("hash-url") << QByteArray("A=https://x.example/p#frag")
                              << QByteArray("https://x.example/p#frag");
    QTest::newRow("equals-quotes") << QByteArray("A=x=y\"z") << QByteArray("x=y\"z");
    QTest::newRow("base64-padding") << QByteArray("A=YWJjZA==") << QByteArray("YWJjZA==");
    QTest::newRow("apostrophe") << QByteArray("A=it's") << QByteArray("it's");
    QTest::newRow("quote-in-middle") << QByteArray("A=x 'y' \"z\"") << QByteArray("x 'y' \"z\"");
    QTest::newRow("trailing-quote") << QByteArray("A=abc'") << QByteArray("abc'");
    QTest::newRow("spaces-around")
        << QByteArray("  A  =  spaced value \t ") << QByteArray("spaced value");
    QTest::newRow("inner-spaces") << QByteArray("A=a  b\tc") << QByteArray("a  b\tc");
    QTest::newRow("backslashes") << QByteArray(R"(A=C:\path\n\t\"x\\)")
                                 << QByteArray(R"(C:\path\n\t\"x\\)");
    QTest::newRow("dollar") << QByteArray("A=$HOME/${USER}") << QByteArray("$HOME/${USER}");
    QTest::newRow("unicode") << QByteArray("A=ünïcødé 日本語 🔑") << QByteArray("ünïcødé 日本語 🔑");
    QTest::newRow("lone-cr-kept") << QByteArray("A=x\ry") << QByteArray("x\ry");

    // Single-quoted.
    QTest::newRow("sq-plain") << QByteArray("A='b'") << QByteArray("b");
    QTest::newRow("sq-empty") << QByteArray("A=''") << QByteArray();
    QTest::newRow("sq-hash") << QByteArray("A='a #not comment'") << QByteArray("a #not comment");
    QTest::newRow("sq-padded") << QByteArray("A='  padded  '") << QByteArray("  padded  ");
    QTest::newRow("sq-double-quotes") << QByteArray(R"(A='say "hi"')") << QByteArray(R"(say "hi")");
    QTest::newRow("sq-no-escapes")
        << QByteArray(R"(A='no \n \t \" escapes \')") << QByteArray(R"(no \n \t \" escapes \)");
    QTest::newRow("sq-equals") << QByteArray("A='k=v;x=y'") << QByteArray("k=v;x=y");
    QTest::newRow("sq-json") << QByteArray(R"(A='{"k": "v", "n": [1, 2]}')")
                             << QByteArray(R"({"k": "v", "n": [1, 2]})");
    QTest::newRow("sq-unicode") << QByteArray("A='日本語 ✓ 🔑'") << QByteArray("日本語 ✓ 🔑");
    QTest::newRow("sq-comment-after") << QByteArray("A='x' # comment") << QByteArray("x");
    QTest::newRow("sq-comment-glued") << QByteArray("A='x'#comment") << QByteArray("x");
    QTest::newRow("sq-blanks-after") << QByteArray("A = 'x'  \t") << QByteArray("x");
    QTest::newRow("sq-multiline") << QByteArray("A='line1\nline2\n  line3  '")
                                  << QByteArray("line1\nline2\n  line3  ");
    QTest::newRow("sq-multiline-blank-lines")
        << QByteArray("A='x\n\n\ny'") << QByteArray("x\n\n\ny");
    QTest::newRow("sq-multiline-hash-lines") << QByteArray("A='x\n# not a comment\nB=not a key'")
                                             << QByteArray("x\n# not a comment\nB=not a key");
    QTest::newRow("sq-starts-with-newline") << QByteArray("A='\nx\n'") << QByteArray("\nx\n");

    // Double-quoted.
    QTest::newRow("dq-plain") << QByteArray(R"(A="b")") << QByteArray("b");
    QTest::newRow("dq-empty") << QByteArray(R"(A="")") << QByteArray();
    QTest::newRow("dq-hash") << QByteArray(R"(A="a #not comment")") << QByteArray("a #not comment");
    QTest::newRow("dq-padded") << QByteArray(R"(A="  padded  ")") << QByteArray("  padded  ");
    QTest::newRow("dq-single-quotes") << QByteArray(R"(A="it's 'x'")") << QByteArray("it's 'x'");
    QTest::newRow("dq-escapes") << QByteArray(R"(A="q\" b\\ d\$ n\n r\r t\t")")
                                << QByteArray("q\" b\\ d$ n\n r\r t\t");
    QTest::newRow("dq-other-backslashes")
        << QByteArray(R"(A="\q \x41 \u00e9 \' \0 \a")") << QByteArray(R"(\q \x41 \u00e9 \' \0 \a)");
    QTest::newRow("dq-escaped-backslash-then-quote")
        << QByteArray(R"(A="a\\")") << QByteArray("a\\");
    QTest::newRow("dq-windows-path")
        << QByteArray(R"(A="C:\Users\x\\y")") << QByteArray(R"(C:\Users\x\y)");
    QTest::newRow("dq-dollar") << QByteArray(R"(A="$HOME ${X} \${Y}")")
                               << QByteArray("$HOME ${X} ${Y}");
    QTest::newRow("dq-unicode") << QByteArray(R"(A="ünï 日本語 🔑")") << QByteArray("ünï 日本語 🔑");
    QTest::newRow("dq-equals") << QByteArray(R"(A="a=b=c")") << QByteArray("a=b=c");
    QTest::newRow("dq-comment-after") << QByteArray(R"(A="x"   # comment "y")") << QByteArray("x");
    QTest::newRow("dq-multiline") << QByteArray("A=\"line1\nline2\n  line3  \"")
                                  << QByteArray("line1\nline2\n  line3  ");
    QTest::newRow("dq-multiline-escapes")
        << QByteArray("A=\"a\\tb\nc\\\"d\n\"") << QByteArray("a\tb\nc\"d\n");
    QTest::newRow("dq-backslash-at-eol") << QByteArray("A=\"a\\\nb\"") << QByteArray("a\\\nb");
    QTest::newRow("dq-escaped-quote-at-eol")
        << QByteArray("A=\"a\\\"\nb\"") << QByteArray("a\"\nb");
    QTest::newRow("dq-pem")
        << QByteArray(
               "KEY=\"-----BEGIN PRIVATE KEY-----\nMIIEv+/=\nAbC==\n-----END PRIVATE KEY-----\"")
        << QByteArray("-----BEGIN PRIVATE KEY-----\nMIIEv+/=\nAbC==\n-----END PRIVATE KEY-----");
}

void TestDotenv::singleValue()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);

    // Each case must hold for LF, CRLF, with and without a final line end.
    const QList<QByteArray> variants{input, input + '\n', toCrlf(input), toCrlf(input + '\n')};
    for (const QByteArray &variant : variants) {
        const DotenvParseResult result = parseDotenv(variant);
        QVERIFY2(result.problems.empty(), qPrintable(describe(result)));
        QCOMPARE(result.entries.size(), std::size_t(1));
        QVERIFY(!result.entries[0].key.isEmpty());
        QCOMPARE(result.entries[0].line, 1);
        QCOMPARE(bytesOf(result.entries[0]), expected);
        QCOMPARE(result.entries[0].value.size(), std::size_t(expected.size()));
    }
}

void TestDotenv::multiLineDoesNotLeakIntoEntries_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("single") << QByteArray("A='x\nB=1\nexport C=2\n'\nD=4\n");
    QTest::newRow("double") << QByteArray("A=\"x\nB=1\nexport C=2\n\"\nD=4\n");
}

void TestDotenv::multiLineDoesNotLeakIntoEntries()
{
    QFETCH(QByteArray, input);
    for (const QByteArray &variant : {input, toCrlf(input)}) {
        const DotenvParseResult result = parseDotenv(variant);
        QVERIFY2(result.problems.empty(), qPrintable(describe(result)));
        QCOMPARE(keysOf(result), QStringList({u"A"_s, u"D"_s}));
        QCOMPARE(bytesOf(result.entries[0]), QByteArray("x\nB=1\nexport C=2\n"));
        QCOMPARE(result.entries[1].line, 5);
    }
}

void TestDotenv::realisticFileSurvivesByteForByte_data()
{
    QTest::addColumn<bool>("crlf");
    QTest::newRow("lf") << false;
    QTest::newRow("crlf") << true;
}

void TestDotenv::realisticFileSurvivesByteForByte()
{
    QFETCH(bool, crlf);
    QByteArray file = R"(# Service configuration
export DATABASE_URL=postgres://user:p%40ss#w0rd@db:5432/app?sslmode=require
API_KEY = sk_live_51H#x=y"z'w
  HASHED='$2b$12$abc#def/ghi'   # bcrypt hash, $ kept
QUOTED_DQ="He said \"hi\" and left a \\ behind"
QUOTED_SQ='She said "bye" \n literally'
SPACES="   both ends   "
UNICODE="Grüße 日本語 🔑 \u00e9"
EMPTY=
EMPTY_DQ=""

JSON={"a":1,"b":"x # y"}
MULTI_SQ='first line
  second line with "quotes" # and hash'
)";
    file += "MULTI_DQ=\"-----BEGIN-----\n\\tindented\\n\n\t\treal tabs\n-----END-----\"\n";
    file += "LAST=tail";
    if (crlf)
        file = toCrlf(file);

    const DotenvParseResult result = parseDotenv(file);
    QVERIFY2(result.problems.empty(), qPrintable(describe(result)));

    const QList<std::pair<QString, QByteArray>> expected{
        {u"DATABASE_URL"_s, "postgres://user:p%40ss#w0rd@db:5432/app?sslmode=require"},
        {u"API_KEY"_s, "sk_live_51H#x=y\"z'w"},
        {u"HASHED"_s, "$2b$12$abc#def/ghi"},
        {u"QUOTED_DQ"_s, "He said \"hi\" and left a \\ behind"},
        {u"QUOTED_SQ"_s, R"(She said "bye" \n literally)"},
        {u"SPACES"_s, "   both ends   "},
        {u"UNICODE"_s, R"(Grüße 日本語 🔑 \u00e9)"},
        {u"EMPTY"_s, ""},
        {u"EMPTY_DQ"_s, ""},
        // Unquoted: " #" starts a comment even inside what looks like JSON.
        {u"JSON"_s, R"({"a":1,"b":"x)"},
        {u"MULTI_SQ"_s, "first line\n  second line with \"quotes\" # and hash"},
        {u"MULTI_DQ"_s, "-----BEGIN-----\n\tindented\n\n\t\treal tabs\n-----END-----"},
        {u"LAST"_s, "tail"},
    };
    QCOMPARE(result.entries.size(), std::size_t(expected.size()));
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QCOMPARE(result.entries[std::size_t(i)].key, expected[i].first);
        QCOMPARE(bytesOf(result.entries[std::size_t(i)]), expected[i].second);
    }
    QCOMPARE(find(result, u"LAST")->line, 19);
}

void TestDotenv::lineEndings()
{
    // Only a CR right before LF (or at the very end) is a line-end; any other CR is data.
    const DotenvParseResult result = parseDotenv("A=x\r\r\nB='y\r\nz'\r\nC=\"\r\"\rD=1\r");
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result)));
    QCOMPARE(bytesOf(*find(result, u"A")), QByteArray("x\r"));
    QCOMPARE(bytesOf(*find(result, u"B")), QByteArray("y\nz"));
    // C="<CR>"<CR>D=1 : text after the closing quote.
    QCOMPARE(result.problems[0].key, u"C"_s);
    QCOMPARE(find(result, u"D"), nullptr);

    const DotenvParseResult mixed = parseDotenv("A=1\nB=2\r\nC='x\r\ny\nz'\n");
    QVERIFY(mixed.problems.empty());
    QCOMPARE(keysOf(mixed), QStringList({u"A"_s, u"B"_s, u"C"_s}));
    QCOMPARE(bytesOf(mixed.entries[1]), QByteArray("2"));
    QCOMPARE(bytesOf(mixed.entries[2]), QByteArray("x\ny\nz"));
}

void TestDotenv::skippedLines()
{
    const DotenvParseResult result =
        parseDotenv("# comment\n\n   \n\t\n  # indented comment\n#B=2\nA=1\n# C='x\n");
    QVERIFY2(result.problems.empty(), qPrintable(describe(result)));
    QCOMPARE(keysOf(result), QStringList({u"A"_s}));
    QCOMPARE(result.entries[0].line, 7);

    // A leading UTF-8 BOM is not part of the first key.
    const DotenvParseResult bom = parseDotenv("\xEF\xBB\xBF"
                                              "A=1\n");
    QVERIFY2(bom.problems.empty(), qPrintable(describe(bom)));
    QCOMPARE(keysOf(bom), QStringList({u"A"_s}));
}

void TestDotenv::lineNumbers()
{
    const DotenvParseResult result = parseDotenv("A='x\ny\nz'\n\nB=\"1\n2\"\nC=3\nbroken\n");
    QCOMPARE(keysOf(result), QStringList({u"A"_s, u"B"_s, u"C"_s}));
    QCOMPARE(result.entries[0].line, 1);
    QCOMPARE(result.entries[1].line, 5);
    QCOMPARE(result.entries[2].line, 7);
    QCOMPARE(result.problems.size(), std::size_t(1));
    QCOMPARE(result.problems[0].line, 8);
}

void TestDotenv::orderIsFileOrder()
{
    const DotenvParseResult result = parseDotenv("Z=1\nA=2\nM=3\n");
    QCOMPARE(keysOf(result), QStringList({u"Z"_s, u"A"_s, u"M"_s}));
}

void TestDotenv::exportPrefix()
{
    const DotenvParseResult result =
        parseDotenv("export A=1\nexport\t B = 2\nexport=3\nexportC=4\nexport  =5\n");
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result)));
    QCOMPARE(keysOf(result), QStringList({u"A"_s, u"B"_s, u"exportC"_s, u"export"_s}));
    QCOMPARE(bytesOf(*find(result, u"B")), QByteArray("2"));
    QCOMPARE(bytesOf(*find(result, u"export")), QByteArray("5"));
    // "export" twice: line 3 loses to line 5.
    QCOMPARE(result.problems[0].line, 3);

    const DotenvParseResult bare = parseDotenv("export FOO\n");
    QCOMPARE(bare.entries.size(), std::size_t(0));
    QCOMPARE(bare.problems.size(), std::size_t(1));
    QVERIFY(bare.problems[0].reason.contains(u"'='"));
}

void TestDotenv::emptyInput()
{
    for (const QByteArray &input :
         {QByteArray(), QByteArray("\n"), QByteArray("\r\n\r\n"), QByteArray("\xEF\xBB\xBF")}) {
        const DotenvParseResult result = parseDotenv(input);
        QVERIFY(result.entries.empty());
        QVERIFY(result.problems.empty());
    }
}

void TestDotenv::problems_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("reasonPart");
    QTest::addColumn<QStringList>("keys"); // entries still parsed

    const QString noEq = u"no '='"_s;
    const QString badName = u"invalid variable name"_s;
    QTest::newRow("no-equals") << QByteArray("A=1\nNOEQUALS\nB=2") << 2 << QString() << noEq
                               << QStringList{u"A"_s, u"B"_s};
    QTest::newRow("no-equals-quoted")
        << QByteArray("'A B'\nB=2") << 1 << QString() << noEq << QStringList{u"B"_s};
    QTest::newRow("digit-first") << QByteArray("1A=x\nB=2") << 1 << u"1A"_s << badName
                                 << QStringList{u"B"_s};
    QTest::newRow("dash") << QByteArray("MY-VAR=x") << 1 << u"MY-VAR"_s << badName << QStringList{};
    QTest::newRow("space-in-key") << QByteArray("A B=x") << 1 << u"A B"_s << badName
                                  << QStringList{};
    QTest::newRow("bad-key-multiline-value-skipped")
        << QByteArray("BAD-KEY='x\nSECRET_PART=abc'\nB=1") << 1 << u"BAD-KEY"_s << badName
        << QStringList{u"B"_s};
    QTest::newRow("bad-key-unterminated-value")
        << QByteArray("BAD-KEY=\"x\nB=1") << 1 << u"BAD-KEY"_s << badName << QStringList{u"B"_s};
    QTest::newRow("empty-key") << QByteArray("=x\nB=1") << 1 << QString() << badName
                               << QStringList{u"B"_s};
    QTest::newRow("unicode-key") << QByteArray("SCHLÜSSEL=x") << 1 << u"SCHLÜSSEL"_s << badName
                                 << QStringList{};
    QTest::newRow("long-key-shortened")
        << (QByteArray(300, 'K') + "=x") << 1 << (QString(64, u'K') + u"..."_s) << badName
        << QStringList{};
    QTest::newRow("unterminated-sq")
        << QByteArray("X=1\nA='open\nB=2\nC=3") << 2 << u"A"_s
        << u"unterminated quote starting at line 2"_s << QStringList{u"X"_s, u"B"_s, u"C"_s};
    QTest::newRow("unterminated-dq")
        << QByteArray("A=\"open\nB=2") << 1 << u"A"_s << u"unterminated quote starting at line 1"_s
        << QStringList{u"B"_s};
    QTest::newRow("unterminated-dq-escaped-close")
        << QByteArray("A=\"open\\\"\nB=2") << 1 << u"A"_s << u"unterminated quote"_s
        << QStringList{u"B"_s};
    QTest::newRow("text-after-dq") << QByteArray("A=\"x\"y\nB=1") << 1 << u"A"_s
                                   << u"after the closing quote"_s << QStringList{u"B"_s};
    QTest::newRow("text-after-sq") << QByteArray("A='x' y\nB=1") << 1 << u"A"_s
                                   << u"after the closing quote"_s << QStringList{u"B"_s};
    QTest::newRow("text-after-multiline") << QByteArray("A='x\ny'z\nB=1") << 1 << u"A"_s
                                          << u"after the closing quote"_s << QStringList{u"B"_s};
    QTest::newRow("second-quote") << QByteArray("A='x''y'") << 1 << u"A"_s
                                  << u"after the closing quote"_s << QStringList{};
    QTest::newRow("invalid-utf8-unquoted")
        << QByteArray("A=x\xff"
                      "y\nB=1")
        << 1 << u"A"_s << u"not valid UTF-8"_s << QStringList{u"B"_s};
    QTest::newRow("invalid-utf8-quoted")
        << QByteArray("A=\"\xc3\x28\"") << 1 << u"A"_s << u"not valid UTF-8"_s << QStringList{};
    QTest::newRow("overlong-utf8")
        << QByteArray("A=\xc0\xaf") << 1 << u"A"_s << u"not valid UTF-8"_s << QStringList{};
    QTest::newRow("surrogate-utf8")
        << QByteArray("A=\xed\xa0\x80") << 1 << u"A"_s << u"not valid UTF-8"_s << QStringList{};
    QTest::newRow("truncated-utf8")
        << QByteArray("A='\xe6\x97'") << 1 << u"A"_s << u"not valid UTF-8"_s << QStringList{};
    QTest::newRow("nul-byte") << QByteArray("A=a\0b\nB=1", 9) << 1 << u"A"_s << u"NUL"_s
                              << QStringList{u"B"_s};
}

void TestDotenv::problems()
{
    QFETCH(QByteArray, input);
    QFETCH(int, line);
    QFETCH(QString, key);
    QFETCH(QString, reasonPart);
    QFETCH(QStringList, keys);

    for (const QByteArray &variant : {input, toCrlf(input)}) {
        const DotenvParseResult result = parseDotenv(variant);
        QCOMPARE(result.problems.size(), std::size_t(1));
        const DotenvProblem &p = result.problems[0];
        QCOMPARE(p.line, line);
        QCOMPARE(p.key, key);
        QVERIFY2(p.reason.contains(reasonPart), qPrintable(p.reason));
        QCOMPARE(keysOf(result), keys);
    }
}

void TestDotenv::duplicates()
{
    const DotenvParseResult result = parseDotenv("A=1\nB=x\nA='2'\nC=y\nA=\"3\"\n");
    QCOMPARE(keysOf(result), QStringList({u"B"_s, u"C"_s, u"A"_s}));
    QCOMPARE(bytesOf(*find(result, u"A")), QByteArray("3"));
    QCOMPARE(find(result, u"A")->line, 5);
    QCOMPARE(result.problems.size(), std::size_t(2));
    QCOMPARE(result.problems[0].line, 1);
    QCOMPARE(result.problems[0].key, u"A"_s);
    QCOMPARE(result.problems[0].reason, u"duplicate key, line 5 wins"_s);
    QCOMPARE(result.problems[1].line, 3);
    QCOMPARE(result.problems[1].reason, u"duplicate key, line 5 wins"_s);

    // Problems come out sorted by line even when found in a later pass.
    const DotenvParseResult mixed = parseDotenv("A=1\nbad\nA=2\n");
    QCOMPARE(mixed.problems.size(), std::size_t(2));
    QCOMPARE(mixed.problems[0].line, 1);
    QCOMPARE(mixed.problems[1].line, 2);

    // One key repeated many times: only the winner is kept, every loser is reported.
    const DotenvParseResult many = parseDotenv(QByteArray("K=v\n").repeated(20000) + "K=last");
    QCOMPARE(many.entries.size(), std::size_t(1));
    QCOMPARE(bytesOf(many.entries[0]), QByteArray("last"));
    QCOMPARE(many.problems.size(), std::size_t(20000));
    QCOMPARE(many.problems.back().reason, u"duplicate key, line 20001 wins"_s);

    // Keys are case-sensitive.
    QCOMPARE(parseDotenv("a=1\nA=2").entries.size(), std::size_t(2));
}

void TestDotenv::reasonsNeverContainValues_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("text-after-quote") << QByteArray("A=\"SENTINEL\"SENTINEL");
    QTest::newRow("unterminated") << QByteArray("A='SENTINEL\n");
    QTest::newRow("bad-utf8") << QByteArray("A=SENTINEL\xff");
    QTest::newRow("duplicate") << QByteArray("A=SENTINEL\nA=SENTINEL2");
    QTest::newRow("no-equals") << QByteArray("SENTINEL");
    QTest::newRow("bad-key") << QByteArray("BAD-KEY=SENTINEL");
}

void TestDotenv::reasonsNeverContainValues()
{
    QFETCH(QByteArray, input);
    const DotenvParseResult result = parseDotenv(input);
    QVERIFY(!result.problems.empty());
    for (const DotenvProblem &p : result.problems) {
        QVERIFY2(!p.reason.contains(u"SENTINEL"), qPrintable(p.reason));
        QVERIFY2(!p.key.contains(u"SENTINEL"), qPrintable(p.key));
    }
}

void TestDotenv::largeValue()
{
    QByteArray big;
    for (int i = 0; i < 20000; ++i)
        big += "line " + QByteArray::number(i) + " #=\"\\ 🔑\n"; // no single quote inside
    big.chop(1);
    const QByteArray file = "BIG='" + big + "'\nNEXT=1\n";
    const DotenvParseResult result = parseDotenv(file);
    QVERIFY(result.problems.empty());
    QCOMPARE(bytesOf(*find(result, u"BIG")), big);
    QCOMPARE(find(result, u"NEXT")->line, 20001);
}

void TestDotenv::unterminatedQuotesStayLinear()
{
    // Hostile shapes for a scanner that looks ahead for closing quotes. A failed scan reaches the
    // end of the input, but it also proves that no later line can open a quote of that kind
    // (the scan would have stopped there), so the total work stays linear.
    const int n = 200000;
    struct Case
    {
        QByteArray file;
        std::size_t problems;
    };
    const QList<Case> cases{
        // Each value closes on the next line, followed by text: one problem per pair of lines.
        {QByteArray("A='x\n").repeated(n), std::size_t(n / 2)},
        {QByteArray("A=\"x\\\n").repeated(n), std::size_t(n / 2)},
        // One unterminated quote of each kind up front, then many lines to scan through.
        {"A='open\nB=\"open\n" + QByteArray("no equals sign\n").repeated(n), std::size_t(2 + n)},
    };
    for (const Case &c : cases) {
        QElapsedTimer timer;
        timer.start();
        const DotenvParseResult result = parseDotenv(c.file);
        QVERIFY2(timer.elapsed() < 20000, "parsing took far too long");
        QCOMPARE(result.problems.size(), c.problems);
    }
}

QTEST_APPLESS_MAIN(TestDotenv)
#include "tst_dotenv.moc"
