#include "access/AccessRows.h"

namespace cortex::access {

AccessRows::AccessRows(store::Database &db)
    : m_db(db), m_tokensByHash(db), m_tokensByJti(db), m_projects(db), m_agents(db),
      m_approvals(db), m_granted(db, 256), m_policies(db, 1)
{}

std::optional<store::ProjectTokenRow> AccessRows::tokenByHash(const QByteArray &tokenHash)
{
    return m_tokensByHash.get(QString::fromLatin1(tokenHash.toHex()),
                              [&] { return store::ProjectRepository(m_db).findToken(tokenHash); });
}

std::optional<store::ProjectTokenRow> AccessRows::tokenByJti(const QString &jti)
{
    return m_tokensByJti.get(jti,
                             [&] { return store::ProjectRepository(m_db).findTokenByJti(jti); });
}

std::optional<store::ProjectRow> AccessRows::project(const QString &projectId)
{
    return m_projects.get(projectId,
                          [&] { return store::ProjectRepository(m_db).findById(projectId); });
}

std::optional<store::AgentRow> AccessRows::agent(const QString &agentId)
{
    return m_agents.get(agentId, [&] { return store::AgentRepository(m_db).find(agentId); });
}

std::optional<store::PendingGrantRow> AccessRows::approval(const QString &approvalId)
{
    return m_approvals.get(approvalId,
                           [&] { return store::PendingGrantRepository(m_db).find(approvalId); });
}

std::vector<store::SecretRepository::Granted> AccessRows::granted(const QString &projectName)
{
    return m_granted.get(
        projectName, [&] { return store::SecretRepository(m_db).grantedToProject(projectName); });
}

std::vector<store::PolicyRow> AccessRows::policies()
{
    return m_policies.get(QString(), [&] { return store::PolicyRepository(m_db).list(); });
}

} // namespace cortex::access
