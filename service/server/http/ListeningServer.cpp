#include "http/ListeningServer.h"

#include "http/ConnectionGuard.h"

#include <QSslSocket>

namespace cortex::http {

ListeningServer::ListeningServer(const HttpLimits &limits, std::optional<QSslConfiguration> tls,
                                 QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_tls(std::move(tls))
{}

void ListeningServer::incomingConnection(qintptr socketDescriptor)
{
    QTcpSocket *socket = nullptr;
    if (m_tls) {
        auto *tls = new QSslSocket(this);
        if (!tls->setSocketDescriptor(socketDescriptor)) {
            delete tls;
            return;
        }
        tls->setSslConfiguration(*m_tls);
        connect(tls, &QSslSocket::errorOccurred, tls, [tls] { tls->abort(); });
        tls->startServerEncryption();
        socket = tls;
    } else {
        socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(socketDescriptor)) {
            delete socket;
            return;
        }
    }
    auto *guard = new ConnectionGuard(socket, m_limits); // parented to the socket
    connect(socket, &QTcpSocket::readyRead, guard, &ConnectionGuard::beforeRead);
    // QHttpServer 6.4 takes the socket and connects its own readyRead slot synchronously
    // inside addPendingConnection, so this second slot runs after QHttpServer's read.
    addPendingConnection(socket);
    connect(socket, &QTcpSocket::readyRead, guard, &ConnectionGuard::afterRead);
}

} // namespace cortex::http
