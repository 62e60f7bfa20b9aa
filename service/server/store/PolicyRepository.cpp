#include "store/PolicyRepository.h"

#include "store/Database.h"
#include "store/KeyList.h"

namespace cortex::store {

namespace {
const QString Columns =
    QStringLiteral("id, policy_name, agent_pattern, allowed_paths, denied_paths, created_at");

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> PolicyRow rowFrom(Query &q)
{
    return {q.value(0).toString(),
            q.value(1).toString(),
            q.value(2).toString(),
            keyListFromText(q.value(3).toString()),
            keyListFromText(q.value(4).toString()),
            q.value(5).toString()};
}
} // namespace

std::vector<PolicyRow> PolicyRepository::list()
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM policies ORDER BY created_at, policy_name").arg(Columns);
    Database::CachedQuery q = m_db.cached(sql);
    std::vector<PolicyRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}

std::optional<PolicyRow> PolicyRepository::findByName(const QString &policyName)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT %1 FROM policies WHERE policy_name = ?").arg(Columns), {policyName});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

void PolicyRepository::insert(const PolicyRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO policies (%1) VALUES (?, ?, ?, ?, ?, ?)").arg(Columns),
              {row.id, row.policyName, row.agentPattern, keyListToText(row.allowedPaths),
               keyListToText(row.deniedPaths), row.createdAt});
}

bool PolicyRepository::remove(const QString &id)
{
    QSqlQuery q = m_db.exec(QStringLiteral("DELETE FROM policies WHERE id = ?"), {id});
    return q.numRowsAffected() > 0;
}

} // namespace cortex::store
