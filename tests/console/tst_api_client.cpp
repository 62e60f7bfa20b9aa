// ApiClient against a loopback HTTP server: what the console learns from /sys/seal-status, and
// the error texts an operator reads when the server is absent, wrong or misbehaving.
#include "FakeHttpServer.h"
#include "client/ApiClient.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using cortex::console::ApiClient;
using cortex::console::SealStatus;
using cortex::console::test::FakeHttpServer;

Q_DECLARE_METATYPE(cortex::console::SealStatus)

namespace {
// Only an upper bound for waiting on the event loop; every wait ends as soon as it can.
constexpr int WaitMs = 60000;

QUrl serverUrl(const FakeHttpServer &server, const QString &path = {})
{
    return QUrl(server.url() + path);
}
} // namespace

class TestApiClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseSealStatus_data();
    void parseSealStatus();
    void parseServerUrl_data();
    void parseServerUrl();

    void fetchReportsTheServersState();
    void fetchKeepsTheUrlPathPrefix();
    void httpErrorShowsTheServersMessage();
    void httpErrorWithoutJsonShowsTheStatus();
    void answerThatIsNotASealStatusFails();
    void oversizedAnswerIsCutOff();
    void closedPortFails();
    void silentServerTimesOut();
};

void TestApiClient::parseSealStatus_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<SealStatus>("expected");

    QTest::newRow("sealed, shares")
        << R"({"initialized":true,"sealed":true,"progress":2,"threshold":3})"_ba << true
        << SealStatus{true, true, 2, 3};
    QTest::newRow("unsealed")
        << R"({"initialized":true,"sealed":false,"progress":0,"threshold":1})"_ba << true
        << SealStatus{true, false, 0, 1};
    QTest::newRow("cortex-server extra fields")
        << R"({"initialized":false,"sealed":true,"progress":0,"threshold":1,"unseal_methods":["password"],"version":"0.1.0"})"_ba
        << true << SealStatus{false, true, 0, 1};
    QTest::newRow("counts optional")
        << R"({"initialized":true,"sealed":true})"_ba << true << SealStatus{true, true, 0, 0};
    QTest::newRow("null count") << R"({"initialized":true,"sealed":true,"threshold":null})"_ba
                                << true << SealStatus{true, true, 0, 0};

    QTest::newRow("empty") << QByteArray() << false << SealStatus{};
    QTest::newRow("html") << "<html><body>It works!</body></html>"_ba << false << SealStatus{};
    QTest::newRow("array") << "[true,false]"_ba << false << SealStatus{};
    QTest::newRow("missing sealed") << R"({"initialized":true})"_ba << false << SealStatus{};
    QTest::newRow("sealed as string")
        << R"({"initialized":true,"sealed":"false"})"_ba << false << SealStatus{};
    QTest::newRow("sealed as number")
        << R"({"initialized":true,"sealed":0})"_ba << false << SealStatus{};
    QTest::newRow("negative progress")
        << R"({"initialized":true,"sealed":true,"progress":-1})"_ba << false << SealStatus{};
    QTest::newRow("fractional threshold")
        << R"({"initialized":true,"sealed":true,"threshold":1.5})"_ba << false << SealStatus{};
    QTest::newRow("threshold as string")
        << R"({"initialized":true,"sealed":true,"threshold":"3"})"_ba << false << SealStatus{};
}

void TestApiClient::parseSealStatus()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, valid);
    QFETCH(SealStatus, expected);

    QString error;
    const std::optional<SealStatus> status = cortex::console::parseSealStatus(body, &error);
    QCOMPARE(status.has_value(), valid);
    if (valid) {
        QCOMPARE(*status, expected);
        QVERIFY(error.isEmpty());
    } else {
        QVERIFY2(!error.isEmpty(), "a rejected body must come with a reason");
    }
}

void TestApiClient::parseServerUrl_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // empty: rejected

    QTest::newRow("default") << u"http://127.0.0.1:3000"_s << u"http://127.0.0.1:3000"_s;
    QTest::newRow("spaces trimmed") << u"  http://127.0.0.1:3000 "_s << u"http://127.0.0.1:3000"_s;
    QTest::newRow("no scheme, ip") << u"127.0.0.1:3000"_s << u"http://127.0.0.1:3000"_s;
    QTest::newRow("no scheme, name") << u"localhost:3000"_s << u"http://localhost:3000"_s;
    QTest::newRow("https, prefix")
        << u"HTTPS://vault.example.org/cortex/"_s << u"https://vault.example.org/cortex/"_s;
    QTest::newRow("ipv6") << u"http://[::1]:3000"_s << u"http://[::1]:3000"_s;

    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("blank") << u"   "_s << QString();
    QTest::newRow("ftp") << u"ftp://example.org"_s << QString();
    QTest::newRow("no host") << u"http://"_s << QString();
    QTest::newRow("user info") << u"http://admin:secret@127.0.0.1:3000"_s << QString();
    QTest::newRow("query") << u"http://127.0.0.1:3000/?token=x"_s << QString();
    QTest::newRow("fragment") << u"http://127.0.0.1:3000/#x"_s << QString();
    QTest::newRow("bad port") << u"http://127.0.0.1:99999"_s << QString();
}

void TestApiClient::parseServerUrl()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);

    QString error;
    const std::optional<QUrl> url = ApiClient::parseServerUrl(text, &error);
    if (expected.isEmpty()) {
        QVERIFY2(!url, qPrintable(url ? url->toString() : QString()));
        QVERIFY(!error.isEmpty());
    } else {
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->toString(), expected);
    }
}

void TestApiClient::fetchReportsTheServersState()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(200, "OK",
                       R"({"initialized":true,"sealed":true,"progress":1,"threshold":3})");
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    QSignalSpy received(&client, &ApiClient::sealStatusReceived);
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QVERIFY(client.isBusy());
    QTRY_COMPARE_WITH_TIMEOUT(received.size() + failed.size(), 1, WaitMs);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
    QCOMPARE(received.at(0).at(0).value<SealStatus>(), (SealStatus{true, true, 1, 3}));
    QVERIFY(!client.isBusy());

    QCOMPARE(server.requestLines(), QList<QByteArray>{"GET /sys/seal-status HTTP/1.1"});
    QVERIFY(server.requestHeads().at(0).toLower().contains("\r\naccept: application/json"));
}

void TestApiClient::fetchKeepsTheUrlPathPrefix()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    ApiClient client;
    client.setBaseUrl(serverUrl(server, u"/vault/"_s)); // a server behind a reverse proxy
    QSignalSpy received(&client, &ApiClient::sealStatusReceived);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, WaitMs);
    QCOMPARE(server.requestLines(), QList<QByteArray>{"GET /vault/sys/seal-status HTTP/1.1"});
}

void TestApiClient::httpErrorShowsTheServersMessage()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(403, "Forbidden",
                       R"({"error":"address not allowed","error_code":"forbidden"})");
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QCOMPARE(failed.at(0).at(0).toString(), u"The server answered HTTP 403: address not allowed"_s);
}

void TestApiClient::httpErrorWithoutJsonShowsTheStatus()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(404, "Not Found", "<h1>nothing here</h1>", "text/html");
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QCOMPARE(failed.at(0).at(0).toString(), u"The server answered HTTP 404 Not Found."_s);
}

void TestApiClient::answerThatIsNotASealStatusFails()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(200, "OK", R"({"status":"ok"})");
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    QSignalSpy received(&client, &ApiClient::sealStatusReceived);
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QVERIFY(received.isEmpty());
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.startsWith(u"The answer is not a Cortex Vault seal status: "_s) &&
                 message.contains(u"\"initialized\""_s),
             qPrintable(message));
}

void TestApiClient::oversizedAnswerIsCutOff()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.respondWith(200, "OK", QByteArray(ApiClient::MaxResponseBytes + 1, ' '));
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QCOMPARE(failed.at(0).at(0).toString(), u"The server's answer is larger than 1024 KiB."_s);
}

void TestApiClient::closedPortFails()
{
    const quint16 port = cortex::console::test::closedLoopbackPort();
    QVERIFY(port != 0);
    ApiClient client;
    client.setBaseUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    QSignalSpy received(&client, &ApiClient::sealStatusReceived);
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QVERIFY(received.isEmpty());
    QCOMPARE(failed.at(0).at(0).toString(), u"Connection refused"_s);
}

void TestApiClient::silentServerTimesOut()
{
    FakeHttpServer server;
    QVERIFY(server.listen());
    server.hold(); // accepts the request and never answers
    ApiClient client;
    client.setBaseUrl(serverUrl(server));
    client.setTimeout(200);
    QSignalSpy failed(&client, &ApiClient::requestFailed);

    client.fetchSealStatus();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, WaitMs);
    QCOMPARE(server.requestLines().size(), 1); // the request arrived; the answer never came
    // No translator is installed here, so the plural marker of the source text shows.
    QCOMPARE(failed.at(0).at(0).toString(), u"The server did not answer within 1 second(s)."_s);
}

QTEST_GUILESS_MAIN(TestApiClient)
#include "tst_api_client.moc"
