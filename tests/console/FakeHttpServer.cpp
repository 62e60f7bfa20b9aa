#include "FakeHttpServer.h"

#include <QTcpServer>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace cortex::console::test {

FakeHttpServer::FakeHttpServer(QObject *parent) : QObject(parent), m_server(new QTcpServer(this))
{
    respondWith(200, "OK", R"({"initialized":true,"sealed":false,"progress":0,"threshold":1})");
    connect(m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onNewConnection);
}

bool FakeHttpServer::listen()
{
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 FakeHttpServer::port() const
{
    return m_server->serverPort();
}

QString FakeHttpServer::url() const
{
    return u"http://127.0.0.1:%1"_s.arg(port());
}

void FakeHttpServer::respondWith(int status, const QByteArray &reason, const QByteArray &body,
                                 const QByteArray &contentType)
{
    m_response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
                 "\r\nContent-Type: " + contentType +
                 "\r\nContent-Length: " + QByteArray::number(body.size()) +
                 "\r\nConnection: close\r\n\r\n" + body;
}

void FakeHttpServer::hold()
{
    m_holding = true;
}

void FakeHttpServer::release()
{
    m_holding = false;
    const QList<QTcpSocket *> held = std::exchange(m_held, {});
    for (QTcpSocket *socket : held)
        answer(socket);
}

QList<QByteArray> FakeHttpServer::requestLines() const
{
    QList<QByteArray> lines;
    for (const QByteArray &head : m_heads)
        lines.append(head.left(head.indexOf("\r\n")));
    return lines;
}

void FakeHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            m_held.removeAll(socket);
            socket->deleteLater();
        });
    }
}

void FakeHttpServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return; // head incomplete; GET requests have no body to wait for
    m_heads.append(buffer.left(end));
    buffer.clear();
    if (m_holding)
        m_held.append(socket);
    else
        answer(socket);
}

void FakeHttpServer::answer(QTcpSocket *socket)
{
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->write(m_response);
    socket->disconnectFromHost(); // flushes the response first
}

quint16 closedLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace cortex::console::test
