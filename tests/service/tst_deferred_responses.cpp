// Deferred responses in the HTTP adapter, over real sockets against an http::HttpServer with
// test routes: a handler defers, the test completes the slot later. The connection waits
// without blocking the server, later requests on it wait their turn, and a client or a server
// that goes away meanwhile breaks nothing.

#include "ServiceFixture.h"
#include "http/HttpServer.h"
#include "http/Router.h"
#include "http/TlsSettings.h"

#include <QJsonDocument>
#include <QProcess>
#include <QSslCertificate>
#include <QTest>
#include <map>
#include <memory>

using namespace cortex;
using namespace cortex::test;

namespace {

http::HttpResponse okJson(const QString &what)
{
    return http::HttpResponse::json(200, QJsonObject{{QStringLiteral("what"), what}});
}

// A self-signed P-256 certificate for 127.0.0.1 (as in tst_tls). Returns an error text or "".
QString makeCertificate(const QString &dir)
{
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), dir + QStringLiteral("/key.pem"),
                   QStringLiteral("-out"), dir + QStringLiteral("/cert.pem"),
                   QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    if (!openssl.waitForStarted(WaitLimitMs) || !openssl.waitForFinished(WaitLimitMs) ||
        openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0)
        return QStringLiteral("openssl failed: ") + QString::fromLocal8Bit(openssl.readAll());
    return {};
}

} // namespace

class TestDeferredResponses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void completedSlotIsWrittenWithCommonHeaders();
    void otherConnectionsAreServedWhileDeferred();
    void pipelinedRequestWaitsBehindDeferred();
    void requestSentLaterWaitsBehindDeferred();
    void pipelinedBodyArrivesIntact();
    void connectionCloseBehindDeferredStopsThere();
    void headRequestGetsNoBody();
    void clientDisconnectCancelsTheSlot();
    void errorAfterDeferWinsAndCancels();
    void completingInsideTheHandlerAnswersAtOnce();
    void droppedSlotGets503();
    void idleTimerDoesNotCloseAWaitingConnection();
    void serverDestroyedWithPendingSlots();
    void pipeliningBehindDeferredOverTls();

private:
    bool startServer(http::HttpLimits limits = {},
                     std::optional<QSslConfiguration> tls = std::nullopt);
    // Waits until the handler for `id` has deferred.
    bool waitForSlot(const QString &id);

    http::Router m_router;
    std::unique_ptr<http::HttpServer> m_server;
    std::map<QString, http::ResponseSlot> m_slots;
    QStringList m_cancelled;
    QStringList m_handled; // ids of /now requests handled
    QObject m_context;
};

bool TestDeferredResponses::startServer(http::HttpLimits limits,
                                        std::optional<QSslConfiguration> tls)
{
    m_server = std::make_unique<http::HttpServer>(
        m_router,
        [](const http::Route &route, http::HttpRequest &request) {
            http::HttpResponse response = route.handler(request);
            response.headers.append({QByteArrayLiteral("X-Middleware"), QByteArrayLiteral("1")});
            return response;
        },
        limits, nullptr);
    QString error;
    if (!m_server->listen(QHostAddress(QHostAddress::LocalHost), 0, std::move(tls), &error)) {
        qWarning("listen failed: %s", qPrintable(error));
        return false;
    }
    return true;
}

bool TestDeferredResponses::waitForSlot(const QString &id)
{
    QElapsedTimer t;
    t.start();
    while (!m_slots.count(id) && t.elapsed() < WaitLimitMs)
        QTest::qWait(10);
    return m_slots.count(id) > 0;
}

void TestDeferredResponses::init()
{
    m_router = http::Router();
    m_slots.clear();
    m_cancelled.clear();
    m_handled.clear();
    using http::HttpRequest;
    using http::HttpResponse;
    const http::RouteOptions options;
    m_router.add("GET", QStringLiteral("/defer"), options, [this](HttpRequest &request) {
        const QString id = request.queryValue(QStringLiteral("id"));
        http::ResponseSlot slot = request.defer();
        slot.onCancelled(&m_context, [this, id] { m_cancelled.append(id); });
        m_slots[id] = slot;
        return HttpResponse::deferred();
    });
    m_router.add("GET", QStringLiteral("/now"), options, [this](HttpRequest &request) {
        const QString id = request.queryValue(QStringLiteral("id"));
        m_handled.append(id);
        return okJson(QStringLiteral("now ") + id);
    });
    m_router.add("POST", QStringLiteral("/echo"), options, [this](HttpRequest &request) {
        m_handled.append(QStringLiteral("echo"));
        return HttpResponse{200, request.body, QByteArrayLiteral("application/octet-stream"), {}};
    });
    m_router.add("GET", QStringLiteral("/defer-then-fail"), options, [this](HttpRequest &request) {
        http::ResponseSlot slot = request.defer();
        slot.onCancelled(&m_context, [this] { m_cancelled.append(QStringLiteral("fail")); });
        m_slots[QStringLiteral("fail")] = slot;
        throw protocol::ApiError::conflict(QStringLiteral("changed_mind"), QStringLiteral("no"));
        return HttpResponse::deferred();
    });
    m_router.add("GET", QStringLiteral("/early"), options, [](HttpRequest &request) {
        http::ResponseSlot slot = request.defer();
        slot.complete(okJson(QStringLiteral("early")));
        return HttpResponse::deferred();
    });
    m_router.add("GET", QStringLiteral("/drop"), options, [](HttpRequest &request) {
        request.defer(); // and forgotten
        return HttpResponse::deferred();
    });
}

void TestDeferredResponses::cleanup()
{
    m_slots.clear();
    m_server.reset();
}

void TestDeferredResponses::completedSlotIsWrittenWithCommonHeaders()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/defer?id=a", {{"X-Request-Id", "deferred-1"}}));
    QVERIFY(waitForSlot(QStringLiteral("a")));
    conn.pump(200);
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData()); // nothing yet
    const http::ResponseSlot slot = m_slots.at(QStringLiteral("a"));
    QVERIFY(slot.isPending());
    QCOMPARE(slot.requestId(), QStringLiteral("deferred-1"));

    QVERIFY(slot.complete(okJson(QStringLiteral("later"))));
    QVERIFY(!slot.isPending());
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->object().value(QStringLiteral("what")).toString(), QStringLiteral("later"));
    QCOMPARE(r->header("X-Request-Id"), QByteArray("deferred-1"));
    QCOMPARE(r->header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(r->header("X-Content-Type-Options"), QByteArray("nosniff"));
    QCOMPARE(r->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(r->header("X-Middleware"), QByteArray("1")); // set around the handler
    QVERIFY(!r->hasHeader("Connection"));
    // A second completion is a no-op; the connection stays usable.
    QVERIFY(!slot.complete(okJson(QStringLiteral("again"))));
    conn.write(rawRequest("GET", "/now?id=after"));
    const std::optional<RawResponse> next = conn.readResponse();
    QVERIFY(next.has_value());
    QCOMPARE(next->object().value(QStringLiteral("what")).toString(), QStringLiteral("now after"));
    QVERIFY(m_cancelled.isEmpty());
}

void TestDeferredResponses::otherConnectionsAreServedWhileDeferred()
{
    QVERIFY(startServer());
    std::vector<std::unique_ptr<RawConnection>> waiting;
    for (int i = 0; i < 20; ++i) {
        waiting.push_back(std::make_unique<RawConnection>(m_server->port()));
        QVERIFY(waiting.back()->isConnected());
        waiting.back()->write(rawRequest("GET", "/defer?id=w" + QByteArray::number(i)));
    }
    for (int i = 0; i < 20; ++i)
        QVERIFY(waitForSlot(QStringLiteral("w%1").arg(i)));

    for (int i = 0; i < 3; ++i) {
        RawConnection other(m_server->port());
        QVERIFY(other.isConnected());
        other.write(rawRequest("GET", "/now?id=o" + QByteArray::number(i)));
        const std::optional<RawResponse> r = other.readResponse();
        QVERIFY(r.has_value());
        QCOMPARE(r->status, 200);
    }

    for (int i = 19; i >= 0; --i)
        QVERIFY(m_slots.at(QStringLiteral("w%1").arg(i))
                    .complete(okJson(QStringLiteral("w%1").arg(i))));
    for (int i = 0; i < 20; ++i) {
        const std::optional<RawResponse> r = waiting[i]->readResponse();
        QVERIFY(r.has_value());
        QCOMPARE(r->object().value(QStringLiteral("what")).toString(),
                 QStringLiteral("w%1").arg(i));
    }
}

void TestDeferredResponses::pipelinedRequestWaitsBehindDeferred()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/defer?id=first", {{"X-Request-Id", "pipe-1"}}) +
               rawRequest("GET", "/now?id=second", {{"X-Request-Id", "pipe-2"}}) +
               rawRequest("GET", "/now?id=third", {{"X-Request-Id", "pipe-3"}}));
    QVERIFY(waitForSlot(QStringLiteral("first")));
    conn.pump(300);
    // Nothing is answered out of turn, and the later requests are not even carried out yet.
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData());
    QVERIFY2(m_handled.isEmpty(), qPrintable(m_handled.join(u',')));

    QVERIFY(m_slots.at(QStringLiteral("first")).complete(okJson(QStringLiteral("first"))));
    const QList<QByteArray> order{"pipe-1", "pipe-2", "pipe-3"};
    for (const QByteArray &id : order) {
        const std::optional<RawResponse> r = conn.readResponse();
        QVERIFY2(r.has_value(), id.constData());
        QCOMPARE(r->header("X-Request-Id"), id);
        QCOMPARE(r->status, 200);
    }
    QCOMPARE(m_handled, QStringList({QStringLiteral("second"), QStringLiteral("third")}));
}

void TestDeferredResponses::requestSentLaterWaitsBehindDeferred()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/defer?id=one", {{"X-Request-Id", "one"}}));
    QVERIFY(waitForSlot(QStringLiteral("one")));
    // Another deferred request arrives while the first is outstanding, then a plain one.
    conn.write(rawRequest("GET", "/defer?id=two", {{"X-Request-Id", "two"}}));
    conn.pump(200);
    conn.write(rawRequest("GET", "/now?id=three", {{"X-Request-Id", "three"}}));
    conn.pump(200);
    QVERIFY(!m_slots.count(QStringLiteral("two")));
    QVERIFY(m_handled.isEmpty());

    QVERIFY(m_slots.at(QStringLiteral("one")).complete(okJson(QStringLiteral("one"))));
    std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("one"));
    // Now the second is handled (and deferred in turn); the third still waits.
    QVERIFY(waitForSlot(QStringLiteral("two")));
    conn.pump(200);
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData());
    QVERIFY(m_handled.isEmpty());
    QVERIFY(m_slots.at(QStringLiteral("two")).complete(okJson(QStringLiteral("two"))));
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("two"));
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("three"));
}

void TestDeferredResponses::pipelinedBodyArrivesIntact()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    QByteArray body(200 * 1024, '\0');
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char('a' + i % 26);
    // The head and the start of the body come right behind the deferred request; the rest of
    // the body arrives while the connection is held.
    conn.write(rawRequest("GET", "/defer?id=d") +
               "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n\r\n" + body.left(1000));
    QVERIFY(waitForSlot(QStringLiteral("d")));
    conn.pump(100);
    conn.write(body.mid(1000));
    QVERIFY(conn.flush());
    conn.pump(100);
    QVERIFY(m_handled.isEmpty());
    QVERIFY(m_slots.at(QStringLiteral("d")).complete(okJson(QStringLiteral("d"))));
    std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body.size(), body.size());
    QVERIFY(r->body == body);
}

void TestDeferredResponses::connectionCloseBehindDeferredStopsThere()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/defer?id=c", {{"Connection", "close"}}) +
               rawRequest("GET", "/now?id=never"));
    QVERIFY(waitForSlot(QStringLiteral("c")));
    QVERIFY(m_slots.at(QStringLiteral("c")).complete(okJson(QStringLiteral("c"))));
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("Connection"), QByteArray("close"));
    QVERIFY(conn.waitForClosed());
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData());
    QVERIFY(m_handled.isEmpty());
}

void TestDeferredResponses::headRequestGetsNoBody()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("HEAD", "/defer?id=h") + rawRequest("GET", "/now?id=after-head"));
    QVERIFY(waitForSlot(QStringLiteral("h")));
    QVERIFY(m_slots.at(QStringLiteral("h")).complete(okJson(QStringLiteral("h"))));
    std::optional<RawResponse> r = conn.readResponse(true);
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QVERIFY(r->header("Content-Length").toInt() > 0);
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->object().value(QStringLiteral("what")).toString(),
             QStringLiteral("now after-head"));
}

void TestDeferredResponses::clientDisconnectCancelsTheSlot()
{
    QVERIFY(startServer());
    {
        RawConnection conn(m_server->port());
        QVERIFY(conn.isConnected());
        conn.write(rawRequest("GET", "/defer?id=gone") + rawRequest("GET", "/now?id=never"));
        QVERIFY(waitForSlot(QStringLiteral("gone")));
        conn.socket().abort();
    }
    QTRY_VERIFY_WITH_TIMEOUT(m_cancelled.contains(QStringLiteral("gone")), WaitLimitMs);
    const http::ResponseSlot slot = m_slots.at(QStringLiteral("gone"));
    QVERIFY(!slot.isPending());
    QVERIFY(!slot.complete(okJson(QStringLiteral("too late"))));
    QTest::qWait(100);
    QVERIFY(m_handled.isEmpty());
    QCOMPARE(m_cancelled.count(QStringLiteral("gone")), 1);

    // The server is unharmed.
    RawConnection next(m_server->port());
    next.write(rawRequest("GET", "/now?id=next"));
    const std::optional<RawResponse> r = next.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
}

void TestDeferredResponses::errorAfterDeferWinsAndCancels()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    conn.write(rawRequest("GET", "/defer-then-fail") + rawRequest("GET", "/now?id=next"));
    std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 409);
    QCOMPARE(r->errorCode(), QStringLiteral("changed_mind"));
    QCOMPARE(m_cancelled, QStringList{QStringLiteral("fail")});
    QVERIFY(!m_slots.at(QStringLiteral("fail")).complete(okJson(QStringLiteral("x"))));
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
}

void TestDeferredResponses::completingInsideTheHandlerAnswersAtOnce()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    conn.write(rawRequest("GET", "/early", {{"X-Request-Id", "early-1"}}));
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("X-Request-Id"), QByteArray("early-1"));
    QCOMPARE(r->header("X-Middleware"), QByteArray("1"));
    QCOMPARE(r->object().value(QStringLiteral("what")).toString(), QStringLiteral("early"));
}

void TestDeferredResponses::droppedSlotGets503()
{
    QVERIFY(startServer());
    RawConnection conn(m_server->port());
    conn.write(rawRequest("GET", "/drop") + rawRequest("GET", "/now?id=next"));
    std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 503);
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
}

void TestDeferredResponses::idleTimerDoesNotCloseAWaitingConnection()
{
    http::HttpLimits limits;
    limits.idleTimeoutMs = 300;
    limits.headTimeoutMs = 300;
    QVERIFY(startServer(limits));
    RawConnection conn(m_server->port());
    conn.write(rawRequest("GET", "/defer?id=slow"));
    QVERIFY(waitForSlot(QStringLiteral("slow")));
    // The client is waiting for us, not idle: the connection stays open.
    conn.pump(1200);
    QVERIFY(!conn.isClosed());
    // A partial head of a second request waits too, without a 408.
    conn.write("GET /now?id=partial HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    conn.pump(1200);
    QVERIFY(!conn.isClosed());
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData());
    QVERIFY(m_slots.at(QStringLiteral("slow")).complete(okJson(QStringLiteral("slow"))));
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    // Then the timers run again: the unfinished head gets its 408.
    const std::optional<RawResponse> timeout = conn.readResponse();
    QVERIFY(timeout.has_value());
    QCOMPARE(timeout->status, 408);
    QVERIFY(conn.waitForClosed());
}

void TestDeferredResponses::serverDestroyedWithPendingSlots()
{
    QVERIFY(startServer());
    std::vector<std::unique_ptr<RawConnection>> waiting;
    for (int i = 0; i < 5; ++i) {
        waiting.push_back(std::make_unique<RawConnection>(m_server->port()));
        waiting.back()->write(rawRequest("GET", "/defer?id=s" + QByteArray::number(i)) +
                              rawRequest("GET", "/now?id=never"));
    }
    for (int i = 0; i < 5; ++i)
        QVERIFY(waitForSlot(QStringLiteral("s%1").arg(i)));
    m_server.reset();
    QCOMPARE(m_cancelled.size(), 5);
    for (const auto &[id, slot] : m_slots) {
        QVERIFY(!slot.isPending());
        QVERIFY(!slot.complete(okJson(id)));
    }
    for (auto &conn : waiting)
        QVERIFY(conn->waitForClosed());
    QVERIFY(m_handled.isEmpty());
}

void TestDeferredResponses::pipeliningBehindDeferredOverTls()
{
    // The held bytes are decrypted ones, handed back to the TLS socket's read buffer.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error = makeCertificate(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto tls = http::loadTlsConfiguration(dir.filePath(QStringLiteral("cert.pem")),
                                                dir.filePath(QStringLiteral("key.pem")), &error);
    QVERIFY2(tls.has_value(), qPrintable(error));
    QVERIFY(startServer({}, tls));
    const QSslCertificate cert =
        QSslCertificate::fromPath(dir.filePath(QStringLiteral("cert.pem"))).value(0);
    RawConnection conn(m_server->port(),
                       QList<QSslError>{QSslError(QSslError::SelfSignedCertificate, cert)});
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/defer?id=tls", {{"X-Request-Id", "tls-1"}}) +
               rawRequest("POST", "/echo", {{"X-Request-Id", "tls-2"}}, "over tls"));
    QVERIFY(waitForSlot(QStringLiteral("tls")));
    conn.pump(200);
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData());
    QVERIFY(m_handled.isEmpty());
    QVERIFY(m_slots.at(QStringLiteral("tls")).complete(okJson(QStringLiteral("tls"))));
    std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("tls-1"));
    r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("tls-2"));
    QCOMPARE(r->body, QByteArray("over tls"));
}

QTEST_GUILESS_MAIN(TestDeferredResponses)
#include "tst_deferred_responses.moc"
