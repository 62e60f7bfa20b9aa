// The console window as an operator uses it: real widgets (offscreen), a real HTTP exchange
// with a loopback server, and what the window shows afterwards.
#include "FakeHttpServer.h"
#include "views/MainWindow.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTest>

using namespace Qt::StringLiterals;
using cortex::console::MainWindow;
using cortex::console::test::FakeHttpServer;

namespace {
// Only an upper bound for waiting on the event loop; every wait ends as soon as it can.
constexpr int WaitMs = 60000;

struct Ui
{
    explicit Ui(MainWindow &window)
        : url(window.findChild<QLineEdit *>(u"serverUrlEdit"_s)),
          check(window.findChild<QPushButton *>(u"checkButton"_s)),
          result(window.findChild<QLabel *>(u"sealStatusLabel"_s)),
          note(window.findChild<QLabel *>(u"laterReleaseNote"_s))
    {}
    bool complete() const { return url && check && result && note; }

    QLineEdit *url;
    QPushButton *check;
    QLabel *result;
    QLabel *note;
};
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void windowBuilds();
    void urlFieldHasTheDefault();
    void checkShowsTheSealState_data();
    void checkShowsTheSealState();
    void shareProgressIsShownWhileSealed();
    void buttonIsDisabledWhileChecking();
    void enterInTheUrlFieldChecks();
    void closedPortShowsTheError();
    void serverErrorIsShownAsPlainText();
    void invalidUrlIsRefusedWithoutARequest();
    void editingTheUrlClearsTheOldResult();
};

void TestMainWindow::windowBuilds()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Ui ui(window);
    QVERIFY(ui.complete());

    QCOMPARE(window.windowTitle(), u"Cortex Vault Console"_s);
    QVERIFY(!window.windowIcon().isNull());
    QVERIFY(!window.windowIcon().pixmap(QSize(48, 48)).isNull());
    QVERIFY(ui.note->isVisible());
    QVERIFY2(ui.note->text().contains(u"later release"_s), qPrintable(ui.note->text()));
    QCOMPARE(ui.result->text(), u"Not checked yet."_s);
    QVERIFY(ui.check->isEnabled());
}

void TestMainWindow::urlFieldHasTheDefault()
{
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());
    QCOMPARE(ui.url->text(), u"http://127.0.0.1:3000"_s);

    window.setServerUrl(u"https://vault.example.org"_s);
    QCOMPARE(ui.url->text(), u"https://vault.example.org"_s);
}

void TestMainWindow::checkShowsTheSealState_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("shown");

    QTest::newRow("new vault")
        << R"({"initialized":false,"sealed":true,"progress":0,"threshold":1})"_ba
        << u"Initialized: no, Sealed: yes"_s;
    QTest::newRow("sealed") << R"({"initialized":true,"sealed":true,"progress":0,"threshold":1})"_ba
                            << u"Initialized: yes, Sealed: yes"_s;
    QTest::newRow("unsealed")
        << R"({"initialized":true,"sealed":false,"progress":0,"threshold":1})"_ba
        << u"Initialized: yes, Sealed: no"_s;
}

void TestMainWindow::checkShowsTheSealState()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, shown);

    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(200, "OK", body);
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(ui.result->text(), shown, WaitMs);
    QCOMPARE(server.requestLines(), QList<QByteArray>{"GET /sys/seal-status HTTP/1.1"});
    QVERIFY(ui.check->isEnabled());
}

void TestMainWindow::shareProgressIsShownWhileSealed()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(200, "OK",
                       R"({"initialized":true,"sealed":true,"progress":1,"threshold":3})");
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(
        ui.result->text(), u"Initialized: yes, Sealed: yes\nUnseal progress: 1 of 3 key shares"_s,
        WaitMs);
}

void TestMainWindow::buttonIsDisabledWhileChecking()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.hold();
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QVERIFY(!ui.check->isEnabled());
    QCOMPARE(ui.result->text(), u"Checking %1…"_s.arg(server.url()));
    QTRY_COMPARE_WITH_TIMEOUT(server.heldCount(), 1, WaitMs);

    server.release();
    QTRY_COMPARE_WITH_TIMEOUT(ui.result->text(), u"Initialized: yes, Sealed: no"_s, WaitMs);
    QVERIFY(ui.check->isEnabled());
}

void TestMainWindow::enterInTheUrlFieldChecks()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::keyClick(ui.url, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(ui.result->text(), u"Initialized: yes, Sealed: no"_s, WaitMs);
}

void TestMainWindow::closedPortShowsTheError()
{
    const quint16 port = cortex::console::test::closedLoopbackPort();
    QVERIFY(port != 0);
    const QString url = u"http://127.0.0.1:%1"_s.arg(port);
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(url);
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(ui.result->text(),
                              u"Could not check %1: Connection refused"_s.arg(url), WaitMs);
    QVERIFY(ui.check->isEnabled());
}

void TestMainWindow::serverErrorIsShownAsPlainText()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(500, "Internal Server Error",
                       R"({"error":"<a href='http://evil.example'>click</a>","error_code":"x"})");
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(
        ui.result->text(),
        u"Could not check %1: The server answered HTTP 500: <a href='http://evil.example'>click</a>"_s
            .arg(server.url()),
        WaitMs);
    QCOMPARE(ui.result->textFormat(), Qt::PlainText); // shown as typed, never as a link
}

void TestMainWindow::invalidUrlIsRefusedWithoutARequest()
{
    MainWindow window;
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(u"ftp://127.0.0.1:3000"_s);
    QTest::mouseClick(ui.check, Qt::LeftButton);
    // Refused on the spot: nothing is sent, so there is nothing to wait for.
    QCOMPARE(ui.result->text(), u"The server URL must start with http:// or https://."_s);
    QVERIFY(ui.check->isEnabled());
}

void TestMainWindow::editingTheUrlClearsTheOldResult()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Ui ui(window);
    QVERIFY(ui.complete());

    ui.url->setText(server.url());
    QTest::mouseClick(ui.check, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(ui.result->text(), u"Initialized: yes, Sealed: no"_s, WaitMs);

    QTest::keyClicks(ui.url, u"1"_s); // now names another port: the old answer no longer applies
    QCOMPARE(ui.result->text(), u"Not checked yet."_s);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
