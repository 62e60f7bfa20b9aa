#include "http/HttpServer.h"

#include "http/HttpWorker.h"
#include "http/RequestIntake.h"
#include "http/ResponseSlotState.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <fcntl.h>

Q_LOGGING_CATEGORY(lcHttp, "cortex.http")

namespace cortex::http {

HttpServer::HttpServer(const Router &router, Middleware middleware, HttpLimits limits,
                       QObject *parent)
    : QObject(parent), m_router(router), m_middleware(std::move(middleware)), m_limits(limits),
      m_requestThread(std::make_shared<ThreadPost>(this))
{}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::stop()
{
    m_requestThread->close(); // requests read from now on are dropped with their connections
    for (const std::unique_ptr<HttpWorker> &worker : m_workers)
        worker->stop();
    m_workers.clear();
    m_ownIntake.reset(); // and its connections
    // Their connections are gone: nothing still waiting can be delivered.
    for (const auto &[ticket, waiting] : std::exchange(m_waiting, {}))
        if (const std::shared_ptr<detail::SlotState> state = waiting.lock())
            state->cancel();
}

int HttpServer::ioThreadCount()
{
    const QByteArray text = qgetenv("CORTEX_HTTP_THREADS");
    if (!text.isEmpty()) {
        bool ok = false;
        const int count = text.toInt(&ok);
        if (ok && count >= 0 && count <= 64)
            return count;
        qCWarning(lcHttp) << "CORTEX_HTTP_THREADS must be an integer from 0 to 64; ignored";
    }
    // On one core an I/O thread would only add two thread switches to every request.
    return qBound(0, QThread::idealThreadCount() - 1, 4);
}

bool HttpServer::listen(const QHostAddress &address, quint16 port,
                        std::optional<QSslConfiguration> tls, QString *error)
{
    m_tls = tls.has_value();
    // Only binds and listens: the I/O threads (or, with none, this thread's own intake) accept,
    // each through a ListeningServer of its own on a copy of this socket.
    auto *listener = new QTcpServer(this);
    if (!listener->listen(address, port)) {
        *error = listener->errorString();
        delete listener;
        return false;
    }
    listener->pauseAccepting();
    m_listener = listener;

    const int threads = ioThreadCount();
    using Submit = std::function<void(Exchange && exchange)>;
    const RequestIntake::Hooks hooks{
        threads == 0
            // QHttpServer calls this from its read handler on this thread; the answer's write
            // is posted (ReplyTo), so it never runs inside the parser.
            ? Submit([this](Exchange &&exchange) { answer(std::move(exchange)); })
            : Submit([post = m_requestThread, this](Exchange &&exchange) {
                  post->post([this, exchange = std::move(exchange)]() mutable {
                      answer(std::move(exchange));
                  });
              }),
        [post = m_requestThread, this](quint64 ticket) {
            post->post([this, ticket] { clientGone(ticket); });
        }};
    for (int i = std::max(threads, 1); i > 0; --i) {
        const int copy = ::fcntl(int(listener->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            *error = QStringLiteral("cannot duplicate the listening socket");
            stop();
            return false;
        }
        if (threads == 0) {
            m_ownIntake = RequestIntake::open(copy, m_limits, tls, hooks, m_requestThread, error);
            if (!m_ownIntake) {
                stop();
                return false;
            }
            break;
        }
        auto worker = std::make_unique<HttpWorker>(copy, m_limits, tls, hooks, nullptr);
        if (!worker->startAccepting(error)) {
            stop();
            return false;
        }
        m_workers.push_back(std::move(worker));
    }
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

HttpResponse HttpServer::route(HttpRequest &req, const QStringList &segments)
{
    const bool head = req.method == "HEAD";
    const Router::Match match =
        m_router.match(head ? QByteArrayView("GET") : QByteArrayView(req.method), segments);
    if (match.route) {
        req.params = match.params;
        return dispatch(*match.route, req);
    }
    if (req.method == "UNKNOWN")
        return HttpResponse::error(protocol::ApiError(501, QStringLiteral("method_not_implemented"),
                                                      QStringLiteral("unknown HTTP method")));
    if (match.allowedMethods.isEmpty())
        return HttpResponse::error(
            protocol::ApiError(404, QStringLiteral("not_found"), QStringLiteral("no such route")));
    QList<QByteArray> methods = match.allowedMethods;
    if (methods.contains("GET"))
        methods.append("HEAD");
    methods.append("OPTIONS");
    const QByteArray allow = methods.join(", ");
    if (req.method == "OPTIONS")
        return HttpResponse{204, {}, {}, {{"Allow", allow}}};
    HttpResponse response = HttpResponse::error(
        protocol::ApiError(405, QStringLiteral("method_not_allowed"),
                           QStringLiteral("%1 is not allowed here; allowed: %2")
                               .arg(QString::fromLatin1(req.method), QString::fromLatin1(allow))));
    response.headers.append({"Allow", allow});
    return response;
}

void HttpServer::answer(Exchange &&exchange)
{
    HttpRequest &req = exchange.request;
    const ReplyTo &reply = exchange.reply;
    HttpResponse response = route(req, exchange.segments);

    const std::shared_ptr<detail::SlotState> deferral = std::move(req.deferral);
    req.deferral.reset();
    if (!deferral) {
        if (response.isDeferred()) {
            qCWarning(lcHttp).noquote() << req.requestId << "deferred without a slot";
            response = HttpResponse::error(protocol::ApiError::internal());
        }
        reply.send(std::move(response));
        return;
    }
    if (!response.isDeferred()) {
        // An error (or an answer) from the handler or around it wins over the deferral.
        deferral->cancel();
        reply.send(std::move(response));
        return;
    }
    if (deferral->early) { // completed before the handler returned
        HttpResponse early = std::move(*deferral->early);
        deferral->phase = detail::SlotState::Phase::Done;
        deferral->early.reset();
        deferral->watchers.clear();
        early.headers = response.headers + early.headers;
        reply.send(std::move(early));
        return;
    }
    if (deferral->phase != detail::SlotState::Phase::InHandler) {
        deferral->cancel();
        reply.abandon();
        return;
    }
    m_waiting.emplace(reply.ticket(), deferral);
    deferral->deliver = [self = QPointer<HttpServer>(this), reply,
                         extraHeaders = response.headers](HttpResponse &&r) {
        if (self)
            self->m_waiting.erase(reply.ticket());
        r.headers = extraHeaders + r.headers;
        return reply.send(std::move(r));
    };
    deferral->phase = detail::SlotState::Phase::Waiting;
    // `deferral` goes out of scope here: the handler's slots keep it alive from now on.
}

void HttpServer::clientGone(quint64 ticket)
{
    const auto found = m_waiting.find(ticket);
    if (found == m_waiting.end())
        return; // answered already (the answer went nowhere)
    const std::shared_ptr<detail::SlotState> state = found->second.lock();
    m_waiting.erase(found);
    if (!state)
        return;
    qCInfo(lcHttp).noquote() << state->requestId
                             << "client disconnected before the deferred response";
    state->cancel();
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

} // namespace cortex::http
