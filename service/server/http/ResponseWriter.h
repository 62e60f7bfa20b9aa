#pragma once

#include "http/HttpMessage.h"

#include <QByteArray>
#include <QString>

class QTcpSocket;

namespace cortex::http {

class ConnectionGuard;

// What it takes to answer a request once its QHttpServerRequest is gone (QHttpServer reuses
// that object for the connection's next request).
struct ResponseMeta
{
    QString requestId;
    QByteArray method;
    QString path;
    bool head = false;
    bool asksToClose = false;
};

QByteArray reasonPhrase(int status);

// Writes one complete response with the common headers (QHttpServer 6.4 adds none) and the
// access log line, then lets the connection guard close the connection or go on to the next
// request. On the socket's own thread; `guard` is the socket's ConnectionGuard, if it has one.
void writeResponse(QTcpSocket *socket, ConnectionGuard *guard, const ResponseMeta &meta,
                   const HttpResponse &response);

} // namespace cortex::http
