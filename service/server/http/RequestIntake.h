#pragma once

#include "http/Exchange.h"
#include "http/HttpLimits.h"

#include <QAbstractHttpServer>
#include <QSslConfiguration>
#include <functional>
#include <memory>
#include <optional>

namespace cortex::http {

// The reading half of the HTTP server, on the thread it is created on: it accepts connections
// from a listening socket, guards them (ConnectionGuard), parses their requests with
// QHttpServer and hands each complete request to `submit`. The answer goes back through the
// request's ReplyTo, which writes it on this thread. An I/O thread (HttpWorker) runs one; with
// no I/O threads the request thread runs one itself.
class RequestIntake : public QAbstractHttpServer
{
    Q_OBJECT
public:
    struct Hooks
    {
        // A parsed request (called on the intake's thread).
        std::function<void(Exchange &&exchange)> submit;
        // The client of an outstanding request disconnected (called on the intake's thread).
        std::function<void(quint64 ticket)> clientGone;
    };

    // Accepts on `listeningSocket` (a descriptor it takes ownership of, also on failure);
    // `replies` runs the writes of answers on this thread. nullptr, with the reason in
    // `error`, when the socket cannot be used.
    static std::unique_ptr<RequestIntake> open(qintptr listeningSocket, const HttpLimits &limits,
                                               std::optional<QSslConfiguration> tls, Hooks hooks,
                                               std::shared_ptr<ThreadPost> replies, QString *error);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    RequestIntake(Hooks hooks, std::shared_ptr<ThreadPost> replies);

    Hooks m_hooks;
    std::shared_ptr<ThreadPost> m_replies;
};

} // namespace cortex::http
