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
    QByteArray wrappedKey; // root KEK sealed under the Argon2id-derived key
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

    std::vector<PasswordKeyslotRow> passwordKeyslots();
    qint64 insertPasswordKeyslot(const PasswordKeyslotRow &row);

    std::optional<QByteArray> adminTokenHash();
    void setAdminTokenHash(const QByteArray &hash, const QString &createdAt);

private:
    Database &m_db;
};

} // namespace cortex::store
