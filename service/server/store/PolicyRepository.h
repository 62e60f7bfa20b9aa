#pragma once

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

struct PolicyRow
{
    QString id;
    QString policyName;
    QString agentPattern; // glob over agent ids (access/PolicyCheck.h)
    QStringList allowedPaths;
    QStringList deniedPaths;
    QString createdAt;
};

// policies: glob rules narrowing which key paths an agent may be given. No update: an operator
// deletes and re-creates, as in the reference.
class PolicyRepository
{
public:
    explicit PolicyRepository(Database &db) : m_db(db) {}

    std::vector<PolicyRow> list(); // by created_at
    std::optional<PolicyRow> findByName(const QString &policyName);
    void insert(const PolicyRow &row);
    bool remove(const QString &id); // false when no such policy

private:
    Database &m_db;
};

} // namespace cortex::store
