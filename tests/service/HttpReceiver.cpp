#include "HttpReceiver.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QTcpSocket>

namespace cortex::test {

namespace {
QString pathOf(const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    return QString::fromUtf8(query < 0 ? target : target.left(query));
}
} // namespace

QByteArray HttpReceiver::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QJsonObject HttpReceiver::Request::json() const
{
    return QJsonDocument::fromJson(body).object();
}

HttpReceiver::HttpReceiver(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            m_buffers.insert(socket, {});
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                m_buffers.remove(socket);
                socket->deleteLater();
            });
        }
    });
}

bool HttpReceiver::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString HttpReceiver::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path);
}

void HttpReceiver::setStatuses(const QString &path, const QList<int> &statuses)
{
    m_statuses.insert(path, statuses);
}

void HttpReceiver::setDefaultStatus(const QString &path, int status)
{
    m_defaults.insert(path, status);
}

QList<HttpReceiver::Request> HttpReceiver::requestsTo(const QString &path) const
{
    QList<Request> matching;
    for (const Request &request : m_requests) {
        if (pathOf(request.target) == path)
            matching.append(request);
    }
    return matching;
}

void HttpReceiver::clear()
{
    m_requests.clear();
    m_statuses.clear();
    m_defaults.clear();
}

int HttpReceiver::statusFor(const QString &path)
{
    QList<int> &queue = m_statuses[path];
    if (!queue.isEmpty())
        return queue.takeFirst();
    return m_defaults.value(path, 200);
}

void HttpReceiver::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return;
    Request request;
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    request.target = requestLine.value(1);
    qsizetype contentLength = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        request.headers.append({name, value});
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            contentLength = value.toLongLong();
    }
    if (buffer.size() < headerEnd + 4 + contentLength)
        return;
    request.body = buffer.mid(headerEnd + 4, contentLength);
    buffer.clear();
    const QString path = pathOf(request.target);
    const int status = statusFor(path);
    m_requests.append(request);
    const QByteArray body =
        status < 300 ? QByteArrayLiteral("{\"ok\":true}") : QByteArrayLiteral("{\"ok\":false}");
    socket->write("HTTP/1.1 " + QByteArray::number(status) +
                  " Test\r\nContent-Type: "
                  "application/json\r\nContent-Length: " +
                  QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

SmtpReceiver::SmtpReceiver(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            m_sessions.insert(socket, {});
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                m_sessions.remove(socket);
                socket->deleteLater();
            });
            socket->write("220 localhost ESMTP cortex-test\r\n");
        }
    });
}

bool SmtpReceiver::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void SmtpReceiver::onReadyRead(QTcpSocket *socket)
{
    Session &session = m_sessions[socket];
    session.buffer += socket->readAll();
    for (qsizetype end = session.buffer.indexOf("\r\n"); end >= 0;
         end = session.buffer.indexOf("\r\n")) {
        const QByteArray line = session.buffer.left(end);
        session.buffer.remove(0, end + 2);
        if (session.inData) {
            if (line == ".") {
                session.inData = false;
                m_mails.append(session.mail);
                session.mail = Mail{};
                socket->write("250 2.0.0 queued\r\n");
            } else {
                session.mail.data += (line.startsWith("..") ? line.mid(1) : line) + "\r\n";
            }
            continue;
        }
        if (session.awaitingAuth) {
            session.awaitingAuth = false;
            session.mail.authPlain = QByteArray::fromBase64(line);
            socket->write("235 2.7.0 authenticated\r\n");
            continue;
        }
        m_commands.append(line);
        const qsizetype space = line.indexOf(' ');
        const QByteArray verb = (space < 0 ? line : line.left(space)).toUpper();
        if (verb == "EHLO") {
            socket->write("250-localhost\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n");
        } else if (verb == "HELO") {
            socket->write("250 localhost\r\n");
        } else if (verb == "AUTH") {
            const QList<QByteArray> parts = line.split(' ');
            if (parts.value(1).toUpper() != "PLAIN") {
                socket->write("504 5.5.4 mechanism not supported\r\n");
            } else if (parts.size() > 2) {
                session.mail.authPlain = QByteArray::fromBase64(parts.at(2));
                socket->write("235 2.7.0 authenticated\r\n");
            } else {
                session.awaitingAuth = true;
                socket->write("334 \r\n");
            }
        } else if (verb == "MAIL") {
            session.mail.mailFrom = line.mid(line.indexOf(':') + 1).trimmed();
            socket->write("250 2.1.0 ok\r\n");
        } else if (verb == "RCPT") {
            session.mail.recipients.append(line.mid(line.indexOf(':') + 1).trimmed());
            socket->write("250 2.1.5 ok\r\n");
        } else if (verb == "DATA") {
            session.inData = true;
            socket->write("354 end with <CRLF>.<CRLF>\r\n");
        } else if (verb == "QUIT") {
            socket->write("221 2.0.0 bye\r\n");
            socket->disconnectFromHost();
            return;
        } else if (verb == "RSET" || verb == "NOOP") {
            socket->write("250 2.0.0 ok\r\n");
        } else {
            socket->write("502 5.5.2 not implemented\r\n");
        }
    }
}

} // namespace cortex::test
