#pragma once

#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

// One row of project_grants joined with its secret's path and namespace.
struct GrantRow
{
    QString id;
    QString projectName;
    QString secretId;
    QString envVarName;
    QString grantedBy;
    QString grantedAt;
    QString keyPath;  // of the secret
    QString secretNs; // of the secret
    bool secretIsHoneyToken = false;
};

// project_grants: the explicit ACL "project P may receive secret S as ENV". A grant disappears
// with its secret (ON DELETE CASCADE); grants may be staged before the project exists.
class GrantRepository
{
public:
    explicit GrantRepository(Database &db) : m_db(db) {}

    std::vector<GrantRow> forProject(const QString &projectName); // newest first
    std::optional<GrantRow> find(const QString &projectName, const QString &grantId);
    std::optional<GrantRow> findForSecret(const QString &projectName, const QString &secretId);
    void insert(const GrantRow &row);
    void remove(const QString &grantId);

private:
    Database &m_db;
};

} // namespace cortex::store
