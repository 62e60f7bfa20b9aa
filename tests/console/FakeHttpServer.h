#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

class QTcpServer;
class QTcpSocket;

namespace cortex::console::test {

// A loopback HTTP/1.1 server for console tests. It answers every request with one canned
// response and `Connection: close`, and remembers the request heads it saw. After hold(),
// requests wait unanswered until release(), so a test can look at the UI mid-request.
class FakeHttpServer : public QObject
{
public:
    explicit FakeHttpServer(QObject *parent = nullptr);

    bool listen(); // 127.0.0.1 on a free port
    quint16 port() const;
    QString url() const; // http://127.0.0.1:<port>

    void respondWith(int status, const QByteArray &reason, const QByteArray &body,
                     const QByteArray &contentType = "application/json");
    void hold();
    void release();

    // "GET /sys/seal-status HTTP/1.1", one per request received
    QList<QByteArray> requestLines() const;
    // The full request heads, header lines included
    QList<QByteArray> requestHeads() const { return m_heads; }
    qsizetype heldCount() const { return m_held.size(); }

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void answer(QTcpSocket *socket);

    QTcpServer *m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<QTcpSocket *> m_held;
    QList<QByteArray> m_heads;
    QByteArray m_response;
    bool m_holding = false;
};

// A port on 127.0.0.1 where nothing listens: bound to learn a free port, then closed.
quint16 closedLoopbackPort();

} // namespace cortex::console::test
