#pragma once

// Agent-side helpers for the agent-access service tests: an Ed25519 agent that signs its
// discover proofs exactly as an agent host must, and admin shortcuts for secrets and grants.

#include "ServiceFixture.h"
#include "crypto/Base64Url.h"
#include "crypto/Ed25519.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QTest>

namespace cortex::test {

struct TestAgent
{
    QString id;
    crypto::SigningKey key = crypto::SigningKey::generate();

    QString pub() const { return QString::fromLatin1(crypto::base64UrlEncode(key.publicKey())); }

    // The proof over "{ts}|{nonce}|{agent_id}|/agent/discover", base64url.
    QString proof(qint64 ts, const QString &nonce) const
    {
        const QByteArray message =
            QByteArray::number(ts) + '|' + nonce.toUtf8() + '|' + id.toUtf8() + "|/agent/discover";
        return QString::fromLatin1(crypto::base64UrlEncode(key.sign(message)));
    }

    QJsonObject discoverBody(qint64 ts, const QString &nonce, const QString &project,
                             const QString &fileContent) const
    {
        return {{QStringLiteral("agent_id"), id},
                {QStringLiteral("ts"), ts},
                {QStringLiteral("nonce"), nonce},
                {QStringLiteral("auth_proof"), proof(ts, nonce)},
                {QStringLiteral("context"),
                 QJsonObject{{QStringLiteral("project_name"), project},
                             {QStringLiteral("file_content"), fileContent}}}};
    }
};

// Drives agent access against one TestServer.
class AccessDriver
{
public:
    explicit AccessDriver(TestServer &server) : m_server(server) {}

    HttpClient &http() { return m_server.http(); }
    qint64 now() const { return m_server.clock().now().toSecsSinceEpoch(); }

    HttpReply registerAgent(const TestAgent &agent, const QString &ns = QStringLiteral("default"))
    {
        return http().post(QStringLiteral("/admin/agents"),
                           {{QStringLiteral("agent_id"), agent.id},
                            {QStringLiteral("agent_pub"), agent.pub()},
                            {QStringLiteral("namespace"), ns}});
    }

    // Creates a KEY_VALUE secret; returns its id (empty on failure).
    QString createSecret(const QString &keyPath, const QString &value,
                         const QString &ns = QStringLiteral("default"))
    {
        const HttpReply r =
            http().post(QStringLiteral("/admin/secrets"), {{QStringLiteral("key_path"), keyPath},
                                                           {QStringLiteral("value"), value},
                                                           {QStringLiteral("namespace"), ns}});
        if (r.status != 201)
            qWarning("secret creation failed: %s", r.describe().constData());
        return r.object().value(QStringLiteral("id")).toString();
    }

    // Grants a secret to a project; returns the grant id (empty on failure).
    QString grant(const QString &project, const QString &secretId, const QString &env = {})
    {
        QJsonObject body{{QStringLiteral("secret_id"), secretId}};
        if (!env.isEmpty())
            body.insert(QStringLiteral("env_var_name"), env);
        const HttpReply r =
            http().post(QStringLiteral("/admin/projects/%1/grants").arg(project), body);
        if (r.status != 201)
            qWarning("grant failed: %s", r.describe().constData());
        return r.object().value(QStringLiteral("id")).toString();
    }

    // A discover with a fresh nonce and the current time.
    HttpReply discover(const TestAgent &agent, const QString &project, const QString &fileContent,
                       const QJsonObject &extra = {})
    {
        QJsonObject body = agent.discoverBody(now(), nextNonce(), project, fileContent);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body.insert(it.key(), it.value());
        return http().post(QStringLiteral("/agent/discover"), body, HttpClient::Auth::None);
    }

    HttpReply approve(const QString &grantId, const std::optional<QStringList> &keys = {})
    {
        QJsonObject body;
        if (keys)
            body.insert(QStringLiteral("approved_keys"), QJsonArray::fromStringList(*keys));
        return http().post(QStringLiteral("/admin/pending-grants/%1/approve").arg(grantId), body);
    }

    // discover → 403 pending_approval → approve (all, or `keys`) → discover → the 200 reply.
    HttpReply discoverApproved(const TestAgent &agent, const QString &project,
                               const QString &fileContent,
                               const std::optional<QStringList> &keys = {})
    {
        const HttpReply first = discover(agent, project, fileContent);
        if (first.status != 403 || first.errorCode() != u"pending_approval") {
            qWarning("expected pending_approval, got %s", first.describe().constData());
            return first;
        }
        const QString grantId = first.object()
                                    .value(QStringLiteral("details"))
                                    .toObject()
                                    .value(QStringLiteral("grant_id"))
                                    .toString();
        const HttpReply approved = approve(grantId, keys);
        if (approved.status != 200)
            qWarning("approval failed: %s", approved.describe().constData());
        return discover(agent, project, fileContent);
    }

    HttpReply fetch(const QString &project, const QString &token)
    {
        return http().send("GET", QStringLiteral("/project/secrets/%1").arg(project), {},
                           HttpClient::Auth::None,
                           {{QByteArrayLiteral("Authorization"), "Bearer " + token.toLatin1()}});
    }

    QString nextNonce() { return QStringLiteral("nonce-%1").arg(++m_nonce); }

private:
    TestServer &m_server;
    int m_nonce = 0;
};

inline QString grantIdOf(const HttpReply &r)
{
    return r.object()
        .value(QStringLiteral("details"))
        .toObject()
        .value(QStringLiteral("grant_id"))
        .toString();
}

inline QString tokenOf(const HttpReply &r)
{
    return r.object().value(QStringLiteral("project_token")).toString();
}

inline QJsonObject envOf(const HttpReply &r)
{
    return r.object().value(QStringLiteral("env_vars")).toObject();
}

} // namespace cortex::test
