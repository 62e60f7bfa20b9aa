#pragma once

#include "http/Exchange.h"
#include "http/HttpLimits.h"
#include "http/Router.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cortex::http {

class HttpWorker;
class RequestIntake;

// Runs between routing and the handler: the service's gate (seal state, admin token). It
// returns the response, usually by calling route.handler(request).
using Middleware = std::function<HttpResponse(const Route &route, HttpRequest &request)>;

// The HTTP server. I/O threads (HttpWorker: QHttpServer's parser, the connection guards, the
// response writes) accept and read; this object, on the thread that created it (the request
// thread), routes every request itself (JSON 404/405, OPTIONS, HEAD), runs the middleware and
// the handler, turns ApiError exceptions into JSON errors and sends the answer back. Handlers
// thus all run on one thread, as if the server had no other. With no I/O threads the request
// thread reads and writes the connections itself: no hand-over between threads per request,
// at the price of one core for everything.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    HttpServer(const Router &router, Middleware middleware, HttpLimits limits, QObject *parent);
    ~HttpServer() override;

    // Listens on address:port (0 picks a free port). With tls set, serves HTTPS only.
    bool listen(const QHostAddress &address, quint16 port, std::optional<QSslConfiguration> tls,
                QString *error);
    quint16 port() const;
    QHostAddress address() const;
    bool isTls() const { return m_tls; }

    // How many I/O threads listen() starts: CORTEX_HTTP_THREADS when set (0 to 64), else one
    // per core beyond the first, at most 4 (none on a single core).
    static int ioThreadCount();

private:
    void answer(Exchange &&exchange);
    HttpResponse route(HttpRequest &request, const QStringList &segments);
    HttpResponse dispatch(const Route &route, HttpRequest &request);
    void clientGone(quint64 ticket);
    void stop();

    const Router &m_router;
    Middleware m_middleware;
    HttpLimits m_limits;
    QPointer<QTcpServer> m_listener;
    bool m_tls = false;
    std::shared_ptr<ThreadPost> m_requestThread; // runs answer() here, for the I/O threads
    std::vector<std::unique_ptr<HttpWorker>> m_workers;
    std::unique_ptr<RequestIntake> m_ownIntake; // with no I/O threads: on the request thread
    // Deferred responses still waiting, by ticket: cancelled when their client goes.
    std::unordered_map<quint64, std::weak_ptr<detail::SlotState>> m_waiting;
};

} // namespace cortex::http
