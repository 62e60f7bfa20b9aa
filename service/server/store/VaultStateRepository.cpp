#include "store/VaultStateRepository.h"

#include "store/Database.h"

namespace cortex::store {

std::optional<VaultStateRow> VaultStateRepository::state()
{
    QSqlQuery q = m_db.exec(QStringLiteral(
        "SELECT kek_version, key_check, initialized_at FROM vault_state WHERE id = 1"));
    if (!q.next())
        return std::nullopt;
    return VaultStateRow{q.value(0).toInt(), q.value(1).toByteArray(), q.value(2).toString()};
}

void VaultStateRepository::insertState(const VaultStateRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO vault_state (id, kek_version, key_check, initialized_at)"
                             " VALUES (1, ?, ?, ?)"),
              {row.kekVersion, row.keyCheck, row.initializedAt});
}

void VaultStateRepository::updateState(const VaultStateRow &row)
{
    m_db.exec(QStringLiteral("UPDATE vault_state SET kek_version = ?, key_check = ? WHERE id = 1"),
              {row.kekVersion, row.keyCheck});
}

std::vector<PasswordKeyslotRow> VaultStateRepository::passwordKeyslots()
{
    QSqlQuery q = m_db.exec(QStringLiteral(
        "SELECT id, kdf_algorithm, kdf_opslimit, kdf_memlimit, kdf_salt, public_key, wrapped_key,"
        " kek_version, created_at FROM keyslots WHERE kind = 'password' ORDER BY id"));
    std::vector<PasswordKeyslotRow> rows;
    while (q.next()) {
        PasswordKeyslotRow row;
        row.id = q.value(0).toLongLong();
        row.kdf.algorithm = q.value(1).toString();
        row.kdf.opslimit = q.value(2).toULongLong();
        row.kdf.memlimit = q.value(3).toULongLong();
        row.kdf.salt = q.value(4).toByteArray();
        row.publicKey = q.value(5).toByteArray();
        row.wrappedKey = q.value(6).toByteArray();
        row.kekVersion = q.value(7).toInt();
        row.createdAt = q.value(8).toString();
        rows.push_back(std::move(row));
    }
    return rows;
}

int VaultStateRepository::passwordKeyslotCount()
{
    QSqlQuery q =
        m_db.exec(QStringLiteral("SELECT COUNT(*) FROM keyslots WHERE kind = 'password'"));
    return q.next() ? q.value(0).toInt() : 0;
}

qint64 VaultStateRepository::insertPasswordKeyslot(const PasswordKeyslotRow &row)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("INSERT INTO keyslots (kind, kdf_algorithm, kdf_opslimit, kdf_memlimit,"
                       " kdf_salt, public_key, wrapped_key, kek_version, created_at)"
                       " VALUES ('password', ?, ?, ?, ?, ?, ?, ?, ?)"),
        {row.kdf.algorithm, qint64(row.kdf.opslimit), qint64(row.kdf.memlimit), row.kdf.salt,
         row.publicKey, row.wrappedKey, row.kekVersion, row.createdAt});
    return q.lastInsertId().toLongLong();
}

void VaultStateRepository::rewrapPasswordKeyslot(const PasswordKeyslotRow &row)
{
    m_db.exec(QStringLiteral("UPDATE keyslots SET public_key = ?, wrapped_key = ?, kek_version = ?"
                             " WHERE id = ? AND kind = 'password'"),
              {row.publicKey, row.wrappedKey, row.kekVersion, row.id});
}

std::optional<ShareKeyslotRow> VaultStateRepository::shareKeyslot()
{
    QSqlQuery q = m_db.exec(QStringLiteral(
        "SELECT id, share_key_id, share_threshold, share_count, public_key, wrapped_key,"
        " kek_version, created_at FROM keyslots WHERE kind = 'shares'"));
    if (!q.next())
        return std::nullopt;
    ShareKeyslotRow row;
    row.id = q.value(0).toLongLong();
    row.keyId = q.value(1).toByteArray();
    row.threshold = q.value(2).toInt();
    row.shareCount = q.value(3).toInt();
    row.publicKey = q.value(4).toByteArray();
    row.wrappedKey = q.value(5).toByteArray();
    row.kekVersion = q.value(6).toInt();
    row.createdAt = q.value(7).toString();
    return row;
}

void VaultStateRepository::replaceShareKeyslot(const ShareKeyslotRow &row)
{
    m_db.exec(QStringLiteral("DELETE FROM keyslots WHERE kind = 'shares'"));
    m_db.exec(QStringLiteral("INSERT INTO keyslots (kind, share_key_id, share_threshold,"
                             " share_count, public_key, wrapped_key, kek_version, created_at)"
                             " VALUES ('shares', ?, ?, ?, ?, ?, ?, ?)"),
              {row.keyId, row.threshold, row.shareCount, row.publicKey, row.wrappedKey,
               row.kekVersion, row.createdAt});
}

void VaultStateRepository::rewrapShareKeyslot(const ShareKeyslotRow &row)
{
    m_db.exec(QStringLiteral("UPDATE keyslots SET wrapped_key = ?, kek_version = ?"
                             " WHERE id = ? AND kind = 'shares'"),
              {row.wrappedKey, row.kekVersion, row.id});
}

void VaultStateRepository::deleteKeyslot(qint64 id)
{
    m_db.exec(QStringLiteral("DELETE FROM keyslots WHERE id = ?"), {id});
}

std::optional<QByteArray> VaultStateRepository::adminTokenHash()
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT token_hash FROM admin_tokens WHERE id = 1"));
    if (!q.next())
        return std::nullopt;
    return q.value(0).toByteArray();
}

void VaultStateRepository::setAdminTokenHash(const QByteArray &hash, const QString &createdAt)
{
    m_db.exec(QStringLiteral("DELETE FROM admin_tokens WHERE id = 1"));
    m_db.exec(
        QStringLiteral("INSERT INTO admin_tokens (id, token_hash, created_at) VALUES (1, ?, ?)"),
        {hash, createdAt});
}

} // namespace cortex::store
