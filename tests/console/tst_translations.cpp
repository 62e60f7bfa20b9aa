// The console speaks the operator's language: translations/*.ts are compiled into the library
// and installTranslators() picks the catalogue for a locale.
#include "Translations.h"
#include "client/ApiClient.h"
#include "views/MainWindow.h"

#include <QApplication>
#include <QLabel>
#include <QPushButton>
#include <QTest>
#include <QTranslator>

using namespace Qt::StringLiterals;
using cortex::console::ApiClient;
using cortex::console::MainWindow;

class TestTranslations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void unknownLocaleKeepsEnglish();
    void englishCatalogueSpellsPlurals();
    void simplifiedChineseTranslatesTheWindow();
};

void TestTranslations::cleanup()
{
    // Each test starts untranslated: drop what installTranslators() put on the application.
    const QList<QTranslator *> translators = qApp->findChildren<QTranslator *>();
    for (QTranslator *translator : translators) {
        QCoreApplication::removeTranslator(translator);
        delete translator;
    }
}

void TestTranslations::unknownLocaleKeepsEnglish()
{
    QVERIFY(!cortex::console::installTranslators(*qApp, QLocale(QLocale::Swahili, QLocale::Kenya)));
    MainWindow window;
    QCOMPARE(window.windowTitle(), u"Cortex Vault Console"_s);
}

void TestTranslations::englishCatalogueSpellsPlurals()
{
    QVERIFY(cortex::console::installTranslators(*qApp,
                                                QLocale(QLocale::English, QLocale::UnitedStates)));
    const char *source = "The server did not answer within %n second(s).";
    QCOMPARE(ApiClient::tr(source, nullptr, 1), u"The server did not answer within 1 second."_s);
    QCOMPARE(ApiClient::tr(source, nullptr, 15), u"The server did not answer within 15 seconds."_s);
    MainWindow window;
    QCOMPARE(window.windowTitle(), u"Cortex Vault Console"_s);
}

void TestTranslations::simplifiedChineseTranslatesTheWindow()
{
    QVERIFY(cortex::console::installTranslators(*qApp, QLocale(QLocale::Chinese, QLocale::China)));
    MainWindow window;
    QCOMPARE(window.windowTitle(), u"Cortex Vault 控制台"_s);
    QCOMPARE(window.findChild<QPushButton *>(u"checkButton"_s)->text(), u"检查(&C)"_s);
    QCOMPARE(window.findChild<QLabel *>(u"sealStatusLabel"_s)->text(), u"尚未检查。"_s);
    QCOMPARE(window.findChild<QLabel *>(u"laterReleaseNote"_s)->text(),
             u"机密、智能体、审批和审计视图将在后续版本中提供。"_s);

    QString error;
    QVERIFY(!ApiClient::parseServerUrl(u"ftp://127.0.0.1"_s, &error));
    QCOMPARE(error, u"服务器地址必须以 http:// 或 https:// 开头。"_s);
}

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
