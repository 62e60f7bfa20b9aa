// protocol::appendUtf8 / appendDecimal must append exactly what toUtf8() and QByteArray::number()
// make: AADs and the audit chain's input are built with them, and stored ciphertexts and hashes
// are bound to those bytes.
#include "protocol/AppendText.h"

#include <QRandomGenerator>
#include <QTest>
#include <limits>

using cortex::protocol::appendDecimal;
using cortex::protocol::appendUtf8;

class TestAppendText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void utf8MatchesToUtf8_data();
    void utf8MatchesToUtf8();
    void utf8MatchesToUtf8OnRandomText();
    void decimalMatchesNumber();
    void appendsKeepWhatWasThere();
};

void TestAppendText::utf8MatchesToUtf8_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("ascii") << QStringLiteral("default/db/password_1");
    QTest::newRow("latin-1") << QStringLiteral("équipe/clé");
    QTest::newRow("non-ascii last") << QStringLiteral("abc\u00ff");
    QTest::newRow("cjk") << QStringLiteral("秘密/鍵");
    QTest::newRow("astral (surrogate pair)") << QStringLiteral("key-\U0001F511");
    QTest::newRow("lone high surrogate") << QString(QChar(0xD800));
    QTest::newRow("lone low surrogate in ascii")
        << (QStringLiteral("ab") + QChar(0xDC00) + QStringLiteral("cd"));
    QTest::newRow("NUL and controls") << QString::fromLatin1("a\0b\x01\x7f", 5);
}

void TestAppendText::utf8MatchesToUtf8()
{
    QFETCH(QString, text);
    QByteArray out;
    appendUtf8(out, text);
    QCOMPARE(out, text.toUtf8());
}

void TestAppendText::utf8MatchesToUtf8OnRandomText()
{
    QRandomGenerator random(20261207);
    for (int round = 0; round < 2000; ++round) {
        QString text;
        const int length = int(random.bounded(40));
        for (int i = 0; i < length; ++i) {
            // Mostly ASCII, sometimes any UTF-16 code unit (surrogates included).
            const bool ascii = random.bounded(4) != 0;
            text.append(QChar(char16_t(ascii ? random.bounded(0x80) : random.bounded(0x10000))));
        }
        QByteArray out = "x";
        appendUtf8(out, text);
        QCOMPARE(out, "x" + text.toUtf8());
    }
}

void TestAppendText::decimalMatchesNumber()
{
    const qint64 values[] = {0,
                             1,
                             -1,
                             9,
                             10,
                             -10,
                             2147483647,
                             -2147483648LL,
                             1234567890123,
                             std::numeric_limits<qint64>::max(),
                             std::numeric_limits<qint64>::min()};
    for (const qint64 value : values) {
        QByteArray out;
        appendDecimal(out, value);
        QCOMPARE(out, QByteArray::number(value));
    }
}

void TestAppendText::appendsKeepWhatWasThere()
{
    QByteArray out = "secret_versions|";
    appendUtf8(out, QStringLiteral("sec_é"));
    out.append('|');
    appendDecimal(out, 42);
    QCOMPARE(out, QByteArray("secret_versions|sec_\xc3\xa9|42"));
    // Many appends: the buffer grows, nothing is lost.
    QByteArray many;
    QByteArray expected;
    for (int i = 0; i < 1000; ++i) {
        appendUtf8(many, QStringLiteral("ab"));
        appendDecimal(many, i);
        expected += "ab" + QByteArray::number(i);
    }
    QCOMPARE(many, expected);
}

QTEST_GUILESS_MAIN(TestAppendText)
#include "tst_append_text.moc"
