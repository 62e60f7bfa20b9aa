#pragma once

// Loopback stand-ins for the far ends of notification channels: an HTTP/1.1 receiver that
// records every request and answers with a configurable status, and an SMTP relay that speaks
// enough ESMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) for libcurl, without STARTTLS. Both
// listen on 127.0.0.1 with a free port and run in the test's thread (the event loop must spin).

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTcpServer>

class QTcpSocket;

namespace cortex::test {

class HttpReceiver : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // path and query as sent
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;

        QByteArray header(QByteArrayView name) const; // case-insensitive; empty when absent
        QJsonObject json() const;                     // empty unless the body is an object
    };

    explicit HttpReceiver(QObject *parent = nullptr);
    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    // "http://127.0.0.1:PORT" + path
    QString url(const QString &path) const;

    // Statuses to answer for requests to `path`, in order; once used up, the default (200).
    void setStatuses(const QString &path, const QList<int> &statuses);
    void setDefaultStatus(const QString &path, int status);

    QList<Request> requests() const { return m_requests; }
    // Requests whose target (without query) is exactly `path`.
    QList<Request> requestsTo(const QString &path) const;
    void clear();

private:
    void onReadyRead(QTcpSocket *socket);
    int statusFor(const QString &path);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Request> m_requests;
    QHash<QString, QList<int>> m_statuses;
    QHash<QString, int> m_defaults;
};

class SmtpReceiver : public QObject
{
    Q_OBJECT
public:
    struct Mail
    {
        QByteArray mailFrom;          // the MAIL FROM argument, e.g. "<a@b>"
        QList<QByteArray> recipients; // RCPT TO arguments
        QByteArray authPlain;         // decoded AUTH PLAIN response ("\0user\0password")
        QByteArray data;              // the message as received, dot-stuffing undone
    };

    explicit SmtpReceiver(QObject *parent = nullptr);
    bool listen();
    quint16 port() const { return m_server.serverPort(); }

    QList<Mail> mails() const { return m_mails; }
    // Every command line received (for "nothing was sent" checks).
    QList<QByteArray> commands() const { return m_commands; }
    int connections() const { return m_connections; }

private:
    struct Session
    {
        QByteArray buffer;
        bool inData = false;
        bool awaitingAuth = false;
        Mail mail;
    };
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, Session> m_sessions;
    QList<Mail> m_mails;
    QList<QByteArray> m_commands;
    int m_connections = 0;
};

} // namespace cortex::test
