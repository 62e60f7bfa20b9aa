#pragma once

#include "store/AgentRepository.h"
#include "store/Memo.h"
#include "store/PendingGrantRepository.h"
#include "store/PolicyRepository.h"
#include "store/ProjectRepository.h"
#include "store/SecretRepository.h"

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::access {

// The rows a project-token request reads every time (its token, project, agent, approval, the
// project's grants with their envelopes, the policies), from memory while the store has not
// changed since they were read (store::Memo), else from the store. Rows, not decisions: every
// check still runs on every request, on rows no older than the last change to the store, so a
// revocation, a deleted grant or a new policy applies to the very next request.
class AccessRows
{
public:
    explicit AccessRows(store::Database &db);

    std::optional<store::ProjectTokenRow> tokenByHash(const QByteArray &tokenHash);
    std::optional<store::ProjectTokenRow> tokenByJti(const QString &jti);
    std::optional<store::ProjectRow> project(const QString &projectId);
    std::optional<store::AgentRow> agent(const QString &agentId);
    std::optional<store::PendingGrantRow> approval(const QString &approvalId);
    // The project's grants with their secrets and current envelopes (ciphertext only).
    std::vector<store::SecretRepository::Granted> granted(const QString &projectName);
    std::vector<store::PolicyRow> policies();

private:
    store::Database &m_db;
    store::Memo<std::optional<store::ProjectTokenRow>> m_tokensByHash;
    store::Memo<std::optional<store::ProjectTokenRow>> m_tokensByJti;
    store::Memo<std::optional<store::ProjectRow>> m_projects;
    store::Memo<std::optional<store::AgentRow>> m_agents;
    store::Memo<std::optional<store::PendingGrantRow>> m_approvals;
    store::Memo<std::vector<store::SecretRepository::Granted>> m_granted;
    store::Memo<std::vector<store::PolicyRow>> m_policies;
};

} // namespace cortex::access
