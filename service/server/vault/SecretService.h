#pragma once

#include "crypto/SecureBytes.h"
#include "store/SecretRepository.h"

#include <QString>
#include <functional>
#include <optional>

#include "ServerFwd.h"

namespace cortex::vault {

class Vault;

// Versioned, envelope-encrypted secrets. Every value version has its own DEK; the body's AAD is
// namespace|key_path|version and the wrapped DEK's AAD is secret_versions|id|version|kek_version.
// Methods run inside the caller's transaction when there is one (transactions nest).
class SecretService
{
public:
    static constexpr qsizetype MaxValueBytes = 1024 * 1024;

    SecretService(store::Database &db, Vault &vault, const Clock &clock);

    struct NewSecret
    {
        QString ns = QStringLiteral("default");
        QString keyPath;
        QString secretType = QStringLiteral("KEY_VALUE");
        QString description;
        bool isHoneyToken = false;
    };
    // Validates names, type and value; creates the namespace if missing; version 1.
    // Throws ApiError (400 / 409 / 413).
    store::SecretRow create(const NewSecret &spec, const crypto::SecureBytes &value);
    // A new version with this value, which becomes current. Returns the new version number.
    int addVersion(const QString &id, const crypto::SecureBytes &value);
    // A new version holding the value of an older one.
    int rollback(const QString &id, int version);
    void setDescription(const QString &id, const QString &description);
    // Turns a secret into a decoy (or back): e.g. a key suspected leaked becomes a tripwire.
    void setHoneyToken(const QString &id, bool isHoneyToken);
    // Destroys the secret, all its versions and their DEKs; returns the number of versions.
    int destroy(const QString &id);

    struct Revealed
    {
        store::SecretRow meta;
        int version = 0;
        QString versionCreatedAt;
        crypto::SecureBytes value;
    };
    // Decrypts the current version, or the given one. 404 when either does not exist.
    // `precheck` runs on the metadata before anything is decrypted (e.g. to refuse decoys).
    Revealed reveal(const QString &id, std::optional<int> version = std::nullopt,
                    const std::function<void(const store::SecretRow &)> &precheck = {});
    // The same for a secret its caller has loaded already (e.g. with the project's grants):
    // `stored` holds the metadata and the envelope of `version` (current when nullopt).
    Revealed open(store::SecretRepository::Stored stored, std::optional<int> version = std::nullopt,
                  const std::function<void(const store::SecretRow &)> &precheck = {});

    store::SecretRow require(const QString &id);
    store::SecretRepository &repository() { return m_secrets; }

    static QByteArray bodyAad(const QString &ns, const QString &keyPath, int version);
    static QByteArray dekAad(const QString &secretId, int version, int kekVersion);
    static bool isValidSecretType(const QString &type);

private:
    void validateValue(const QString &secretType, const crypto::SecureBytes &value) const;
    void writeVersion(const store::SecretRow &meta, int version, const crypto::SecureBytes &value);

    store::Database &m_db;
    Vault &m_vault;
    const Clock &m_clock;
    store::SecretRepository m_secrets;
};

} // namespace cortex::vault
