#pragma once

#include "store/PolicyRepository.h"

#include <QString>
#include <QStringView>
#include <vector>

namespace cortex::store {
class Database;
}

namespace cortex::access {

// Glob patterns over '/'-separated paths: `*` matches any characters within one segment, `?`
// exactly one character other than '/', and a `**` segment any number of segments (zero
// included, so "a/**/b" matches "a/b"). Everything else matches itself, case-sensitively.
// Agent patterns use the same rules on the agent id (which holds no '/').
bool globMatches(QStringView pattern, QStringView text);

// A pattern we store: 1..512 characters of key-path characters plus '*' and '?', no empty
// segment, and `**` only as a whole segment. Agent patterns may not contain '/'.
bool isValidPathGlob(QStringView pattern);
bool isValidAgentGlob(QStringView pattern);

// The policy decision for one agent (the subject is always the agent id, at discover and at
// fetch alike: reference §18 item 21). No policy matching the agent: every path is allowed
// (grants and approvals still apply). Otherwise a path is allowed only when some matching
// policy allows it and none denies it (deny wins); so a matching policy with no allowed paths
// shuts the agent out.
class PolicyCheck
{
public:
    PolicyCheck(const std::vector<store::PolicyRow> &policies, const QString &agentId);
    // Loads all policies; joins the caller's transaction if any.
    static PolicyCheck forAgent(store::Database &db, const QString &agentId);

    bool allows(const QString &keyPath) const;

private:
    std::vector<store::PolicyRow> m_matching;
};

} // namespace cortex::access
