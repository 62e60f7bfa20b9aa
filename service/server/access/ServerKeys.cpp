#include "access/ServerKeys.h"

#include "Clock.h"
#include "crypto/Jwks.h"
#include "crypto/Jws.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "vault/Envelope.h"
#include "vault/Vault.h"

#include <QList>
#include <QLoggingCategory>
#include <QPair>

Q_LOGGING_CATEGORY(lcServerKeys, "cortex.server_keys")

namespace cortex::access {

namespace {
// Keys retired less than a token lifetime ago still verify (and are published): a token they
// signed may not have expired yet.
QString retiredCutoff(const QDateTime &now, const AccessSettings &settings)
{
    return store::timestamp(now.addSecs(-settings.tokenTtlSeconds));
}
} // namespace

ServerKeys::ServerKeys(store::Database &db, vault::Vault &vault, const Clock &clock,
                       const AccessSettings &settings)
    : m_db(db), m_vault(vault), m_clock(clock), m_settings(settings)
{
    m_vault.addSealListener(this, [this](bool unsealed) { onSealChanged(unsealed); });
}

ServerKeys::~ServerKeys()
{
    m_vault.removeSealListener(this);
}

QByteArray ServerKeys::bodyAad(const QString &kid)
{
    return "server_keys|" + kid.toUtf8();
}

QByteArray ServerKeys::dekAad(const QString &kid, int kekVersion)
{
    return bodyAad(kid) + '|' + QByteArray::number(kekVersion);
}

void ServerKeys::onSealChanged(bool unsealed)
{
    m_key.reset(); // SigningKey keeps its secret in secure memory, zeroised on destruction
    m_kid.clear();
    if (!unsealed)
        return;
    // Best effort: a failure here must not undo the unseal; sign() retries and reports it.
    try {
        ensureLoaded();
    } catch (const std::exception &e) {
        qCWarning(lcServerKeys) << "cannot load the server signing key:" << e.what();
    }
}

QString ServerKeys::createActiveKey(const QDateTime &now)
{
    const crypto::SigningKey key = crypto::SigningKey::generate();
    const QString kid = crypto::jws::keyIdFor(key.publicKey());
    const int kekVersion = m_vault.kekVersion();
    const crypto::SecureBytes seed = key.seed();
    const vault::Envelope envelope =
        vault::sealEnvelope(m_vault.rootKey(), seed.view(), bodyAad(kid), dekAad(kid, kekVersion));
    m_db.exec(QStringLiteral("INSERT INTO server_keys (kid, public_key, ciphertext, wrapped_dek,"
                             " kek_version, active, created_at, retired_at)"
                             " VALUES (?, ?, ?, ?, ?, 1, ?, NULL)"),
              {kid, key.publicKey(), envelope.ciphertext, envelope.wrappedDek, kekVersion,
               store::timestamp(now)});
    qCInfo(lcServerKeys).noquote() << "created server signing key" << kid;
    return kid;
}

void ServerKeys::ensureLoaded()
{
    if (m_key)
        return;
    const crypto::SecureBytes &root = m_vault.rootKey(); // throws sealed
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT kid, public_key, ciphertext, wrapped_dek, kek_version"
                       " FROM server_keys WHERE active = 1 ORDER BY created_at DESC LIMIT 1"));
    if (!q.next()) {
        store::Transaction tx(m_db);
        createActiveKey(m_clock.now());
        tx.commit();
        q = m_db.exec(
            QStringLiteral("SELECT kid, public_key, ciphertext, wrapped_dek, kek_version"
                           " FROM server_keys WHERE active = 1 ORDER BY created_at DESC LIMIT 1"));
        if (!q.next())
            throw store::StoreError("server_keys: the new signing key is not there");
    }
    const QString kid = q.value(0).toString();
    const vault::Envelope envelope{q.value(2).toByteArray(), q.value(3).toByteArray()};
    const int kekVersion = q.value(4).toInt();
    const std::optional<crypto::SecureBytes> seed =
        vault::openEnvelope(root, envelope, bodyAad(kid), dekAad(kid, kekVersion));
    if (!seed)
        throw store::StoreError("server_keys: a signing key does not open under the root KEK");
    std::optional<crypto::SigningKey> key = crypto::SigningKey::fromSeed(seed->view());
    // The stored public key must be the seed's: kid and JWKS are derived from it.
    if (!key || key->publicKey() != q.value(1).toByteArray())
        throw store::StoreError("server_keys: a signing key does not match its public key");
    m_key = std::move(key);
    m_kid = kid;
}

QByteArray ServerKeys::sign(const QJsonObject &claims)
{
    try {
        ensureLoaded();
    } catch (const store::StoreError &e) {
        qCWarning(lcServerKeys) << "cannot load the server signing key:" << e.what();
        throw protocol::ApiError::internal();
    }
    return crypto::jws::sign(*m_key, m_kid, claims);
}

QString ServerKeys::activeKid()
{
    try {
        ensureLoaded();
    } catch (const store::StoreError &e) {
        qCWarning(lcServerKeys) << "cannot load the server signing key:" << e.what();
        throw protocol::ApiError::internal();
    }
    return m_kid;
}

ServerKeys::DetachedSignature ServerKeys::signDetached(QByteArrayView message)
{
    try {
        ensureLoaded();
    } catch (const store::StoreError &e) {
        qCWarning(lcServerKeys) << "cannot load the server signing key:" << e.what();
        throw protocol::ApiError::internal();
    }
    return {m_kid, m_key->sign(message)};
}

std::optional<QByteArray> ServerKeys::publicKeyOfAnyAge(const QString &kid)
{
    QSqlQuery q =
        m_db.exec(QStringLiteral("SELECT public_key FROM server_keys WHERE kid = ?"), {kid});
    if (!q.next())
        return std::nullopt;
    return q.value(0).toByteArray();
}

QJsonObject ServerKeys::jwksOfAllKeys()
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT kid, public_key FROM server_keys"
                                           " ORDER BY active DESC, created_at DESC"));
    QList<QPair<QString, QByteArray>> keys;
    while (q.next())
        keys.append({q.value(0).toString(), q.value(1).toByteArray()});
    return crypto::jws::jwksDocument(keys);
}

std::optional<QByteArray> ServerKeys::publicKeyFor(const QString &kid, const QDateTime &now)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT public_key FROM server_keys WHERE kid = ?"
                                           " AND (active = 1 OR retired_at > ?)"),
                            {kid, retiredCutoff(now, m_settings)});
    if (!q.next())
        return std::nullopt;
    return q.value(0).toByteArray();
}

QJsonObject ServerKeys::jwks(const QDateTime &now)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT kid, public_key FROM server_keys"
                                           " WHERE active = 1 OR retired_at > ?"
                                           " ORDER BY active DESC, created_at DESC"),
                            {retiredCutoff(now, m_settings)});
    QList<QPair<QString, QByteArray>> keys;
    while (q.next())
        keys.append({q.value(0).toString(), q.value(1).toByteArray()});
    return crypto::jws::jwksDocument(keys);
}

ServerKeys::Rotated ServerKeys::rotate()
{
    m_vault.rootKey(); // throws sealed before anything changes
    const QDateTime now = m_clock.now();
    Rotated rotated;
    store::Transaction tx(m_db);
    QSqlQuery q = m_db.exec(QStringLiteral(
        "SELECT kid FROM server_keys WHERE active = 1 ORDER BY created_at DESC LIMIT 1"));
    if (q.next())
        rotated.previousKid = q.value(0).toString();
    // Keys retired more than a token lifetime ago verify nothing any more: their wrapped seeds
    // go (and, through the checkpoint, every older copy of their pages).
    m_db.exec(QStringLiteral("DELETE FROM server_keys WHERE active = 0 AND retired_at <= ?"),
              {retiredCutoff(now, m_settings)});
    m_db.exec(QStringLiteral("UPDATE server_keys SET active = 0, retired_at = ? WHERE active = 1"),
              {store::timestamp(now)});
    rotated.kid = createActiveKey(now);
    tx.commit();
    m_db.checkpoint();
    // Loaded again on next use: the caller's transaction may still roll the rotation back.
    m_key.reset();
    m_kid.clear();
    qCInfo(lcServerKeys).noquote()
        << "rotated server signing key" << rotated.previousKid << "->" << rotated.kid;
    return rotated;
}

} // namespace cortex::access
