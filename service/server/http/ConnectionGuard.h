#pragma once

#include "http/HttpLimits.h"
#include "http/RequestFraming.h"

#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace cortex::http {

// Watches one accepted socket before QHttpServer reads from it: enforces head/body limits,
// idle and slow-head timeouts, and answers a breach itself with a JSON error and a lingering
// close (so the client reads the error instead of a reset). Child of the socket it guards.
class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits);

    // Must run before QHttpServer's own readyRead slot: connect it before the socket is
    // handed over.
    void onReadyRead();

private:
    void reject(int status, const QByteArray &reason, const QString &code, const QString &message);
    void onIdleTimeout();
    void onHeadTimeout();
    void finishLinger();

    QTcpSocket *m_socket;
    HttpLimits m_limits;
    RequestFraming m_framing;
    QTimer m_idleTimer;
    QTimer m_headTimer;
    bool m_rejected = false;
};

} // namespace cortex::http
