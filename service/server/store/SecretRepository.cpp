#include "store/SecretRepository.h"

#include "store/Database.h"

namespace cortex::store {

namespace {
const QString SecretColumns = QStringLiteral(
    "id, namespace, key_path, secret_type, description, is_honey_token, current_version,"
    " created_at, updated_at");
}

template <typename Query> SecretRow SecretRepository::rowFrom(Query &q)
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
    static const QString sql =
        QStringLiteral("SELECT %1 FROM secrets WHERE id = ?").arg(SecretColumns);
    Database::CachedQuery q = m_db.cached(sql, {id});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

std::optional<SecretRow> SecretRepository::findByPath(const QString &ns, const QString &keyPath)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM secrets WHERE namespace = ? AND key_path = ?")
            .arg(SecretColumns);
    Database::CachedQuery q = m_db.cached(sql, {ns, keyPath});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

namespace {
// The metadata and one version's envelope (the v.* columns NULL when it is missing).
const QString StoredColumns =
    QStringLiteral("s.id, s.namespace, s.key_path, s.secret_type, s.description, s.is_honey_token,"
                   " s.current_version, s.created_at, s.updated_at,"
                   " v.version, v.ciphertext, v.wrapped_dek, v.kek_version, v.created_at");
constexpr int StoredColumnCount = 14;
} // namespace

SecretRepository::Stored SecretRepository::storedFrom(Database::CachedQuery &q)
{
    Stored stored{rowFrom(q), std::nullopt};
    if (!q.value(9).isNull())
        stored.version = SecretVersionRow{stored.meta.id,
                                          q.value(9).toInt(),
                                          q.value(10).toByteArray(),
                                          q.value(11).toByteArray(),
                                          q.value(12).toInt(),
                                          q.value(13).toString()};
    return stored;
}

std::optional<SecretRepository::Stored>
SecretRepository::findWithVersion(const QString &id, std::optional<int> version)
{
    // One statement for what a read needs: the metadata and the version's envelope (the
    // current one unless asked otherwise).
    static const QString sql =
        QStringLiteral("SELECT %1 FROM secrets s LEFT JOIN secret_versions v"
                       " ON v.secret_id = s.id AND v.version = COALESCE(?, s.current_version)"
                       " WHERE s.id = ?")
            .arg(StoredColumns);
    Database::CachedQuery q = m_db.cached(sql, {version ? QVariant(*version) : QVariant(), id});
    if (!q.next())
        return std::nullopt;
    return storedFrom(q);
}

std::vector<SecretRepository::Granted>
SecretRepository::grantedToProject(const QString &projectName)
{
    // What every agent fetch reads: the grants, their secrets and current envelopes at once.
    static const QString sql =
        QStringLiteral(
            "SELECT %1, g.env_var_name FROM project_grants g JOIN secrets s ON s.id = g.secret_id"
            " LEFT JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.current_version"
            " WHERE g.project_name = ? ORDER BY g.granted_at DESC, g.id")
            .arg(StoredColumns);
    Database::CachedQuery q = m_db.cached(sql, {projectName});
    std::vector<Granted> granted;
    while (q.next()) {
        Stored stored = storedFrom(q);
        granted.push_back({q.value(StoredColumnCount).toString(), std::move(stored)});
    }
    return granted;
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

void SecretRepository::updateCurrentVersion(const QString &id, int version,
                                            const QString &updatedAt)
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

void SecretRepository::updateHoneyToken(const QString &id, bool isHoneyToken,
                                        const QString &updatedAt)
{
    m_db.execOne(
        QStringLiteral("UPDATE secrets SET is_honey_token = ?, updated_at = ? WHERE id = ?"),
        {isHoneyToken ? 1 : 0, updatedAt, id});
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
    m_db.exec(
        QStringLiteral("INSERT INTO secret_versions (secret_id, version, ciphertext,"
                       " wrapped_dek, kek_version, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
        {row.secretId, row.version, row.ciphertext, row.wrappedDek, row.kekVersion, row.createdAt});
}

std::optional<SecretVersionRow> SecretRepository::version(const QString &id, int version)
{
    Database::CachedQuery q = m_db.cached(
        QStringLiteral("SELECT secret_id, version, ciphertext, wrapped_dek, kek_version, created_at"
                       " FROM secret_versions WHERE secret_id = ? AND version = ?"),
        {id, version});
    if (!q.next())
        return std::nullopt;
    return SecretVersionRow{q.value(0).toString(),    q.value(1).toInt(), q.value(2).toByteArray(),
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
        rows.push_back({q.value(0).toString(),
                        q.value(1).toInt(),
                        {},
                        {},
                        q.value(2).toInt(),
                        q.value(3).toString()});
    return rows;
}

} // namespace cortex::store
