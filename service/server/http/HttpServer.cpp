#include "http/HttpServer.h"

#include "http/ConnectionGuard.h"
#include "http/ListeningServer.h"
#include "http/RequestId.h"
#include "http/ResponseSlotState.h"

#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QUrl>
#include <memory>

Q_LOGGING_CATEGORY(lcHttp, "cortex.http")

namespace cortex::http {

namespace {

// The two lookup tables stay one case per line.
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

// A caller may bring its own request id for correlation; anything odd is replaced.
QString requestIdFor(const QHttpServerRequest &request)
{
    static const QRegularExpression acceptable(QStringLiteral("^[A-Za-z0-9._:-]{1,128}$"));
    const QString given = QString::fromLatin1(request.value("X-Request-Id"));
    if (acceptable.match(given).hasMatch())
        return given;
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

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}
// clang-format on

// What the adapter needs to answer a request once its QHttpServerRequest is gone (QHttpServer
// reuses that object for the connection's next request).
struct ResponseMeta
{
    QString requestId;
    QByteArray method;
    QString path;
    bool head = false;
    bool asksToClose = false;
};

// Writes one complete response with the common headers (QHttpServer 6.4 adds none), then lets
// the connection guard close the connection or go on to the next request.
void writeResponse(QTcpSocket *socket, const ResponseMeta &meta, const HttpResponse &response)
{
    auto *guard = socket->findChild<ConnectionGuard *>();
    const bool close = meta.asksToClose || (guard && guard->responseWillClose());
    QByteArray out;
    out.reserve(256 + (meta.head ? 0 : response.body.size()));
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) +
           "\r\n";
    const auto header = [&out](QByteArrayView name, QByteArrayView value) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    };
    if (!response.contentType.isEmpty())
        header("Content-Type", response.contentType);
    header("Content-Length", QByteArray::number(response.body.size()));
    header("X-Request-Id", meta.requestId.toLatin1());
    header("Cache-Control", "no-store");
    header("X-Content-Type-Options", "nosniff");
    for (const auto &[name, value] : std::as_const(response.headers))
        header(name, value);
    if (close)
        header("Connection", "close");
    out += "\r\n";
    if (!meta.head)
        out += response.body;
    socket->write(out);
    // Out now rather than on the next turn's write notification: one poll round and two
    // notifier toggles fewer per response.
    socket->flush();
    if (guard)
        guard->responseWritten(close);
    else if (close)
        socket->disconnectFromHost();

    qCInfo(lcHttp).noquote() << meta.requestId << meta.method << meta.path << response.status
                             << reasonPhrase(response.status);
}

// A response a handler deferred: lives on its connection's socket (and dies with it), writes
// the response when the slot completes, and cancels the slot when the client goes away first.
class PendingResponse : public QObject
{
public:
    PendingResponse(QTcpSocket *socket, ResponseMeta meta, HeaderList extraHeaders,
                    std::weak_ptr<detail::SlotState> state)
        : QObject(socket), m_socket(socket), m_meta(std::move(meta)),
          m_extraHeaders(std::move(extraHeaders)), m_state(std::move(state))
    {
        connect(socket, &QAbstractSocket::disconnected, this, &PendingResponse::clientGone);
    }
    ~PendingResponse() override { cancel(); }

    bool deliver(HttpResponse &&response)
    {
        m_state.reset();
        disconnect(m_socket, nullptr, this, nullptr);
        auto *guard = m_socket->findChild<ConnectionGuard *>();
        const bool writable = m_socket->state() == QAbstractSocket::ConnectedState &&
                              (!guard || guard->acceptsResponses());
        if (writable) {
            response.headers = m_extraHeaders + response.headers;
            writeResponse(m_socket, m_meta, response);
        }
        deleteLater();
        return writable;
    }

private:
    void clientGone()
    {
        qCInfo(lcHttp).noquote() << m_meta.requestId << m_meta.method << m_meta.path
                                 << "client disconnected before the deferred response";
        cancel();
        deleteLater();
    }
    void cancel()
    {
        const std::shared_ptr<detail::SlotState> state = m_state.lock();
        m_state.reset();
        if (state)
            state->cancel();
    }

    QTcpSocket *m_socket; // parent
    ResponseMeta m_meta;
    HeaderList m_extraHeaders;
    std::weak_ptr<detail::SlotState> m_state;
};

} // namespace

HttpServer::HttpServer(const Router &router, Middleware middleware, HttpLimits limits,
                       QObject *parent)
    : QAbstractHttpServer(parent), m_router(router), m_middleware(std::move(middleware)),
      m_limits(limits)
{}

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
    const QStringList rawSegments = url.path(QUrl::FullyEncoded).split(u'/', Qt::SkipEmptyParts);
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
    const Router::Match match =
        m_router.match(head ? QByteArrayView("GET") : QByteArrayView(req.method), segments);
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

    ResponseMeta meta{req.requestId, req.method, req.path, head, asksToClose(request)};
    const std::shared_ptr<detail::SlotState> deferral = std::move(req.deferral);
    req.deferral.reset();
    if (!deferral) {
        if (response.isDeferred()) {
            qCWarning(lcHttp).noquote() << req.requestId << "deferred without a slot";
            response = HttpResponse::error(protocol::ApiError::internal());
        }
        writeResponse(socket, meta, response);
        return true;
    }
    if (!response.isDeferred()) {
        // An error (or an answer) from the handler or around it wins over the deferral.
        deferral->cancel();
        writeResponse(socket, meta, response);
        return true;
    }
    if (deferral->early) { // completed before the handler returned
        HttpResponse early = std::move(*deferral->early);
        deferral->phase = detail::SlotState::Phase::Done;
        deferral->early.reset();
        deferral->watchers.clear();
        early.headers = response.headers + early.headers;
        writeResponse(socket, meta, early);
        return true;
    }
    if (deferral->phase != detail::SlotState::Phase::InHandler ||
        socket->state() != QAbstractSocket::ConnectedState) {
        deferral->cancel();
        return true;
    }
    auto *pending = new PendingResponse(socket, std::move(meta), response.headers, deferral);
    deferral->deliver = [pending = QPointer<PendingResponse>(pending)](HttpResponse &&r) {
        return pending && pending->deliver(std::move(r));
    };
    deferral->phase = detail::SlotState::Phase::Waiting;
    if (auto *guard = socket->findChild<ConnectionGuard *>())
        guard->holdRequests();
    // `deferral` goes out of scope here: the handler's slots keep it alive from now on.
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
