#pragma once

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

// A first-access request of (agent, project) and the operator's decision on it.
// status: pending | approved | denied | suspended (an approval a project kill switch stopped).
struct PendingGrantRow
{
    QString id;
    QString agentId;
    QString projectName;
    QString ns;
    QStringList requestedKeys; // key paths, sorted
    std::optional<QStringList> approvedKeys;
    QString status;
    QString requestedAt;
    QString decidedAt;     // empty until decided
    QString decidedBy;     // empty until decided
    QString approvalUntil; // empty unless approved
    QString sourceIp;
};

class PendingGrantRepository
{
public:
    explicit PendingGrantRepository(Database &db) : m_db(db) {}

    std::vector<PendingGrantRow> list(int limit); // newest first
    std::vector<PendingGrantRow> forPair(const QString &agentId, const QString &projectName,
                                         const QString &ns); // newest first
    std::optional<PendingGrantRow> find(const QString &id);
    void insert(const PendingGrantRow &row);
    void decide(const QString &id, const QString &status,
                const std::optional<QStringList> &approvedKeys, const QString &decidedAt,
                const QString &decidedBy, const QString &approvalUntil);
    void remove(const QString &id);
    int removeForAgent(const QString &agentId);
    int removeForProject(const QString &projectName);
    // approved → suspended for every approval of the project; returns how many.
    int suspendApprovals(const QString &projectName);
    // approved → suspended for every approval the agent holds, in any project.
    int suspendAgentApprovals(const QString &agentId);

private:
    Database &m_db;
};

} // namespace cortex::store
