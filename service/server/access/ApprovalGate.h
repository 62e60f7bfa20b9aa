#pragma once

#include "store/PendingGrantRepository.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace cortex::store {
class Database;
}

namespace cortex::access {

// First-access approval of (agent, project): decides whether a discover asking for some key
// paths may get a token, and for which of them.
//
// Request rows whose requested_keys contain every key asked for now are considered:
//  * an approved one (approval not expired) -> a token scoped to the asked keys that the
//    operator approved (approving a subset narrows the scope, and asking again for the same
//    keys never loops into a new request);
//  * else a denied one -> refused; else a pending one -> still waiting on that row.
// Suspended (kill switch) and expired approvals count for nothing. With no such row a new
// pending request is stored, so asking for a key outside every request needs an operator.
class ApprovalGate
{
public:
    explicit ApprovalGate(store::Database &db) : m_db(db) {}

    enum class Outcome { Approved, Pending, Denied };
    struct Decision
    {
        Outcome outcome = Outcome::Pending;
        store::PendingGrantRow row; // the deciding (or newly stored) request
        QStringList allowedKeys;    // Approved only: asked ∩ approved, sorted
        bool created = false;       // Pending only: this call stored the request
    };

    // requested: sorted, de-duplicated key paths. Writes (a new pending row) join the
    // caller's transaction.
    Decision decide(const QString &agentId, const QString &projectName, const QString &ns,
                    const QStringList &requested, const QString &sourceIp, const QDateTime &now);

private:
    store::Database &m_db;
};

} // namespace cortex::access
