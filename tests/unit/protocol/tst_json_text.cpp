// protocol::appendJsonString must write exactly what QJsonDocument writes for the same text,
// so that answers built without QJsonObject read the same to every client.
#include "protocol/JsonText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using cortex::protocol::appendJsonString;

namespace {

// What Qt writes for the string literal: the array's brackets taken off.
QByteArray qtLiteral(QByteArrayView utf8)
{
    const QByteArray array =
        QJsonDocument(QJsonArray{QString::fromUtf8(utf8)}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray ours(QByteArrayView utf8)
{
    QByteArray out = "prefix:";
    appendJsonString(out, utf8);
    return out.mid(7);
}

} // namespace

class TestJsonText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesQt_data();
    void matchesQt();
    void matchesQtOnRandomBytes();
    void readsBackAsTheSameText();
};

void TestJsonText::matchesQt_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("plain") << QByteArray("sk-live-0123456789abcdef");
    QTest::newRow("quote and backslash") << QByteArray(R"(a"b\c)");
    QTest::newRow("slash") << QByteArray("a/b</script>");
    QTest::newRow("named controls") << QByteArray("\b\f\n\r\t");
    QTest::newRow("other controls") << QByteArray("\x01\x1f\x0b", 3);
    QTest::newRow("nul") << QByteArray("a\0b", 3);
    QTest::newRow("delete") << QByteArray("\x7f");
    QTest::newRow("two-byte") << QByteArray("caf\xc3\xa9");
    QTest::newRow("three-byte") << QByteArray("\xe2\x82\xac 100");
    QTest::newRow("four-byte") << QByteArray("\xf0\x9f\x94\x91");
    QTest::newRow("noncharacter U+FFFF") << QByteArray("\xef\xbf\xbf");
    QTest::newRow("U+10FFFF") << QByteArray("\xf4\x8f\xbf\xbf");
    QTest::newRow("lone continuation") << QByteArray("a\x80z");
    QTest::newRow("truncated sequence") << QByteArray("\xe2\x82");
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf");
    QTest::newRow("encoded surrogate") << QByteArray("\xed\xa0\x80");
    QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80");
    QTest::newRow("invalid lead byte") << QByteArray("\xff\xfe");
    QTest::newRow("invalid then quote") << QByteArray("\xff\"\n");
}

void TestJsonText::matchesQt()
{
    QFETCH(QByteArray, text);
    QCOMPARE(ours(text), qtLiteral(text));
}

void TestJsonText::matchesQtOnRandomBytes()
{
    // Short strings over an alphabet heavy in the bytes that need care.
    static const QByteArray alphabet("\"\\\x00\x01\x1f\x7f\x80\xbf\xc2\xc3\xe0\xed\xef\xf0\xf4\xf5"
                                     "\xff\xa0\x8f\x90 aZ/\n\t",
                                     27);
    QRandomGenerator random(20261206);
    for (int round = 0; round < 50000; ++round) {
        QByteArray text(random.bounded(12), Qt::Uninitialized);
        for (char &c : text)
            c = alphabet.at(random.bounded(alphabet.size()));
        QVERIFY2(ours(text) == qtLiteral(text), text.toHex(' ').constData());
    }
}

void TestJsonText::readsBackAsTheSameText()
{
    const QByteArray text("line1\nline2\t\"quoted\" \\ caf\xc3\xa9 \x01");
    QByteArray document = "[";
    appendJsonString(document, text);
    document += ']';
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(document, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(parsed.array().at(0).toString(), QString::fromUtf8(text));
}

QTEST_GUILESS_MAIN(TestJsonText)
#include "tst_json_text.moc"
