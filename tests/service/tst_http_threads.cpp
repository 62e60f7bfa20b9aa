// The HTTP server's I/O threads, over real sockets against an http::HttpServer with test
// routes: connections spread over several threads that read and write, while every handler
// runs on the server's own thread, and every answer reaches its own request, in order. With no
// I/O threads (CORTEX_HTTP_THREADS=0) the server's own thread does all of it.

#include "ServiceFixture.h"
#include "http/HttpServer.h"
#include "http/Router.h"

#include <QDir>
#include <QTest>
#include <QThread>
#include <memory>
#include <vector>

using namespace cortex;
using namespace cortex::test;

namespace {

// Sets an environment variable for one scope.
class ScopedEnv
{
public:
    ScopedEnv(const char *name, const QByteArray &value)
        : m_name(name), m_old(qgetenv(name)), m_had(qEnvironmentVariableIsSet(name))
    {
        qputenv(name, value);
    }
    ~ScopedEnv()
    {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char *m_name;
    QByteArray m_old;
    bool m_had;
};

// The threads this process runs now.
qsizetype processThreadCount()
{
    return QDir(QStringLiteral("/proc/self/task"))
        .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
        .size();
}

} // namespace

class TestHttpThreads : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void ioThreadCountFollowsTheEnvironment_data();
    void ioThreadCountFollowsTheEnvironment();
    void listenStartsTheIoThreadsItIsToldTo_data();
    void listenStartsTheIoThreadsItIsToldTo();
    void manyConnectionsAreAnsweredInOrderByHandlersOnTheServerThread_data();
    void manyConnectionsAreAnsweredInOrderByHandlersOnTheServerThread();
    void aConnectionClosedMidRequestLeavesTheOthersServed_data();
    void aConnectionClosedMidRequestLeavesTheOthersServed();
    void serverStopsWithRequestsInFlight_data();
    void serverStopsWithRequestsInFlight();

private:
    bool startServer(int ioThreads);

    http::Router m_router;
    std::unique_ptr<http::HttpServer> m_server;
    QList<QThread *> m_handlerThreads;
    int m_handled = 0;
};

void TestHttpThreads::init()
{
    m_router = http::Router();
    m_handlerThreads.clear();
    m_handled = 0;
    const http::RouteOptions options;
    m_router.add("GET", QStringLiteral("/who/{id}"), options, [this](http::HttpRequest &request) {
        m_handlerThreads.append(QThread::currentThread());
        ++m_handled;
        return http::HttpResponse::json(
            200, QJsonObject{{QStringLiteral("id"), request.param(QStringLiteral("id"))}});
    });
    m_router.add("POST", QStringLiteral("/echo"), options, [this](http::HttpRequest &request) {
        m_handlerThreads.append(QThread::currentThread());
        ++m_handled;
        return http::HttpResponse{
            200, request.body, QByteArrayLiteral("application/octet-stream"), {}};
    });
}

void TestHttpThreads::cleanup()
{
    m_server.reset();
}

bool TestHttpThreads::startServer(int ioThreads)
{
    const ScopedEnv threads("CORTEX_HTTP_THREADS", QByteArray::number(ioThreads));
    m_server = std::make_unique<http::HttpServer>(m_router, http::Middleware(), http::HttpLimits(),
                                                  nullptr);
    QString error;
    if (!m_server->listen(QHostAddress(QHostAddress::LocalHost), 0, std::nullopt, &error)) {
        qWarning("listen failed: %s", qPrintable(error));
        return false;
    }
    return true;
}

void TestHttpThreads::ioThreadCountFollowsTheEnvironment_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("expected"); // -1: the default for this machine
    QTest::newRow("none") << QByteArray("0") << 0;
    QTest::newRow("one") << QByteArray("1") << 1;
    QTest::newRow("three") << QByteArray("3") << 3;
    QTest::newRow("sixty-four") << QByteArray("64") << 64;
    QTest::newRow("too many") << QByteArray("65") << -1;
    QTest::newRow("negative") << QByteArray("-2") << -1;
    QTest::newRow("not a number") << QByteArray("many") << -1;
    QTest::newRow("empty") << QByteArray("") << -1;
}

void TestHttpThreads::ioThreadCountFollowsTheEnvironment()
{
    QFETCH(QByteArray, value);
    QFETCH(int, expected);
    // One per core beyond the first, at most four: none on a single core.
    const int byDefault = qBound(0, QThread::idealThreadCount() - 1, 4);
    const ScopedEnv threads("CORTEX_HTTP_THREADS", value);
    QCOMPARE(http::HttpServer::ioThreadCount(), expected >= 0 ? expected : byDefault);
}

void TestHttpThreads::listenStartsTheIoThreadsItIsToldTo_data()
{
    QTest::addColumn<int>("ioThreads");
    QTest::newRow("none") << 0;
    QTest::newRow("one") << 1;
    QTest::newRow("three") << 3;
}

void TestHttpThreads::listenStartsTheIoThreadsItIsToldTo()
{
    QFETCH(int, ioThreads);
    const qsizetype before = processThreadCount();
    QVERIFY(startServer(ioThreads));
    QCOMPARE(processThreadCount(), before + ioThreads);
    RawConnection connection(m_server->port());
    connection.write(rawRequest("GET", "/who/one"));
    const std::optional<RawResponse> r = connection.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->object().value(QStringLiteral("id")).toString(), QStringLiteral("one"));
    m_server.reset();
    // A joined QThread's system thread may take a moment to leave /proc.
    QTRY_COMPARE(processThreadCount(), before);
}

// The thread counts the request-handling tests run with.
static void addIoThreadRows(std::initializer_list<int> counts)
{
    QTest::addColumn<int>("ioThreads");
    for (const int count : counts)
        QTest::addRow("%d I/O threads", count) << count;
}

void TestHttpThreads::manyConnectionsAreAnsweredInOrderByHandlersOnTheServerThread_data()
{
    addIoThreadRows({0, 3});
}

void TestHttpThreads::manyConnectionsAreAnsweredInOrderByHandlersOnTheServerThread()
{
    QFETCH(int, ioThreads);
    QVERIFY(startServer(ioThreads));
    constexpr int Connections = 24;
    constexpr int PerConnection = 4;
    std::vector<std::unique_ptr<RawConnection>> connections;
    for (int c = 0; c < Connections; ++c) {
        connections.push_back(std::make_unique<RawConnection>(m_server->port()));
        QVERIFY(connections.back()->isConnected());
        // Pipelined, with a body in the middle: each answer must be its own request's.
        QByteArray requests;
        for (int i = 0; i < PerConnection; ++i) {
            const QByteArray id = QByteArray::number(c) + '-' + QByteArray::number(i);
            requests +=
                i == 2 ? rawRequest("POST", "/echo", {{"X-Request-Id", "r" + id}}, "body of " + id)
                       : rawRequest("GET", "/who/" + id, {{"X-Request-Id", "r" + id}});
        }
        connections.back()->write(requests);
    }
    for (int c = 0; c < Connections; ++c) {
        for (int i = 0; i < PerConnection; ++i) {
            const QByteArray id = QByteArray::number(c) + '-' + QByteArray::number(i);
            const std::optional<RawResponse> r = connections[c]->readResponse();
            QVERIFY2(r.has_value(), id.constData());
            QCOMPARE(r->status, 200);
            QCOMPARE(r->header("X-Request-Id"), "r" + id);
            if (i == 2)
                QCOMPARE(r->body, "body of " + id);
            else
                QCOMPARE(r->object().value(QStringLiteral("id")).toString(),
                         QString::fromLatin1(id));
        }
    }
    QCOMPARE(m_handled, Connections * PerConnection);
    for (QThread *thread : std::as_const(m_handlerThreads))
        QCOMPARE(thread, QThread::currentThread());
}

void TestHttpThreads::aConnectionClosedMidRequestLeavesTheOthersServed_data()
{
    addIoThreadRows({0, 2});
}

void TestHttpThreads::aConnectionClosedMidRequestLeavesTheOthersServed()
{
    QFETCH(int, ioThreads);
    QVERIFY(startServer(ioThreads));
    {
        RawConnection quitter(m_server->port());
        QVERIFY(quitter.isConnected());
        quitter.write(rawRequest("GET", "/who/a") + rawRequest("GET", "/who/b"));
        QVERIFY(quitter.flush());
        quitter.socket().abort();
    }
    RawConnection stayer(m_server->port());
    for (int i = 0; i < 20; ++i) {
        stayer.write(rawRequest("GET", "/who/s" + QByteArray::number(i)));
        const std::optional<RawResponse> r = stayer.readResponse();
        QVERIFY(r.has_value());
        QCOMPARE(r->object().value(QStringLiteral("id")).toString(), QStringLiteral("s%1").arg(i));
    }
}

void TestHttpThreads::serverStopsWithRequestsInFlight_data()
{
    addIoThreadRows({0, 2});
}

void TestHttpThreads::serverStopsWithRequestsInFlight()
{
    QFETCH(int, ioThreads);
    QVERIFY(startServer(ioThreads));
    std::vector<std::unique_ptr<RawConnection>> connections;
    for (int c = 0; c < 8; ++c) {
        connections.push_back(std::make_unique<RawConnection>(m_server->port()));
        QByteArray requests;
        for (int i = 0; i < 50; ++i)
            requests += rawRequest("GET", "/who/x" + QByteArray::number(i));
        connections.back()->write(requests);
        QVERIFY(connections.back()->flush());
    }
    QTest::qWait(5);
    m_server.reset(); // its connections are dropped (by the I/O threads); nothing crashes
    for (auto &conn : connections)
        QVERIFY(conn->waitForClosed());
    // Whatever was answered before the stop was answered in full and in order.
    for (auto &conn : connections) {
        int expected = 0;
        while (const std::optional<RawResponse> r = conn->readResponse(false, 0)) {
            QCOMPARE(r->object().value(QStringLiteral("id")).toString(),
                     QStringLiteral("x%1").arg(expected));
            ++expected;
        }
    }
}

QTEST_GUILESS_MAIN(TestHttpThreads)
#include "tst_http_threads.moc"
