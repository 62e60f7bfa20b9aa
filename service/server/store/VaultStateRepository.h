#pragma once

#include "crypto/Kdf.h"

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

struct VaultStateRow
{
    int kekVersion = 1;
    QByteArray keyCheck; // HMAC of a fixed label under the root KEK: proves an unwrapped key
    QString initializedAt;
};

struct PasswordKeyslotRow
{
    qint64 id = 0;
    crypto::KdfParams kdf;
    // X25519 public key of the Argon2id output; empty for a slot from before schema 7, whose
    // wrapped key is sealed under the Argon2id output itself (symmetric).
    QByteArray publicKey;
    QByteArray wrappedKey; // the root KEK, wrapped (crypto::keywrap) to publicKey
    int kekVersion = 1;
    QString createdAt;
};

struct ShareKeyslotRow
{
    qint64 id = 0;
    QByteArray keyId; // shares::keyIdOf(share key): what every share of the set carries
    int threshold = 0;
    int shareCount = 0;
    QByteArray publicKey; // X25519 public key of the share key
    QByteArray wrappedKey;
    int kekVersion = 1;
    QString createdAt;
};

// vault_state, keyslots and admin_tokens: what the vault needs before it is unsealed.
class VaultStateRepository
{
public:
    explicit VaultStateRepository(Database &db) : m_db(db) {}

    std::optional<VaultStateRow> state();
    void insertState(const VaultStateRow &row);

    void updateState(const VaultStateRow &row);

    std::vector<PasswordKeyslotRow> passwordKeyslots();
    int passwordKeyslotCount(); // without reading the slots (seal status, /health)
    qint64 insertPasswordKeyslot(const PasswordKeyslotRow &row);
    // Rewrites the slot's public key, wrapped key and KEK version (upgrade, rotation).
    void rewrapPasswordKeyslot(const PasswordKeyslotRow &row);

    std::optional<ShareKeyslotRow> shareKeyslot();
    // Replaces the share set, if any, with this one.
    void replaceShareKeyslot(const ShareKeyslotRow &row);
    void rewrapShareKeyslot(const ShareKeyslotRow &row);

    void deleteKeyslot(qint64 id);

    std::optional<QByteArray> adminTokenHash();
    void setAdminTokenHash(const QByteArray &hash, const QString &createdAt);

private:
    Database &m_db;
};

} // namespace cortex::store
