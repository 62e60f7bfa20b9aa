#include "http/ConnectionGuard.h"

#include "crypto/Random.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSslSocket>
#include <QTcpSocket>
#include <sys/socket.h>

namespace cortex::http {

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits)
    : QObject(socket), m_socket(socket), m_limits(limits),
      m_framing(limits.maxHeadBytes, limits.maxBodyBytes)
{
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(limits.idleTimeoutMs);
    m_headTimer.setSingleShot(true);
    m_headTimer.setInterval(limits.headTimeoutMs);
    connect(&m_idleTimer, &QTimer::timeout, this, &ConnectionGuard::onIdleTimeout);
    connect(&m_headTimer, &QTimer::timeout, this, &ConnectionGuard::onHeadTimeout);
    connect(socket, &QTcpSocket::bytesWritten, this, [this] {
        if (!m_rejected && !m_closing && !m_holding)
            m_idleTimer.start();
    });
    m_idleTimer.start();
    // A TLS handshake also has to finish within the head timeout.
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        m_headTimer.start();
        connect(tls, &QSslSocket::encrypted, &m_headTimer, &QTimer::stop);
    }
}

bool ConnectionGuard::isUnencryptedTls() const
{
    const auto *tls = qobject_cast<const QSslSocket *>(m_socket);
    return tls && !tls->isEncrypted();
}

void ConnectionGuard::beforeRead()
{
    if (m_holding) {
        holdIncoming();
        return;
    }
    if (m_rejectionPending)
        return; // QHttpServer is still answering the requests before the rejected one
    if (m_rejected || m_closing) {
        m_socket->readAll(); // drain; nothing more is parsed on this connection
        m_unreadSeen = 0;
        return;
    }
    const qint64 available = m_socket->bytesAvailable();
    m_unreadSeen = qMin(m_unreadSeen, available);
    if (available == m_unreadSeen)
        return; // QHttpServer re-emitted readyRead for bytes already counted
    m_idleTimer.start();
    const QByteArray fresh = m_socket->peek(available).sliced(m_unreadSeen);
    m_unreadSeen = available;
    if (!feedFresh(fresh))
        return;
    if (m_framing.takeContinueRequest())
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (m_framing.inHead()) {
        if (!m_headTimer.isActive())
            m_headTimer.start();
    } else if (!isUnencryptedTls()) {
        m_headTimer.stop();
    }
}

bool ConnectionGuard::feedFresh(QByteArrayView fresh)
{
    switch (m_framing.feed(fresh)) {
    case RequestFraming::Verdict::Ok:
        return true;
    case RequestFraming::Verdict::HeadTooLarge:
        reject(431, "Request Header Fields Too Large", QStringLiteral("headers_too_large"),
               QStringLiteral("request headers exceed %1 bytes").arg(m_limits.maxHeadBytes));
        return false;
    case RequestFraming::Verdict::BodyTooLarge:
        reject(413, "Payload Too Large", QStringLiteral("body_too_large"),
               QStringLiteral("request body exceeds %1 bytes").arg(m_limits.maxBodyBytes));
        return false;
    case RequestFraming::Verdict::Malformed:
        reject(400, "Bad Request", QStringLiteral("malformed_request"),
               QStringLiteral("the request framing is invalid"));
        return false;
    }
    return false;
}

void ConnectionGuard::holdRequests()
{
    if (m_holding || m_closing || (m_rejected && !m_rejectionPending))
        return;
    m_holding = true;
    m_idleTimer.stop();
    m_headTimer.stop();
}

// While holding, every byte is taken out of the socket before QHttpServer's read, so that it
// parses nothing. Bytes QHttpServer left unread earlier (counted already) are kept as they
// are; fresh ones are counted first, and dropped after a limit breach (the rejection follows
// the requests before it, and nothing after it is answered).
void ConnectionGuard::holdIncoming()
{
    // QHttpServer 6.4 leaves a read transaction open after a read that found no complete
    // request. Nothing was consumed in it (every byte is taken here first), but a read inside
    // it would not remove the bytes from the socket.
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    const QByteArray bytes = m_socket->readAll();
    const qint64 counted = qMin<qint64>(m_unreadSeen, bytes.size());
    m_unreadSeen = 0;
    m_held += QByteArrayView(bytes).first(counted);
    const QByteArrayView fresh = QByteArrayView(bytes).sliced(counted);
    if (fresh.isEmpty() || m_rejected || m_closing)
        return;
    feedFresh(fresh); // a breach rejects; the rejection waits for the held requests
    m_held += fresh;
    if (m_held.size() > m_limits.maxHeadBytes + m_limits.maxBodyBytes) {
        // More than one maximal request queued behind an unanswered one: not a real client.
        dropHeld();
        m_closing = true;
        QMetaObject::invokeMethod(m_socket, &QAbstractSocket::abort, Qt::QueuedConnection);
    }
}

// Nothing held will be answered: forget it (and QHttpServer's empty read transaction, so that
// draining the socket really empties it).
void ConnectionGuard::dropHeld()
{
    if (!m_holding)
        return;
    m_holding = false;
    m_held.clear();
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
}

// Hands the held bytes back to QHttpServer (in front of anything that arrived since) and lets
// it parse them as if they had just arrived.
void ConnectionGuard::releaseHeld()
{
    if (!m_holding)
        return;
    m_holding = false;
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    // Bytes still in the socket that were counted (without a readyRead since) follow the held
    // ones; together they are the counted prefix beforeRead() skips.
    const qint64 countedInSocket = qMin(m_unreadSeen, m_socket->bytesAvailable());
    for (qsizetype i = m_held.size(); i-- > 0;)
        m_socket->ungetChar(m_held.at(i));
    m_unreadSeen = m_held.size() + countedInSocket;
    m_held.clear();
    m_idleTimer.start();
    if (m_framing.inHead())
        m_headTimer.start();
    if (m_framing.takeContinueRequest() && m_framing.inRequest())
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(m_socket, &QAbstractSocket::readyRead, Qt::QueuedConnection);
}

void ConnectionGuard::afterRead()
{
    m_unreadSeen = m_rejected || m_closing ? 0 : m_socket->bytesAvailable();
}

void ConnectionGuard::responseWritten(bool requestAsksToClose)
{
    const bool close = m_framing.takeCompleted() || requestAsksToClose;
    if (m_rejectionPending) {
        if (m_framing.unansweredRequests() == 0 || close) {
            m_rejectionPending = false;
            sendRejection();
        } else {
            releaseHeld(); // the requests before the rejected one are answered first
        }
        return;
    }
    if (close)
        closeAfterResponse();
    else
        releaseHeld();
}

void ConnectionGuard::closeAfterResponse()
{
    m_closing = true;
    dropHeld();
    m_idleTimer.stop();
    m_headTimer.stop();
    m_socket->readAll();
    m_unreadSeen = 0;
    m_socket->disconnectFromHost();
    // disconnectFromHost waits for the write buffer; a peer that never reads must not pin us.
    QTimer::singleShot(m_limits.lingerMs + m_limits.idleTimeoutMs, m_socket, &QTcpSocket::abort);
}

void ConnectionGuard::reject(int status, const QByteArray &reason, const QString &code,
                             const QString &message)
{
    m_rejected = true;
    m_headTimer.stop();
    if (isUnencryptedTls()) {
        m_socket->abort(); // no channel to answer on yet
        return;
    }
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), message},
                                                      {QStringLiteral("error_code"), code}})
                                .toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    response += "Content-Type: application/json\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    response += "X-Request-Id: " + crypto::randomToken(u"req_", 12).toLatin1() + "\r\n";
    response += "Connection: close\r\n\r\n";
    response += body;
    m_rejection = response;
    if (m_framing.unansweredRequests() > 0) {
        // Complete requests came before the offending one: QHttpServer answers them first
        // (responseWritten() counts them down), then the error goes out.
        m_rejectionPending = true;
        return;
    }
    sendRejection();
}

void ConnectionGuard::sendRejection()
{
    dropHeld();
    m_idleTimer.stop();
    m_socket->readAll();
    m_unreadSeen = 0;
    m_socket->write(m_rejection);
    // Whatever happens below, the connection is gone after the linger period.
    QTimer::singleShot(m_limits.lingerMs, m_socket, &QTcpSocket::abort);

    if (qobject_cast<QSslSocket *>(m_socket)) {
        m_socket->disconnectFromHost();
        return;
    }
    // Lingering close: send our answer, stop writing, and keep draining what the client is
    // still sending for a moment, so its TCP stack does not turn our answer into a reset.
    m_socket->flush();
    auto shutdownWhenFlushed = [this] {
        if (m_socket->bytesToWrite() == 0 && m_socket->socketDescriptor() >= 0)
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    };
    connect(m_socket, &QTcpSocket::bytesWritten, this, shutdownWhenFlushed);
    shutdownWhenFlushed();
    connect(m_socket, &QTcpSocket::readChannelFinished, m_socket, &QTcpSocket::abort);
}

void ConnectionGuard::onIdleTimeout()
{
    if (m_rejectionPending) { // the earlier requests were never answered: stop waiting
        m_rejectionPending = false;
        sendRejection();
        return;
    }
    if (m_framing.inRequest()) {
        reject(408, "Request Timeout", QStringLiteral("request_timeout"),
               QStringLiteral("the request was not completed in time"));
        return;
    }
    m_socket->disconnectFromHost();
}

void ConnectionGuard::onHeadTimeout()
{
    if (isUnencryptedTls()) {
        m_socket->abort(); // the TLS handshake did not finish in time
        return;
    }
    if (m_framing.inHead() || !m_framing.inRequest())
        reject(408, "Request Timeout", QStringLiteral("request_timeout"),
               QStringLiteral("the request headers were not received in time"));
}

} // namespace cortex::http
