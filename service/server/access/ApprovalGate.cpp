#include "access/ApprovalGate.h"

#include "crypto/Random.h"
#include "store/Timestamps.h"

#include <optional>

namespace cortex::access {

namespace {
bool containsAll(const QStringList &haystack, const QStringList &needles)
{
    for (const QString &k : needles)
        if (!haystack.contains(k))
            return false;
    return true;
}
} // namespace

ApprovalGate::Decision ApprovalGate::decide(const QString &agentId, const QString &projectName,
                                            const QString &ns, const QStringList &requested,
                                            const QString &sourceIp, const QDateTime &now)
{
    store::PendingGrantRepository repo(m_db);
    const QString nowText = store::timestamp(now);
    // A covering approval wins over a covering denial or pending request: a refused or open
    // request for more keys does not take back what was approved for fewer.
    std::optional<Decision> denied, pending;
    for (const store::PendingGrantRow &row : repo.forPair(agentId, projectName, ns)) {
        if (!containsAll(row.requestedKeys, requested))
            continue;
        if (row.status == u"approved" && row.approvalUntil > nowText) {
            Decision d{Outcome::Approved, row, {}};
            for (const QString &k : requested)
                if (row.approvedKeys && row.approvedKeys->contains(k))
                    d.allowedKeys.append(k);
            return d;
        }
        if (row.status == u"denied" && !denied)
            denied = Decision{Outcome::Denied, row, {}};
        if (row.status == u"pending" && !pending)
            pending = Decision{Outcome::Pending, row, {}};
        // suspended or expired approvals decide nothing: the operator must decide again
    }
    if (denied)
        return *denied;
    if (pending)
        return *pending;
    store::PendingGrantRow row;
    row.id = crypto::randomToken(u"pg_", 16);
    row.agentId = agentId;
    row.projectName = projectName;
    row.ns = ns;
    row.requestedKeys = requested;
    row.status = QStringLiteral("pending");
    row.requestedAt = nowText;
    row.sourceIp = sourceIp;
    repo.insert(row);
    return {Outcome::Pending, row, {}, true};
}

} // namespace cortex::access
