#include "http/HttpWorker.h"

#include <unistd.h>

namespace cortex::http {

HttpWorker::HttpWorker(qintptr listeningSocket, const HttpLimits &limits,
                       std::optional<QSslConfiguration> tls, Hooks hooks, QObject *parent)
    : QThread(parent), m_listeningSocket(listeningSocket), m_limits(limits), m_tls(std::move(tls)),
      m_hooks(std::move(hooks))
{
    setObjectName(QStringLiteral("http-io"));
}

HttpWorker::~HttpWorker()
{
    stop();
    if (m_listeningSocket >= 0)
        ::close(int(m_listeningSocket)); // never handed to the thread
}

bool HttpWorker::startAccepting(QString *error)
{
    start();
    m_started.acquire();
    if (m_startError.isEmpty())
        return true;
    wait();
    *error = m_startError;
    return false;
}

void HttpWorker::stop()
{
    quit();
    wait();
}

void HttpWorker::run()
{
    QObject postTarget;
    {
        std::unique_ptr<RequestIntake> intake = RequestIntake::open(
            std::exchange(m_listeningSocket, -1), m_limits, m_tls, m_hooks, m_post, &m_startError);
        if (!intake) {
            m_started.release();
            return;
        }
        m_post->open(&postTarget);
        m_started.release();
        exec();
        m_post->close();
    } // the intake and every connection go here, on this thread
}

} // namespace cortex::http
