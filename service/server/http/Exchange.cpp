#include "http/Exchange.h"

#include "http/ConnectionGuard.h"

namespace cortex::http {

bool ReplyTo::send(HttpResponse response) const
{
    return m_ioThread && m_ioThread->post([socket = m_socket, ticket = m_ticket, meta = m_meta,
                                           response = std::move(response)] {
        OutstandingRequest *outstanding = socket ? OutstandingRequest::find(socket) : nullptr;
        if (!outstanding || outstanding->ticket != ticket)
            return; // the client went away; the connection may even be gone
        outstanding->ticket = 0;
        auto *guard = socket->findChild<ConnectionGuard *>();
        if (socket->state() != QAbstractSocket::ConnectedState ||
            (guard && !guard->acceptsResponses()))
            return;
        writeResponse(socket, guard, meta, response);
    });
}

void ReplyTo::abandon() const
{
    if (m_ioThread)
        m_ioThread->post([socket = m_socket, ticket = m_ticket] {
            OutstandingRequest *outstanding = socket ? OutstandingRequest::find(socket) : nullptr;
            if (outstanding && outstanding->ticket == ticket)
                socket->abort();
        });
}

OutstandingRequest *OutstandingRequest::find(QTcpSocket *socket)
{
    return socket->findChild<OutstandingRequest *>(QString(), Qt::FindDirectChildrenOnly);
}

OutstandingRequest *OutstandingRequest::of(QTcpSocket *socket,
                                           const std::function<void(quint64 ticket)> &clientGone)
{
    if (OutstandingRequest *existing = find(socket))
        return existing;
    auto *outstanding = new OutstandingRequest(socket);
    connect(socket, &QAbstractSocket::disconnected, outstanding, [outstanding, clientGone] {
        if (outstanding->ticket != 0)
            clientGone(std::exchange(outstanding->ticket, 0));
    });
    return outstanding;
}

} // namespace cortex::http
