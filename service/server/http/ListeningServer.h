#pragma once

#include "http/HttpLimits.h"

#include <QSslConfiguration>
#include <QTcpServer>
#include <optional>

namespace cortex::http {

// The listening socket handed to QHttpServer. Every accepted socket gets a ConnectionGuard
// connected before QHttpServer sees the socket, and becomes a server-side TLS socket when a
// TLS configuration is set (so the guard works on the decrypted stream too). Each I/O thread
// (HttpWorker) accepts through one of its own, on a copy of HttpServer's listening descriptor.
class ListeningServer : public QTcpServer
{
    Q_OBJECT
public:
    ListeningServer(const HttpLimits &limits, std::optional<QSslConfiguration> tls,
                    QObject *parent);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    HttpLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
};

} // namespace cortex::http
