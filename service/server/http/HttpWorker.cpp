#include "http/HttpWorker.h"

#include "http/ConnectionGuard.h"
#include "http/ListeningServer.h"
#include "http/RequestId.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QUrl>
#include <algorithm>
#include <atomic>
#include <unistd.h>

namespace cortex::http {

namespace {

// clang-format off
QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    case QHttpServerRequest::Method::Connect: return "CONNECT";
    case QHttpServerRequest::Method::Trace: return "TRACE";
    default: return "UNKNOWN";
    }
}
// clang-format on

// A caller may bring its own request id for correlation ([A-Za-z0-9._:-]{1,128}); anything
// odd is replaced.
QString requestIdFor(const QHttpServerRequest &request)
{
    const QByteArray given = request.value("X-Request-Id");
    const auto acceptable = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
    };
    if (!given.isEmpty() && given.size() <= 128 &&
        std::all_of(given.begin(), given.end(), acceptable))
        return QString::fromLatin1(given);
    return newRequestId();
}

// "Connection" is a comma-separated token list (RFC 9110 §7.6.1).
bool asksToClose(const QHttpServerRequest &request)
{
    for (const QByteArray &token : request.value("Connection").split(','))
        if (token.trimmed().compare("close", Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

// Tickets name outstanding requests across all I/O threads.
std::atomic<quint64> lastTicket{0};

// QHttpServer's parser on an I/O thread: every complete request is copied out, its connection
// holds back anything pipelined behind it, and the request goes to the request thread.
class RequestReader : public QAbstractHttpServer
{
public:
    RequestReader(const HttpWorker::Hooks &hooks, std::shared_ptr<ThreadPost> post)
        : m_hooks(hooks), m_post(std::move(post))
    {}

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        Exchange exchange;
        HttpRequest &req = exchange.request;
        req.method = methodName(request.method());
        const QUrl url = request.url();
        // Split the still-encoded path, then decode each segment: an encoded '/' inside an id
        // stays inside that segment instead of changing the route.
        const QStringList rawSegments =
            url.path(QUrl::FullyEncoded).split(u'/', Qt::SkipEmptyParts);
        exchange.segments.reserve(rawSegments.size());
        for (const QString &s : rawSegments)
            exchange.segments.append(QUrl::fromPercentEncoding(s.toLatin1()));
        req.path = u'/' + exchange.segments.join(u'/');
        req.query = request.query();
        req.headers = request.headers();
        req.body = request.body();
        req.peer = request.remoteAddress();
        req.requestId = requestIdFor(request);

        const quint64 ticket = lastTicket.fetch_add(1, std::memory_order_relaxed) + 1;
        OutstandingRequest::of(socket, m_hooks.clientGone)->ticket = ticket;
        if (auto *guard = socket->findChild<ConnectionGuard *>())
            guard->holdRequests(); // until this one is answered
        exchange.reply = ReplyTo(
            socket, ticket,
            {req.requestId, req.method, req.path, req.method == "HEAD", asksToClose(request)},
            m_post);
        m_hooks.submit(std::move(exchange));
        return true;
    }

    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override
    {
        // Unreachable: handleRequest takes every request.
    }

private:
    const HttpWorker::Hooks &m_hooks;
    std::shared_ptr<ThreadPost> m_post;
};

} // namespace

HttpWorker::HttpWorker(qintptr listeningSocket, const HttpLimits &limits,
                       std::optional<QSslConfiguration> tls, Hooks hooks, QObject *parent)
    : QThread(parent), m_listeningSocket(listeningSocket), m_limits(limits), m_tls(std::move(tls)),
      m_hooks(std::move(hooks))
{
    setObjectName(QStringLiteral("http-io"));
}

HttpWorker::~HttpWorker()
{
    stop();
    if (m_listeningSocket >= 0)
        ::close(int(m_listeningSocket)); // never handed to the thread
}

bool HttpWorker::startAccepting(QString *error)
{
    start();
    m_started.acquire();
    if (m_startError.isEmpty())
        return true;
    wait();
    *error = m_startError;
    return false;
}

void HttpWorker::stop()
{
    quit();
    wait();
}

void HttpWorker::run()
{
    QObject postTarget;
    {
        RequestReader reader(m_hooks, m_post);
        auto *intake = new ListeningServer(m_limits, m_tls, &reader);
        const qintptr descriptor = std::exchange(m_listeningSocket, -1);
        if (!intake->setSocketDescriptor(descriptor)) {
            m_startError = intake->errorString();
            ::close(int(descriptor));
            m_started.release();
            return;
        }
        reader.bind(intake);
        m_post->open(&postTarget);
        m_started.release();
        exec();
        m_post->close();
    } // the reader, the intake and every connection go here, on this thread
}

} // namespace cortex::http
