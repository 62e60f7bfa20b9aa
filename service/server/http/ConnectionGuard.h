#pragma once

#include "http/HttpLimits.h"
#include "http/RequestFraming.h"

#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace cortex::http {

// Watches one accepted socket around QHttpServer's reads: enforces head/body limits, idle and
// slow-head (and TLS handshake) timeouts, answers "Expect: 100-continue", and answers a breach
// itself with a JSON error and a lingering close (so the client reads the error instead of a
// reset). Child of the socket it guards.
//
// Wiring (ListeningServer): beforeRead() is connected to readyRead before the socket is handed
// to QHttpServer, afterRead() after. QHttpServer 6.4 may leave pipelined bytes unread and
// re-emit readyRead later; afterRead() remembers how many unread bytes were already seen, so
// every byte is counted exactly once.
class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits);

    void beforeRead();
    void afterRead();
    // Called by the adapter after each response it wrote. Closes the connection when that
    // request asked for it (then nothing after it is read or answered), and sends a deferred
    // limit error once the requests pipelined before the offending one are answered.
    void responseWritten(bool requestAsksToClose);
    // Whether the response about to be written will close the connection.
    bool responseWillClose() const { return m_framing.nextCompletedCloses(); }
    // Called by the adapter when a handler deferred its response. Until the next
    // responseWritten(), QHttpServer sees no further bytes: they are counted (limits still
    // apply) and kept here, then handed back, so that a request pipelined behind a long-poll is
    // parsed, handled and answered only after it (responses stay in order, and nothing after a
    // "Connection: close" is ever carried out). The idle and head timers pause meanwhile: the
    // client is waiting for us. Keeping more than one maximal request aborts the connection.
    void holdRequests();
    // False once the connection is being closed or was rejected: a late response goes nowhere.
    bool acceptsResponses() const { return !m_closing && (!m_rejected || m_rejectionPending); }

private:
    bool feedFresh(QByteArrayView fresh);
    void holdIncoming();
    void releaseHeld();
    void dropHeld();
    void closeAfterResponse();
    void reject(int status, const QByteArray &reason, const QString &code, const QString &message);
    void sendRejection();
    void onIdleTimeout();
    void onHeadTimeout();
    bool isUnencryptedTls() const;

    QTcpSocket *m_socket;
    HttpLimits m_limits;
    RequestFraming m_framing;
    QTimer m_idleTimer;
    QTimer m_headTimer;
    qint64 m_unreadSeen = 0; // bytes left unread by QHttpServer that were already fed
    bool m_rejected = false;
    bool m_closing = false;
    bool m_rejectionPending = false; // waiting for earlier pipelined requests to be answered
    QByteArray m_rejection;          // the raw error response to send
    bool m_holding = false;          // a deferred response is outstanding (holdRequests())
    QByteArray m_held;               // bytes received meanwhile, already counted
};

} // namespace cortex::http
