#pragma once

#include "http/HttpMessage.h"
#include "http/ResponseWriter.h"
#include "http/ThreadPost.h"

#include <QPointer>
#include <QStringList>
#include <QTcpSocket>
#include <memory>

namespace cortex::http {

// Where the answer to one request goes: its connection, which belongs to an I/O thread. Any
// thread may hold and copy it; only that I/O thread ever touches the socket.
class ReplyTo
{
public:
    ReplyTo() = default;
    ReplyTo(QTcpSocket *socket, quint64 ticket, ResponseMeta meta,
            std::shared_ptr<ThreadPost> ioThread)
        : m_socket(socket), m_ticket(ticket), m_meta(std::move(meta)),
          m_ioThread(std::move(ioThread))
    {}

    // Writes the response on the connection, on its thread, unless the client has gone by
    // then. False when the I/O thread has stopped.
    bool send(HttpResponse response) const;
    // No response will come: the connection is closed, since the requests behind this one
    // could not be answered in order.
    void abandon() const;

    quint64 ticket() const { return m_ticket; }

private:
    QPointer<QTcpSocket> m_socket; // dereferenced on the I/O thread only
    quint64 m_ticket = 0;
    ResponseMeta m_meta;
    std::shared_ptr<ThreadPost> m_ioThread;
};

// One request on its way from an I/O thread to the request thread, which answers it.
struct Exchange
{
    HttpRequest request;
    QStringList segments; // the percent-decoded path, for the router
    ReplyTo reply;
};

// The request a connection is waiting to have answered (one at a time: the connection guard
// holds back the requests pipelined behind it). A child of the socket, on the I/O thread.
class OutstandingRequest : public QObject
{
    Q_OBJECT
public:
    // The socket's, made on first use; `clientGone` runs if the client disconnects while a
    // request is outstanding.
    static OutstandingRequest *of(QTcpSocket *socket,
                                  const std::function<void(quint64 ticket)> &clientGone);
    static OutstandingRequest *find(QTcpSocket *socket);

    quint64 ticket = 0; // 0: none outstanding

private:
    explicit OutstandingRequest(QTcpSocket *socket) : QObject(socket) {}
};

} // namespace cortex::http
