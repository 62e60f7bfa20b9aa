#pragma once

#include "http/HttpLimits.h"
#include "http/Router.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QPointer>
#include <QSslConfiguration>
#include <functional>
#include <optional>

namespace cortex::http {

class ListeningServer;

// Runs between routing and the handler: the service's gate (seal state, admin token). It
// returns the response, usually by calling route.handler(request).
using Middleware = std::function<HttpResponse(const Route &route, HttpRequest &request)>;

// The only class that touches QHttpServer. It owns the listening socket, routes every request
// itself (JSON 404/405, OPTIONS, HEAD), turns ApiError exceptions into JSON errors and adds
// the common headers (X-Request-Id, no-store) that QHttpServer 6.4 would not add for us.
class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    HttpServer(const Router &router, Middleware middleware, HttpLimits limits, QObject *parent);

    // Listens on address:port (0 picks a free port). With tls set, serves HTTPS only.
    bool listen(const QHostAddress &address, quint16 port, std::optional<QSslConfiguration> tls,
                QString *error);
    quint16 port() const;
    QHostAddress address() const;
    bool isTls() const { return m_tls; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    HttpResponse dispatch(const Route &route, HttpRequest &request);

    const Router &m_router;
    Middleware m_middleware;
    HttpLimits m_limits;
    QPointer<ListeningServer> m_listener;
    bool m_tls = false;
};

} // namespace cortex::http
