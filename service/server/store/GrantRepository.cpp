#include "store/GrantRepository.h"

#include "store/Database.h"

namespace cortex::store {

namespace {
const QString Select = QStringLiteral(
    "SELECT g.id, g.project_name, g.secret_id, g.env_var_name, g.granted_by, g.granted_at,"
    " s.key_path, s.namespace, s.is_honey_token FROM project_grants g JOIN secrets s ON s.id = "
    "g.secret_id");

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> GrantRow rowFrom(Query &q)
{
    return {q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
            q.value(3).toString(), q.value(4).toString(), q.value(5).toString(),
            q.value(6).toString(), q.value(7).toString(), q.value(8).toBool()};
}

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> std::vector<GrantRow> all(Query &q)
{
    std::vector<GrantRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}
} // namespace

std::vector<GrantRow> GrantRepository::forProject(const QString &projectName)
{
    static const QString sql =
        Select + QStringLiteral(" WHERE g.project_name = ? ORDER BY g.granted_at DESC, g.id");
    Database::CachedQuery q = m_db.cached(sql, {projectName});
    return all(q);
}

std::optional<GrantRow> GrantRepository::find(const QString &projectName, const QString &grantId)
{
    QSqlQuery q = m_db.exec(Select + QStringLiteral(" WHERE g.project_name = ? AND g.id = ?"),
                            {projectName, grantId});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

std::optional<GrantRow> GrantRepository::findForSecret(const QString &projectName,
                                                       const QString &secretId)
{
    QSqlQuery q =
        m_db.exec(Select + QStringLiteral(" WHERE g.project_name = ? AND g.secret_id = ?"),
                  {projectName, secretId});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

void GrantRepository::insert(const GrantRow &row)
{
    m_db.exec(
        QStringLiteral("INSERT INTO project_grants (id, project_name, secret_id,"
                       " env_var_name, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?)"),
        {row.id, row.projectName, row.secretId, row.envVarName, row.grantedBy, row.grantedAt});
}

void GrantRepository::remove(const QString &grantId)
{
    m_db.execOne(QStringLiteral("DELETE FROM project_grants WHERE id = ?"), {grantId});
}

} // namespace cortex::store
