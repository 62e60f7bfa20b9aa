#include "http/RequestIntake.h"

#include "http/ConnectionGuard.h"
#include "http/ListeningServer.h"
#include "http/RequestId.h"

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

// Tickets name outstanding requests across all intakes.
std::atomic<quint64> lastTicket{0};

} // namespace

RequestIntake::RequestIntake(Hooks hooks, std::shared_ptr<ThreadPost> replies)
    : m_hooks(std::move(hooks)), m_replies(std::move(replies))
{}

std::unique_ptr<RequestIntake> RequestIntake::open(qintptr listeningSocket,
                                                   const HttpLimits &limits,
                                                   std::optional<QSslConfiguration> tls,
                                                   Hooks hooks, std::shared_ptr<ThreadPost> replies,
                                                   QString *error)
{
    std::unique_ptr<RequestIntake> intake(new RequestIntake(std::move(hooks), std::move(replies)));
    auto *listener = new ListeningServer(limits, std::move(tls), intake.get());
    if (!listener->setSocketDescriptor(listeningSocket)) {
        *error = listener->errorString();
        ::close(int(listeningSocket));
        return nullptr;
    }
    intake->bind(listener);
    return intake;
}

// Every complete request is copied out, its connection holds back anything pipelined behind
// it, and the request goes to `submit`.
bool RequestIntake::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Exchange exchange;
    HttpRequest &req = exchange.request;
    req.method = methodName(request.method());
    const QUrl url = request.url();
    // Split the still-encoded path, then decode each segment: an encoded '/' inside an id
    // stays inside that segment instead of changing the route.
    const QStringList rawSegments = url.path(QUrl::FullyEncoded).split(u'/', Qt::SkipEmptyParts);
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
    exchange.reply =
        ReplyTo(socket, ticket,
                {req.requestId, req.method, req.path, req.method == "HEAD", asksToClose(request)},
                m_replies);
    m_hooks.submit(std::move(exchange));
    return true;
}

void RequestIntake::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // Unreachable: handleRequest takes every request.
}

} // namespace cortex::http
