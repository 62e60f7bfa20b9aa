#include "store/SecretRepository.h"

#include "store/Database.h"

namespace cortex::store {

namespace {
const QString SecretColumns = QStringLiteral(
    "id, namespace, key_path, secret_type, description, is_honey_token, current_version,"
    " created_at, updated_at");
}

SecretRow SecretRepository::rowFrom(QSqlQuery &q)
{
    SecretRow row;
    row.id = q.value(0).toString();
    row.ns = q.value(1).toString();
    row.keyPath = q.value(2).toString();
    row.secretType = q.value(3).toString();
    row.description = q.value(4).toString();
    row.isHoneyToken = q.value(5).toInt() != 0;
    row.currentVersion = q.value(6).toInt();
    row.createdAt = q.value(7).toString();
    row.updatedAt = q.value(8).toString();
    return row;
}

std::optional<SecretRow> SecretRepository::find(const QString &id)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM secrets WHERE id = ?").arg(SecretColumns),
                            {id});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

std::optional<SecretRow> SecretRepository::findByPath(const QString &ns, const QString &keyPath)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT %1 FROM secrets WHERE namespace = ? AND key_path = ?").arg(SecretColumns),
        {ns, keyPath});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

std::vector<SecretRow> SecretRepository::list(const std::optional<QString> &ns,
                                               const std::optional<QString> &prefix)
{
    QString sql = QStringLiteral("SELECT %1 FROM secrets WHERE 1 = 1").arg(SecretColumns);
    QVariantList values;
    if (ns) {
        sql += QStringLiteral(" AND namespace = ?");
        values << *ns;
    }
    if (prefix && !prefix->isEmpty()) {
        // substr() instead of LIKE: no wildcard escaping, same meaning on every backend.
        const QString below = prefix->endsWith(u'/') ? *prefix : *prefix + u'/';
        sql += QStringLiteral(" AND (key_path = ? OR substr(key_path, 1, ?) = ?)");
        values << *prefix << below.size() << below;
    }
    sql += QStringLiteral(" ORDER BY namespace, key_path");
    QSqlQuery q = m_db.exec(sql, values);
    std::vector<SecretRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}

void SecretRepository::insert(const SecretRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO secrets (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                  .arg(SecretColumns),
              {row.id, row.ns, row.keyPath, row.secretType, textOrEmpty(row.description),
               row.isHoneyToken ? 1 : 0, row.currentVersion, row.createdAt, row.updatedAt});
}

void SecretRepository::updateCurrentVersion(const QString &id, int version, const QString &updatedAt)
{
    m_db.execOne(
        QStringLiteral("UPDATE secrets SET current_version = ?, updated_at = ? WHERE id = ?"),
        {version, updatedAt, id});
}

void SecretRepository::updateDescription(const QString &id, const QString &description,
                                         const QString &updatedAt)
{
    m_db.execOne(QStringLiteral("UPDATE secrets SET description = ?, updated_at = ? WHERE id = ?"),
                 {textOrEmpty(description), updatedAt, id});
}

int SecretRepository::remove(const QString &id)
{
    // Versions first and explicitly (not only by cascade) so the count is exact.
    QSqlQuery versions =
        m_db.exec(QStringLiteral("DELETE FROM secret_versions WHERE secret_id = ?"), {id});
    const int destroyed = versions.numRowsAffected();
    m_db.execOne(QStringLiteral("DELETE FROM secrets WHERE id = ?"), {id});
    return destroyed;
}

void SecretRepository::insertVersion(const SecretVersionRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO secret_versions (secret_id, version, ciphertext,"
                             " wrapped_dek, kek_version, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
              {row.secretId, row.version, row.ciphertext, row.wrappedDek, row.kekVersion,
               row.createdAt});
}

std::optional<SecretVersionRow> SecretRepository::version(const QString &id, int version)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT secret_id, version, ciphertext, wrapped_dek, kek_version, created_at"
                       " FROM secret_versions WHERE secret_id = ? AND version = ?"),
        {id, version});
    if (!q.next())
        return std::nullopt;
    return SecretVersionRow{q.value(0).toString(), q.value(1).toInt(), q.value(2).toByteArray(),
                            q.value(3).toByteArray(), q.value(4).toInt(), q.value(5).toString()};
}

std::vector<SecretVersionRow> SecretRepository::versions(const QString &id)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT secret_id, version, kek_version, created_at"
                                           " FROM secret_versions WHERE secret_id = ?"
                                           " ORDER BY version DESC"),
                            {id});
    std::vector<SecretVersionRow> rows;
    while (q.next())
        rows.push_back({q.value(0).toString(), q.value(1).toInt(), {}, {}, q.value(2).toInt(),
                        q.value(3).toString()});
    return rows;
}

} // namespace cortex::store
