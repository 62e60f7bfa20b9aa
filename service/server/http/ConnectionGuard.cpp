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
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, [this] {
        if (!m_rejected)
            m_idleTimer.start();
    });
    m_idleTimer.start();
    // A TLS handshake also has to finish within the head timeout.
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        m_headTimer.start();
        connect(tls, &QSslSocket::encrypted, &m_headTimer, &QTimer::stop);
    }
}

void ConnectionGuard::onReadyRead()
{
    if (m_rejected) {
        m_socket->readAll(); // drain; nothing more is parsed on this connection
        return;
    }
    m_idleTimer.start();
    // QHttpServer reads everything available after this slot, so what is available now is
    // exactly what it has not seen yet.
    const QByteArray fresh = m_socket->peek(m_socket->bytesAvailable());
    switch (m_framing.feed(fresh)) {
    case RequestFraming::Verdict::Ok:
        break;
    case RequestFraming::Verdict::HeadTooLarge:
        reject(431, "Request Header Fields Too Large", QStringLiteral("headers_too_large"),
               QStringLiteral("request headers exceed %1 bytes").arg(m_limits.maxHeadBytes));
        return;
    case RequestFraming::Verdict::BodyTooLarge:
        reject(413, "Payload Too Large", QStringLiteral("body_too_large"),
               QStringLiteral("request body exceeds %1 bytes").arg(m_limits.maxBodyBytes));
        return;
    case RequestFraming::Verdict::Malformed:
        reject(400, "Bad Request", QStringLiteral("malformed_request"),
               QStringLiteral("the request framing is invalid"));
        return;
    }
    if (m_framing.inHead()) {
        if (!m_headTimer.isActive())
            m_headTimer.start();
    } else {
        m_headTimer.stop();
    }
}

void ConnectionGuard::reject(int status, const QByteArray &reason, const QString &code,
                             const QString &message)
{
    m_rejected = true;
    m_idleTimer.stop();
    m_headTimer.stop();
    m_socket->readAll();

    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), message},
                                                      {QStringLiteral("error_code"), code}})
                                .toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    response += "Content-Type: application/json\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    response += "X-Request-Id: " + crypto::randomToken(u"req_", 12).toLatin1() + "\r\n";
    response += "Connection: close\r\n\r\n";
    response += body;
    m_socket->write(response);

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
    connect(m_socket, &QTcpSocket::readChannelFinished, this, &ConnectionGuard::finishLinger);
    QTimer::singleShot(m_limits.lingerMs, this, &ConnectionGuard::finishLinger);
}

void ConnectionGuard::finishLinger()
{
    m_socket->abort();
}

void ConnectionGuard::onIdleTimeout()
{
    if (m_framing.inRequest()) {
        reject(408, "Request Timeout", QStringLiteral("request_timeout"),
               QStringLiteral("the request was not completed in time"));
        return;
    }
    m_socket->disconnectFromHost();
}

void ConnectionGuard::onHeadTimeout()
{
    if (m_framing.inHead() || !m_framing.inRequest())
        reject(408, "Request Timeout", QStringLiteral("request_timeout"),
               QStringLiteral("the request headers were not received in time"));
}

} // namespace cortex::http
