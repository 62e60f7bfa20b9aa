#pragma once

#include "access/AccessSettings.h"
#include "crypto/Ed25519.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <optional>

#include "ServerFwd.h"

namespace cortex::access {

// The server's Ed25519 signing keys (table server_keys). The seed is stored like any other key:
// envelope-encrypted under the root KEK, with AADs naming the row, so it exists in clear only
// in memory while the vault is unsealed. Public keys are stored in clear: the JWKS and token
// verification need no secret. kid = RFC 7638 thumbprint of the public key.
class ServerKeys
{
public:
    ServerKeys(store::Database &db, vault::Vault &vault, const Clock &clock,
               const AccessSettings &settings);
    ~ServerKeys();
    ServerKeys(const ServerKeys &) = delete;
    ServerKeys &operator=(const ServerKeys &) = delete;

    // A compact EdDSA JWT over the claims with the active key (created on first use if there
    // is none). Throws ApiError::sealed() while sealed.
    QByteArray sign(const QJsonObject &claims);

    struct DetachedSignature
    {
        QString kid;
        QByteArray signature; // 64 bytes Ed25519
    };
    // The kid of the active key (created on first use). Throws like sign().
    QString activeKid();
    // Signs raw bytes (audit checkpoints) with the active key. Throws like sign().
    DetachedSignature signDetached(QByteArrayView message);

    // Every key that ever signed (audit checkpoints outlive token lifetimes): for verifying
    // audit logs, online and offline.
    std::optional<QByteArray> publicKeyOfAnyAge(const QString &kid);
    QJsonObject jwksOfAllKeys();

    // The public key of an active key, or of a retired one whose tokens may still be valid.
    std::optional<QByteArray> publicKeyFor(const QString &kid, const QDateTime &now);

    // {"keys":[...]}: the active key first, then retired keys still within a token lifetime.
    QJsonObject jwks(const QDateTime &now);

    struct Rotated
    {
        QString kid;
        QString previousKid; // empty if there was no active key
    };
    // Retires the active key and makes a new one; tokens signed before keep verifying until
    // they expire. Throws ApiError::sealed() while sealed.
    Rotated rotate();

    // The AADs of a row's envelope; exposed for tests.
    static QByteArray bodyAad(const QString &kid);
    static QByteArray dekAad(const QString &kid, int kekVersion);

private:
    void onSealChanged(bool unsealed);
    void ensureLoaded(); // loads or creates the active key; needs the vault unsealed
    QString createActiveKey(const QDateTime &now);

    store::Database &m_db;
    vault::Vault &m_vault;
    const Clock &m_clock;
    const AccessSettings &m_settings;
    std::optional<crypto::SigningKey> m_key; // the active key, only while unsealed
    QString m_kid;
};

} // namespace cortex::access
