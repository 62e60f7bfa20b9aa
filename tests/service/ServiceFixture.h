#pragma once

// Shared by the service tests: a real VaultServer on a loopback port with a temporary data
// directory, and two synchronous clients that spin the event loop while they wait (the server
// runs in the test's own thread, so blocking would deadlock it).

#include "Clock.h"
#include "VaultServer.h"
#include "http/HttpLimits.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QSet>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>
#include <functional>
#include <memory>
#include <optional>

namespace cortex::test {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// Upper bound for any single wait, so that a broken server fails a test instead of hanging it.
// It is never a performance assertion.
constexpr int WaitLimitMs = 30000;

// A clock the tests move themselves.
class ManualClock : public Clock
{
public:
    QDateTime now() const override { return m_now; }
    void advanceSeconds(qint64 seconds) { m_now = m_now.addSecs(seconds); }

private:
    QDateTime m_now = QDateTime(QDate(2025, 1, 1), QTime(12, 0), Qt::UTC);
};

// One HTTP response as the client saw it.
struct HttpReply
{
    int status = 0;       // 0: no HTTP response at all (see networkError)
    int networkError = 0; // QNetworkReply::NetworkError
    QString errorString;
    HeaderList headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    QJsonValue json() const;    // Undefined when the body is not JSON
    QJsonObject object() const; // empty unless the body is a JSON object
    QJsonArray array() const;   // empty unless the body is a JSON array
    QString errorCode() const { return object().value(QStringLiteral("error_code")).toString(); }
    // "status error_code body" for failure messages.
    QByteArray describe() const;
};

// A synchronous QNetworkAccessManager client for one server. Requests carry the admin token
// unless told otherwise.
class HttpClient
{
public:
    enum class Auth { Admin, None };

    explicit HttpClient(QString baseUrl = {});
    void setBaseUrl(const QString &baseUrl) { m_base = baseUrl; }
    void setAdminToken(const QByteArray &token) { m_token = token; }
    // For HTTPS against a self-signed certificate: exactly these errors are ignored.
    void setExpectedSslErrors(const QList<QSslError> &errors) { m_expectedSslErrors = errors; }
    QNetworkAccessManager &manager() { return m_nam; }

    // pathAndQuery starts with '/', e.g. "/admin/secrets?namespace=x".
    HttpReply send(const QByteArray &method, const QString &pathAndQuery,
                   const QByteArray &body = {}, Auth auth = Auth::Admin,
                   const HeaderList &extraHeaders = {});
    HttpReply get(const QString &pathAndQuery, Auth auth = Auth::Admin);
    HttpReply post(const QString &pathAndQuery, const QJsonObject &body, Auth auth = Auth::Admin);
    HttpReply put(const QString &pathAndQuery, const QJsonObject &body, Auth auth = Auth::Admin);
    HttpReply del(const QString &pathAndQuery, Auth auth = Auth::Admin);

    // The reply of the last send(), for TLS inspection.
    QSslConfiguration lastSslConfiguration() const { return m_lastSsl; }

private:
    QNetworkAccessManager m_nam;
    QString m_base;
    QByteArray m_token;
    QList<QSslError> m_expectedSslErrors;
    QSslConfiguration m_lastSsl;
};

// A raw HTTP/1.1 connection for byte-level cases: exact framing, pipelining, timeouts.
struct RawResponse
{
    int status = 0;
    HeaderList headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    QJsonObject object() const;
    QString errorCode() const { return object().value(QStringLiteral("error_code")).toString(); }
    QByteArray describe() const;
};

class RawConnection
{
public:
    // Plain TCP, or TLS (127.0.0.1 as the peer name) ignoring exactly the given errors.
    explicit RawConnection(quint16 port,
                           std::optional<QList<QSslError>> tlsExpectedErrors = std::nullopt);
    // Connected, and for TLS the handshake is done.
    bool isConnected() const { return m_connected; }

    // Queues bytes; they leave while the event loop spins.
    void write(QByteArrayView bytes);
    // Spins until everything written so far has left the socket (false on close / timeout).
    bool flush(int timeoutMs = WaitLimitMs);
    // Reads one response; for a HEAD request no body is expected. nullopt when the connection
    // closed first or nothing complete arrived in time.
    std::optional<RawResponse> readResponse(bool headRequest = false, int timeoutMs = WaitLimitMs);
    // True once the server has closed the connection (EOF or reset).
    bool waitForClosed(int timeoutMs = WaitLimitMs);
    bool isClosed() const;
    // Everything received and not yet consumed by readResponse().
    QByteArray unread() const { return m_buffer; }
    // Spins the event loop for a while, collecting whatever arrives.
    void pump(int ms);

    QSslSocket &socket() { return m_socket; }

private:
    bool spinUntil(const std::function<bool()> &done, int timeoutMs);
    void collect();

    QSslSocket m_socket;
    QByteArray m_buffer;
    bool m_connected = false;
};

// The service under test: a VaultServer with a temporary data directory, initialised with a
// password (Argon2id "interactive"), listening on 127.0.0.1 with a free port.
class TestServer
{
public:
    explicit TestServer(http::HttpLimits limits = {});
    ~TestServer();

    // Builds, initialises and starts listening. On failure returns false and sets *error.
    bool start(QString *error, std::optional<QSslConfiguration> tls = std::nullopt);
    // Builds and listens without initialising the vault (no password, no admin token).
    bool startUninitialized(QString *error);
    // Destroys the server (as at a process exit) and builds a new one on the same data
    // directory, listening again; the new one starts sealed.
    bool restart(QString *error);

    VaultServer &server() { return *m_server; }
    ManualClock &clock() { return m_clock; }
    QString dataDir() const { return m_dir.path(); }
    quint16 port() const { return m_server ? m_server->port() : 0; }
    QString url() const { return m_server ? m_server->url() : QString(); }
    QByteArray adminToken() const { return m_token; }
    static QByteArray password() { return QByteArrayLiteral("correct horse battery staple"); }

    // A client bound to this server, carrying the admin token.
    HttpClient &http() { return m_http; }

private:
    QTemporaryDir m_dir;
    ManualClock m_clock;
    http::HttpLimits m_limits;
    std::unique_ptr<VaultServer> m_server;
    QByteArray m_token;
    HttpClient m_http;
};

// Every log message the process has written since the first TestServer::start(). Info and
// debug messages are kept out of the test output unless CORTEX_TEST_VERBOSE is set.
QStringList capturedLog();
// True if any captured log message contains text.
bool logContains(const QString &text);

// Helpers for request bodies and assertions.
QByteArray toJson(const QJsonObject &object);
// One HTTP/1.1 request as a client writes it (Host 127.0.0.1; Content-Length with a body).
QByteArray rawRequest(const QByteArray &method, const QByteArray &target,
                      const HeaderList &headers = {}, const QByteArray &body = {});
// True if any object at any depth has the given key.
bool containsKeyDeep(const QJsonValue &value, const QString &key);

// For tests that walk every registered route: "GET /admin/secrets/{id}", a path that the route
// matches ("{...}" segments as "x"), and the routes of `routes` that pass `selected`, by name.
QString routeName(const http::Route &route);
QString pathMatching(const http::Route &route);
QSet<QString> routeNames(const std::vector<http::Route> &routes,
                         const std::function<bool(const http::Route &)> &selected);
// Empty when the two sets are equal; otherwise says what is in only one of them.
QString setDifference(const QSet<QString> &actual, const QSet<QString> &expected);

} // namespace cortex::test

// Checks that print the whole response when they fail (use in Qt Test functions). Each
// evaluates its reply argument once, so it may be a request.
#define CHECK_STATUS(reply, expected)                                                              \
    do {                                                                                           \
        const auto &checkedReply_ = (reply);                                                       \
        QVERIFY2(checkedReply_.status == (expected),                                               \
                 QByteArray("expected HTTP " + QByteArray::number(expected) + ", got " +           \
                            checkedReply_.describe())                                              \
                     .constData());                                                                \
    } while (false)
#define CHECK_ERROR(reply, expectedStatus, expectedCode)                                           \
    do {                                                                                           \
        const auto &checkedError_ = (reply);                                                       \
        CHECK_STATUS(checkedError_, expectedStatus);                                               \
        QVERIFY2(                                                                                  \
            checkedError_.errorCode() == QStringLiteral(expectedCode),                             \
            QByteArray("expected error_code " expectedCode ", got " + checkedError_.describe())    \
                .constData());                                                                     \
    } while (false)
