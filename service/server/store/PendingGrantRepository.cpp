#include "store/PendingGrantRepository.h"

#include "store/Database.h"
#include "store/KeyList.h"

namespace cortex::store {

namespace {
const QString Columns = QStringLiteral(
    "id, agent_id, project_name, namespace, requested_keys, approved_keys, status, requested_at,"
    " decided_at, decided_by, approval_until, source_ip");

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> PendingGrantRow rowFrom(Query &q)
{
    PendingGrantRow row;
    row.id = q.value(0).toString();
    row.agentId = q.value(1).toString();
    row.projectName = q.value(2).toString();
    row.ns = q.value(3).toString();
    row.requestedKeys = keyListFromText(q.value(4).toString());
    if (!q.value(5).isNull())
        row.approvedKeys = keyListFromText(q.value(5).toString());
    row.status = q.value(6).toString();
    row.requestedAt = q.value(7).toString();
    row.decidedAt = q.value(8).toString();
    row.decidedBy = q.value(9).toString();
    row.approvalUntil = q.value(10).toString();
    row.sourceIp = q.value(11).toString();
    return row;
}

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> std::vector<PendingGrantRow> all(Query &q)
{
    std::vector<PendingGrantRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}

QVariant nullable(const QString &s)
{
    return s.isEmpty() ? QVariant() : QVariant(s);
}
} // namespace

std::vector<PendingGrantRow> PendingGrantRepository::list(int limit)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT %1 FROM pending_grants ORDER BY requested_at DESC, id LIMIT ?")
            .arg(Columns),
        {limit});
    return all(q);
}

std::vector<PendingGrantRow> PendingGrantRepository::forPair(const QString &agentId,
                                                             const QString &projectName,
                                                             const QString &ns)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM pending_grants WHERE agent_id = ? AND"
                                           " project_name = ? AND namespace = ?"
                                           " ORDER BY requested_at DESC, id")
                                .arg(Columns),
                            {agentId, projectName, ns});
    return all(q);
}

std::optional<PendingGrantRow> PendingGrantRepository::find(const QString &id)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM pending_grants WHERE id = ?").arg(Columns);
    Database::CachedQuery q = m_db.cached(sql, {id});
    if (!q.next())
        return std::nullopt;
    return rowFrom(q);
}

void PendingGrantRepository::insert(const PendingGrantRow &row)
{
    m_db.exec(QStringLiteral(
                  "INSERT INTO pending_grants (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                  .arg(Columns),
              {row.id, row.agentId, row.projectName, row.ns, keyListToText(row.requestedKeys),
               row.approvedKeys ? QVariant(keyListToText(*row.approvedKeys)) : QVariant(),
               row.status, row.requestedAt, nullable(row.decidedAt), nullable(row.decidedBy),
               nullable(row.approvalUntil), textOrEmpty(row.sourceIp)});
}

void PendingGrantRepository::decide(const QString &id, const QString &status,
                                    const std::optional<QStringList> &approvedKeys,
                                    const QString &decidedAt, const QString &decidedBy,
                                    const QString &approvalUntil)
{
    m_db.execOne(QStringLiteral("UPDATE pending_grants SET status = ?, approved_keys = ?,"
                                " decided_at = ?, decided_by = ?, approval_until = ? WHERE id = ?"),
                 {status, approvedKeys ? QVariant(keyListToText(*approvedKeys)) : QVariant(),
                  decidedAt, decidedBy, nullable(approvalUntil), id});
}

void PendingGrantRepository::remove(const QString &id)
{
    m_db.execOne(QStringLiteral("DELETE FROM pending_grants WHERE id = ?"), {id});
}

int PendingGrantRepository::removeForAgent(const QString &agentId)
{
    return m_db.exec(QStringLiteral("DELETE FROM pending_grants WHERE agent_id = ?"), {agentId})
        .numRowsAffected();
}

int PendingGrantRepository::removeForProject(const QString &projectName)
{
    return m_db
        .exec(QStringLiteral("DELETE FROM pending_grants WHERE project_name = ?"), {projectName})
        .numRowsAffected();
}

int PendingGrantRepository::suspendApprovals(const QString &projectName)
{
    return m_db
        .exec(QStringLiteral("UPDATE pending_grants SET status = 'suspended'"
                             " WHERE project_name = ? AND status = 'approved'"),
              {projectName})
        .numRowsAffected();
}

int PendingGrantRepository::suspendAgentApprovals(const QString &agentId)
{
    return m_db
        .exec(QStringLiteral("UPDATE pending_grants SET status = 'suspended'"
                             " WHERE agent_id = ? AND status = 'approved'"),
              {agentId})
        .numRowsAffected();
}

} // namespace cortex::store
