#include "vault/SecretService.h"

#include "Clock.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "protocol/AppendText.h"
#include "protocol/Names.h"
#include "store/Database.h"
#include "store/NamespaceRepository.h"
#include "store/Timestamps.h"
#include "vault/Envelope.h"
#include "vault/Vault.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSecrets, "cortex.secrets")

namespace cortex::vault {

using protocol::ApiError;

SecretService::SecretService(store::Database &db, Vault &vault, const Clock &clock)
    : m_db(db), m_vault(vault), m_clock(clock), m_secrets(db)
{}

QByteArray SecretService::bodyAad(const QString &ns, const QString &keyPath, int version)
{
    // '|' cannot occur in a namespace or key_path, so the encoding is unambiguous. Built in one
    // buffer, without temporaries: every fetch makes one per secret.
    QByteArray aad;
    aad.reserve(ns.size() + keyPath.size() + 16);
    protocol::appendUtf8(aad, ns);
    aad.append('|');
    protocol::appendUtf8(aad, keyPath);
    aad.append('|');
    protocol::appendDecimal(aad, version);
    return aad;
}

QByteArray SecretService::dekAad(const QString &secretId, int version, int kekVersion)
{
    QByteArray aad;
    aad.reserve(secretId.size() + 48);
    aad.append("secret_versions|");
    protocol::appendUtf8(aad, secretId);
    aad.append('|');
    protocol::appendDecimal(aad, version);
    aad.append('|');
    protocol::appendDecimal(aad, kekVersion);
    return aad;
}

bool SecretService::isValidSecretType(const QString &type)
{
    return type == u"KEY_VALUE" || type == u"JSON_CONFIG" || type == u"TEMPLATE_CONFIG";
}

void SecretService::validateValue(const QString &secretType, const crypto::SecureBytes &value) const
{
    if (qsizetype(value.size()) > MaxValueBytes)
        throw ApiError::payloadTooLarge(
            QStringLiteral("value_too_large"),
            QStringLiteral("a secret value may hold at most %1 bytes").arg(MaxValueBytes));
    if (secretType == u"JSON_CONFIG") {
        QJsonParseError error;
        const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char *>(value.data()),
                                                       qsizetype(value.size()));
        QJsonDocument::fromJson(raw, &error);
        if (error.error != QJsonParseError::NoError)
            throw ApiError::badRequest(QStringLiteral("invalid_value"),
                                       QStringLiteral("a JSON_CONFIG value must be valid JSON"));
    }
}

store::SecretRow SecretService::create(const NewSecret &spec, const crypto::SecureBytes &value)
{
    if (!protocol::isValidNamespaceName(spec.ns))
        throw ApiError::badRequest(QStringLiteral("invalid_namespace"),
                                   protocol::describeNamespaceRule());
    if (!protocol::isValidKeyPath(spec.keyPath))
        throw ApiError::badRequest(QStringLiteral("invalid_key_path"),
                                   protocol::describeKeyPathRule());
    if (!isValidSecretType(spec.secretType))
        throw ApiError::badRequest(
            QStringLiteral("invalid_secret_type"),
            QStringLiteral("secret_type must be KEY_VALUE, JSON_CONFIG or TEMPLATE_CONFIG"));
    validateValue(spec.secretType, value);
    m_vault.rootKey(); // sealed → 503 before anything is written

    store::Transaction tx(m_db);
    const QString now = store::timestamp(m_clock.now());
    if (auto existing = m_secrets.findByPath(spec.ns, spec.keyPath)) {
        throw ApiError::conflict(
            existing->isHoneyToken != spec.isHoneyToken ? QStringLiteral("honey_token_collision")
                                                        : QStringLiteral("secret_exists"),
            QStringLiteral("a secret with key_path '%1' already exists in namespace '%2'")
                .arg(spec.keyPath, spec.ns),
            {{QStringLiteral("id"), existing->id}});
    }
    store::NamespaceRepository(m_db).ensure(spec.ns, now);
    store::SecretRow row;
    row.id = crypto::randomToken(u"sec_", 16);
    row.ns = spec.ns;
    row.keyPath = spec.keyPath;
    row.secretType = spec.secretType;
    row.description = spec.description;
    row.isHoneyToken = spec.isHoneyToken;
    row.currentVersion = 1;
    row.createdAt = now;
    row.updatedAt = now;
    m_secrets.insert(row);
    writeVersion(row, 1, value);
    tx.commit();
    return row;
}

void SecretService::writeVersion(const store::SecretRow &meta, int version,
                                 const crypto::SecureBytes &value)
{
    const int kekVersion = m_vault.kekVersion();
    const Envelope envelope =
        sealEnvelope(m_vault.rootKey(), value.view(), bodyAad(meta.ns, meta.keyPath, version),
                     dekAad(meta.id, version, kekVersion));
    m_secrets.insertVersion({meta.id, version, envelope.ciphertext, envelope.wrappedDek, kekVersion,
                             store::timestamp(m_clock.now())});
}

store::SecretRow SecretService::require(const QString &id)
{
    std::optional<store::SecretRow> row = m_secrets.find(id);
    if (!row)
        throw ApiError::notFound(QStringLiteral("secret_not_found"),
                                 QStringLiteral("no secret with this id"));
    return *row;
}

int SecretService::addVersion(const QString &id, const crypto::SecureBytes &value)
{
    m_vault.rootKey();
    store::Transaction tx(m_db);
    const store::SecretRow meta = require(id);
    validateValue(meta.secretType, value);
    // current_version is always the highest: rollbacks append, they never rewind.
    const int next = meta.currentVersion + 1;
    writeVersion(meta, next, value);
    m_secrets.updateCurrentVersion(id, next, store::timestamp(m_clock.now()));
    tx.commit();
    return next;
}

int SecretService::rollback(const QString &id, int version)
{
    store::Transaction tx(m_db);
    Revealed old = reveal(id, version);
    const int next = addVersion(id, old.value);
    tx.commit();
    return next;
}

void SecretService::setDescription(const QString &id, const QString &description)
{
    store::Transaction tx(m_db);
    require(id);
    m_secrets.updateDescription(id, description, store::timestamp(m_clock.now()));
    tx.commit();
}

void SecretService::setHoneyToken(const QString &id, bool isHoneyToken)
{
    store::Transaction tx(m_db);
    require(id);
    m_secrets.updateHoneyToken(id, isHoneyToken, store::timestamp(m_clock.now()));
    tx.commit();
}

int SecretService::destroy(const QString &id)
{
    store::Transaction tx(m_db);
    require(id);
    const int destroyed = m_secrets.remove(id);
    tx.commit();
    m_db.checkpoint(); // no-op inside an outer transaction; the outer caller's commit stands
    return destroyed;
}

SecretService::Revealed
SecretService::reveal(const QString &id, std::optional<int> version,
                      const std::function<void(const store::SecretRow &)> &precheck)
{
    // Metadata and envelope in one statement; the checks in open() run in the same order as if
    // they were two (secret, precheck, version).
    std::optional<store::SecretRepository::Stored> stored = m_secrets.findWithVersion(id, version);
    if (!stored)
        throw ApiError::notFound(QStringLiteral("secret_not_found"),
                                 QStringLiteral("no secret with this id"));
    return open(std::move(*stored), version, precheck);
}

SecretService::Revealed
SecretService::open(store::SecretRepository::Stored stored, std::optional<int> version,
                    const std::function<void(const store::SecretRow &)> &precheck)
{
    const crypto::SecureBytes &root = m_vault.rootKey();
    Revealed result;
    result.meta = std::move(stored.meta);
    if (precheck)
        precheck(result.meta);
    result.version = version.value_or(result.meta.currentVersion);
    const std::optional<store::SecretVersionRow> &row = stored.version;
    if (!row)
        throw ApiError::notFound(
            QStringLiteral("version_not_found"),
            QStringLiteral("secret %1 has no version %2").arg(result.meta.id).arg(result.version));
    std::optional<crypto::SecureBytes> value =
        openEnvelope(root, {row->ciphertext, row->wrappedDek},
                     bodyAad(result.meta.ns, result.meta.keyPath, result.version),
                     dekAad(result.meta.id, result.version, row->kekVersion));
    if (!value) {
        // Tampering or a row moved between places: refuse, and leave a trace for the operator.
        qCCritical(lcSecrets).noquote()
            << "integrity check failed for" << result.meta.id << "version" << result.version;
        throw ApiError(500, QStringLiteral("integrity_error"),
                       QStringLiteral("the stored value failed its integrity check"));
    }
    result.value = std::move(*value);
    result.versionCreatedAt = row->createdAt;
    return result;
}

} // namespace cortex::vault
