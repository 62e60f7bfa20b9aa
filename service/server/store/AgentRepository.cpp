#include "store/AgentRepository.h"

#include "store/Database.h"

namespace cortex::store {

namespace {
const QString Columns =
    QStringLiteral("id, agent_id, agent_pub, description, namespace, created_at, updated_at");

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> AgentRow rowFrom(Query &q)
{
    return {q.value(0).toString(), q.value(1).toString(), q.value(2).toByteArray(),
            q.value(3).toString(), q.value(4).toString(), q.value(5).toString(),
            q.value(6).toString()};
}
} // namespace

std::vector<AgentRow> AgentRepository::list()
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT %1 FROM agents ORDER BY created_at, agent_id").arg(Columns));
    std::vector<AgentRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}

std::optional<AgentRow> AgentRepository::find(const QString &agentId)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM agents WHERE agent_id = ?").arg(Columns);
    Database::CachedQuery q = m_db.cached(sql, {agentId});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

void AgentRepository::insert(const AgentRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO agents (%1) VALUES (?, ?, ?, ?, ?, ?, ?)").arg(Columns),
              {row.id, row.agentId, row.agentPub, textOrEmpty(row.description), row.ns,
               row.createdAt, row.updatedAt});
}

void AgentRepository::updateKey(const QString &agentId, const QByteArray &agentPub,
                                const std::optional<QString> &description, const QString &updatedAt)
{
    if (description)
        m_db.execOne(QStringLiteral("UPDATE agents SET agent_pub = ?, description = ?,"
                                    " updated_at = ? WHERE agent_id = ?"),
                     {agentPub, textOrEmpty(*description), updatedAt, agentId});
    else
        m_db.execOne(
            QStringLiteral("UPDATE agents SET agent_pub = ?, updated_at = ? WHERE agent_id = ?"),
            {agentPub, updatedAt, agentId});
}

void AgentRepository::remove(const QString &agentId)
{
    m_db.execOne(QStringLiteral("DELETE FROM agents WHERE agent_id = ?"), {agentId});
}

} // namespace cortex::store
