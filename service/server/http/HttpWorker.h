#pragma once

#include "http/HttpLimits.h"
#include "http/RequestIntake.h"

#include <QSemaphore>
#include <QSslConfiguration>
#include <QThread>
#include <memory>
#include <optional>

namespace cortex::http {

// One I/O thread of the HTTP server: its RequestIntake accepts connections from the shared
// listening socket, guards them, reads and parses their requests and writes the answers, so the
// request thread (the one that owns the store and the keys) spends its time on the requests
// themselves.
class HttpWorker : public QThread
{
    Q_OBJECT
public:
    // Called on this I/O thread: `submit` passes a parsed request to the request thread.
    using Hooks = RequestIntake::Hooks;

    // Takes ownership of `listeningSocket`, a duplicate of the server's listening descriptor.
    HttpWorker(qintptr listeningSocket, const HttpLimits &limits,
               std::optional<QSslConfiguration> tls, Hooks hooks, QObject *parent);
    ~HttpWorker() override;

    // Starts the thread and waits until it accepts connections.
    bool startAccepting(QString *error);
    // Stops accepting and reading, drops the thread's connections and joins it.
    void stop();

protected:
    void run() override;

private:
    qintptr m_listeningSocket;
    HttpLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
    Hooks m_hooks;
    std::shared_ptr<ThreadPost> m_post = std::make_shared<ThreadPost>();
    QSemaphore m_started;
    QString m_startError; // written by the thread before m_started is released
};

} // namespace cortex::http
