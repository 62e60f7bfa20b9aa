#include "http/HttpServer.h"

#include "crypto/Random.h"
#include "http/ConnectionGuard.h"
#include "http/ListeningServer.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QUrl>

Q_LOGGING_CATEGORY(lcHttp, "cortex.http")

namespace cortex::http {

namespace {

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

// A caller may bring its own request id for correlation; anything odd is replaced.
QString requestIdFor(const QHttpServerRequest &request)
{
    static const QRegularExpression acceptable(QStringLiteral("^[A-Za-z0-9._:-]{1,128}$"));
    const QString given = QString::fromLatin1(request.value("X-Request-Id"));
    if (acceptable.match(given).hasMatch())
        return given;
    return crypto::randomToken(u"req_", 12);
}

// "Connection" is a comma-separated token list (RFC 9110 §7.6.1).
bool asksToClose(const QHttpServerRequest &request)
{
    for (const QByteArray &token : request.value("Connection").split(','))
        if (token.trimmed().compare("close", Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

QByteArray reasonPhrase(int status)
{
    const QMetaEnum e = QMetaEnum::fromType<QHttpServerResponder::StatusCode>();
    const char *key = e.valueToKey(status);
    return key ? QByteArray(key) : QByteArray("Status");
}

} // namespace

HttpServer::HttpServer(const Router &router, Middleware middleware, HttpLimits limits,
                       QObject *parent)
    : QAbstractHttpServer(parent), m_router(router), m_middleware(std::move(middleware)),
      m_limits(limits)
{
}

bool HttpServer::listen(const QHostAddress &address, quint16 port,
                        std::optional<QSslConfiguration> tls, QString *error)
{
    m_tls = tls.has_value();
    auto *listener = new ListeningServer(m_limits, std::move(tls), this);
    if (!listener->listen(address, port)) {
        *error = listener->errorString();
        delete listener;
        return false;
    }
    m_listener = listener;
    bind(listener);
    return true;
}

quint16 HttpServer::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QHostAddress HttpServer::address() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    HttpRequest req;
    req.method = methodName(request.method());
    const QUrl url = request.url();
    // Split the still-encoded path, then decode each segment: an encoded '/' inside an id
    // stays inside that segment instead of changing the route.
    const QStringList rawSegments =
        url.path(QUrl::FullyEncoded).split(u'/', Qt::SkipEmptyParts);
    QStringList segments;
    segments.reserve(rawSegments.size());
    for (const QString &s : rawSegments)
        segments.append(QUrl::fromPercentEncoding(s.toLatin1()));
    req.path = u'/' + segments.join(u'/');
    req.query = request.query();
    req.headers = request.headers();
    req.body = request.body();
    req.peer = request.remoteAddress();
    req.requestId = requestIdFor(request);

    HttpResponse response;
    const bool head = req.method == "HEAD";
    const Router::Match match = m_router.match(head ? QByteArrayView("GET") : QByteArrayView(req.method), segments);
    if (match.route) {
        req.params = match.params;
        response = dispatch(*match.route, req);
    } else if (req.method == "UNKNOWN") {
        response = HttpResponse::error(protocol::ApiError(
            501, QStringLiteral("method_not_implemented"), QStringLiteral("unknown HTTP method")));
    } else if (!match.allowedMethods.isEmpty()) {
        QList<QByteArray> methods = match.allowedMethods;
        if (methods.contains("GET"))
            methods.append("HEAD");
        methods.append("OPTIONS");
        const QByteArray allow = methods.join(", ");
        if (req.method == "OPTIONS") {
            response = HttpResponse{204, {}, {}, {{"Allow", allow}}};
        } else {
            response = HttpResponse::error(protocol::ApiError(
                405, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not allowed here; allowed: %2")
                    .arg(QString::fromLatin1(req.method), QString::fromLatin1(allow))));
            response.headers.append({"Allow", allow});
        }
    } else {
        response = HttpResponse::error(
            protocol::ApiError(404, QStringLiteral("not_found"), QStringLiteral("no such route")));
    }

    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    if (!response.contentType.isEmpty())
        responder.writeHeader("Content-Type", response.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    responder.writeHeader("X-Request-Id", req.requestId.toLatin1());
    responder.writeHeader("Cache-Control", "no-store");
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    for (const auto &[name, value] : std::as_const(response.headers))
        responder.writeHeader(name, value);
    auto *guard = socket->findChild<ConnectionGuard *>();
    const bool close = asksToClose(request) || (guard && guard->responseWillClose());
    if (close)
        responder.writeHeader("Connection", "close");
    responder.writeBody(head ? QByteArray() : response.body);
    if (guard)
        guard->responseWritten(close);
    else if (close)
        socket->disconnectFromHost();

    qCInfo(lcHttp).noquote() << req.requestId << req.method << req.path << response.status
                             << reasonPhrase(response.status);
    return true;
}

HttpResponse HttpServer::dispatch(const Route &route, HttpRequest &request)
{
    try {
        return m_middleware ? m_middleware(route, request) : route.handler(request);
    } catch (const protocol::ApiError &e) {
        return HttpResponse::error(e);
    } catch (const std::exception &e) {
        // The message stays in our log; the client learns only that something failed.
        qCWarning(lcHttp).noquote() << request.requestId << "internal error:" << e.what();
        return HttpResponse::error(protocol::ApiError::internal());
    }
}

void HttpServer::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // Unreachable: handleRequest answers every request itself.
}

} // namespace cortex::http
