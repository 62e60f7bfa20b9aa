#pragma once

#include "Clock.h"
#include "access/AccessSettings.h"
#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"
#include "http/HttpLimits.h"
#include "http/Router.h"
#include "vault/Rekey.h"
#include "vault/ShareUnseal.h"
#include "vault/Vault.h"

#include <QObject>
#include <QSslConfiguration>
#include <QTimer>
#include <memory>
#include <optional>

#include "ServerFwd.h"

namespace cortex::http {
class HttpServer;
}
namespace cortex::access {
class AgentDiscovery;
class RequestThrottle;
class ProjectTokens;
class ServerKeys;
class HoneyTokenAlarm;
} // namespace cortex::access

namespace cortex::protocol {
struct ApiError;
}

namespace cortex {

// The composition root of the service: store, vault, API routes and the HTTP adapter. Tests
// build one directly (a temp data dir, port 0); main.cpp builds one from ServerOptions.
class VaultServer : public QObject
{
    Q_OBJECT
public:
    // Opens (creating) the store in dataDir, which is created with mode 0700 if missing.
    // Throws store::StoreError.
    VaultServer(const QString &dataDir, const Clock &clock, http::HttpLimits limits = {},
                QObject *parent = nullptr);
    ~VaultServer() override;

    bool isInitialized();
    vault::Vault &vault() { return *m_vault; }
    audit::AuditLog &auditLog() { return *m_audit; }

    // Records the seal in the audit log, signs a checkpoint for it and seals. Used by
    // /sys/seal, shutdown and the destructor.
    void sealAndRecord(const http::HttpRequest *request);

    // Initialises the vault with a password keyslot, unsealed. The admin token is the one
    // whose hash (api::AdminAuth::tokenHash) is given, or a generated one that is returned (and
    // never stored in the clear); empty when a hash was given.
    QByteArray initialize(const crypto::SecureBytes &password, crypto::KdfProfile profile,
                          std::optional<QByteArray> adminTokenHash = std::nullopt);
    vault::Vault::UnsealResult unseal(const crypto::SecureBytes &password);
    // Share-by-share unseal, shared by POST /sys/unseal, --share-file and the terminal.
    vault::ShareUnseal &shareUnseal() { return *m_shareUnseal; }
    api::AdminAuth &adminAuth() { return *m_adminAuth; }
    // The Argon2id profile of keyslots made later through the API (/sys/init, password change).
    void setKdfProfile(crypto::KdfProfile profile) { m_kdfProfile = profile; }

    bool listen(const QHostAddress &address, quint16 port, std::optional<QSslConfiguration> tls,
                QString *error);
    quint16 port() const;
    // "http://HOST:PORT" or "https://HOST:PORT", IPv6 hosts in brackets.
    QString url() const;
    QString dataDir() const { return m_dataDir; }
    const http::Router &router() const { return m_router; }

    // A fresh admin token: "cvadm_" + 32 random bytes, base64url.
    static QByteArray generateAdminToken();

private:
    http::HttpResponse gate(const http::Route &route, http::HttpRequest &request);
    http::HttpResponse runAudited(const http::Route &route, http::HttpRequest &request);
    void recordRefusal(const QString &action, http::HttpRequest &request,
                       const protocol::ApiError *refusal);

    QString m_dataDir;
    const Clock &m_clock;
    http::HttpLimits m_limits;
    std::unique_ptr<store::Database> m_db;
    // The event loop's turns, which the store's group commit follows (disconnected first thing
    // on destruction: the store goes before QObject's own disconnection).
    QMetaObject::Connection m_loopAwake;
    QMetaObject::Connection m_loopIdle;
    std::unique_ptr<vault::Vault> m_vault;
    std::unique_ptr<vault::SecretService> m_secrets;
    std::unique_ptr<api::AdminAuth> m_adminAuth;
    access::AccessSettings m_accessSettings;
    std::unique_ptr<access::ServerKeys> m_serverKeys;
    std::unique_ptr<access::ProjectTokens> m_projectTokens;
    std::unique_ptr<access::AgentDiscovery> m_discovery;
    std::unique_ptr<access::RequestThrottle> m_throttle;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<notify::Notifier> m_notifier;
    std::unique_ptr<access::HoneyTokenAlarm> m_honey;
    std::unique_ptr<vault::ShareUnseal> m_shareUnseal;
    std::unique_ptr<vault::Rekey> m_rekey;
    crypto::KdfProfile m_kdfProfile = crypto::KdfProfile::Moderate;
    QTimer m_pruneTimer;
    std::unique_ptr<api::PasswordWork> m_passwordWork; // before m_context: handlers use it
    std::unique_ptr<api::ApiContext> m_context;
    http::Router m_router;
    http::HttpServer *m_http = nullptr; // child QObject
};

} // namespace cortex
