#include "protocol/Names.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace cortex::protocol;

class TestNames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keyPath_data();
    void keyPath();
    void namespaceName_data();
    void namespaceName();
    void envName_data();
    void envName();
    void ruleTexts();
};

void TestNames::keyPath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("valid");

    QTest::newRow("simple") << u"password"_s << true;
    QTest::newRow("nested") << u"db/primary/password"_s << true;
    QTest::newRow("all-allowed-chars") << u"A-z_0.9/x-Y_z.1"_s << true;
    QTest::newRow("single-char") << u"a"_s << true;
    QTest::newRow("dot-in-segment") << u"a/.hidden/b.txt"_s << true;
    QTest::newRow("three-dots-segment") << u"a/.../b"_s << true;
    QTest::newRow("dash-leading-segment") << u"-a/-b"_s << true;
    QTest::newRow("512-chars") << QString(512, u'a') << true;
    QTest::newRow("512-chars-nested") << (QString(255, u'a') + u'/' + QString(256, u'b')) << true;

    QTest::newRow("empty") << QString() << false;
    QTest::newRow("513-chars") << QString(513, u'a') << false;
    QTest::newRow("parent-prefix") << u"../x"_s << false;
    QTest::newRow("parent-middle") << u"a/../b"_s << false;
    QTest::newRow("parent-suffix") << u"a/.."_s << false;
    QTest::newRow("parent-only") << u".."_s << false;
    QTest::newRow("dot-only") << u"."_s << false;
    QTest::newRow("dot-prefix") << u"./a"_s << false;
    QTest::newRow("dot-middle") << u"a/./b"_s << false;
    QTest::newRow("dot-suffix") << u"a/."_s << false;
    QTest::newRow("absolute") << u"/abs"_s << false;
    QTest::newRow("slash-only") << u"/"_s << false;
    QTest::newRow("trailing-slash") << u"a/b/"_s << false;
    QTest::newRow("double-slash") << u"a//b"_s << false;
    QTest::newRow("pipe") << u"a|b"_s << false;
    QTest::newRow("space") << u"a b"_s << false;
    QTest::newRow("tab") << u"a\tb"_s << false;
    QTest::newRow("newline") << u"a\nb"_s << false;
    QTest::newRow("nul") << u"a\0b"_s << false;
    QTest::newRow("backslash") << u"a\\b"_s << false;
    QTest::newRow("backslash-parent") << u"..\\x"_s << false;
    QTest::newRow("colon") << u"c:/x"_s << false;
    QTest::newRow("percent-encoded") << u"%2e%2e/x"_s << false;
    QTest::newRow("unicode-letter") << u"pässword"_s << false;
    QTest::newRow("unicode-fullwidth-dot") << u"a/\uFF0E\uFF0E/b"_s << false;
    QTest::newRow("unicode-division-slash") << u"a\u2215b"_s << false;
    QTest::newRow("emoji") << u"key\U0001F511"_s << false;
}

void TestNames::keyPath()
{
    QFETCH(QString, path);
    QFETCH(bool, valid);
    QCOMPARE(isValidKeyPath(path), valid);
}

void TestNames::namespaceName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("simple") << u"payments"_s << true;
    QTest::newRow("mixed") << u"Payments-prod_2.eu"_s << true;
    QTest::newRow("underscore-first") << u"_internal"_s << true;
    QTest::newRow("digit-first") << u"1st"_s << true;
    QTest::newRow("single-char") << u"a"_s << true;
    QTest::newRow("64-chars") << QString(64, u'n') << true;
    QTest::newRow("trailing-dot-dash") << u"a.-"_s << true;

    QTest::newRow("empty") << QString() << false;
    QTest::newRow("65-chars") << QString(65, u'n') << false;
    QTest::newRow("dot") << u"."_s << false;
    QTest::newRow("dotdot") << u".."_s << false;
    QTest::newRow("leading-dot") << u".hidden"_s << false;
    QTest::newRow("leading-dash") << u"-rf"_s << false;
    QTest::newRow("slash") << u"a/b"_s << false;
    QTest::newRow("parent-path") << u"../x"_s << false;
    QTest::newRow("space") << u"a b"_s << false;
    QTest::newRow("pipe") << u"a|b"_s << false;
    QTest::newRow("backslash") << u"a\\b"_s << false;
    QTest::newRow("unicode") << u"prød"_s << false;
    QTest::newRow("nul") << u"a\0"_s << false;
}

void TestNames::namespaceName()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(isValidNamespaceName(name), valid);
}

void TestNames::envName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("upper") << u"DATABASE_URL"_s << true;
    QTest::newRow("lower") << u"path"_s << true;
    QTest::newRow("underscore") << u"_"_s << true;
    QTest::newRow("underscore-first") << u"_X1"_s << true;
    QTest::newRow("digits-after") << u"A123"_s << true;
    QTest::newRow("256-chars") << QString(256, u'A') << true;

    QTest::newRow("empty") << QString() << false;
    QTest::newRow("257-chars") << QString(257, u'A') << false;
    QTest::newRow("digit-first") << u"1A"_s << false;
    QTest::newRow("dash") << u"MY-VAR"_s << false;
    QTest::newRow("dot") << u"my.var"_s << false;
    QTest::newRow("space") << u"A B"_s << false;
    QTest::newRow("equals") << u"A=B"_s << false;
    QTest::newRow("dollar") << u"$A"_s << false;
    QTest::newRow("unicode-letter") << u"ÄPFEL"_s << false;
    QTest::newRow("unicode-digit") << u"A\u0663"_s << false; // ARABIC-INDIC DIGIT THREE
    QTest::newRow("nul") << u"A\0"_s << false;
}

void TestNames::envName()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(isValidEnvName(name), valid);
}

void TestNames::ruleTexts()
{
    QVERIFY(describeKeyPathRule().contains(u"512"));
    QVERIFY(describeNamespaceRule().contains(u"64"));
    QVERIFY(describeEnvNameRule().contains(u"256"));
}

QTEST_APPLESS_MAIN(TestNames)
#include "tst_names.moc"
