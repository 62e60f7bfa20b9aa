#include "http/ResponseWriter.h"

#include "http/ConnectionGuard.h"

#include <QLoggingCategory>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace cortex::http {

// One case per line.
// clang-format off
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

void writeResponse(QTcpSocket *socket, ConnectionGuard *guard, const ResponseMeta &meta,
                   const HttpResponse &response)
{
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

} // namespace cortex::http
