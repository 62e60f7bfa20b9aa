#include "access/PolicyCheck.h"

#include "protocol/Names.h"

#include <algorithm>

namespace cortex::access {

namespace {
// `*` and `?` within one segment: the classic backtracking-to-the-last-star scan, linear in
// practice and never exponential.
bool segmentMatches(QStringView pattern, QStringView text)
{
    qsizetype p = 0, t = 0, star = -1, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == u'?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == u'*') {
            star = p++;
            resume = t;
        } else if (star >= 0) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == u'*')
        ++p;
    return p == pattern.size();
}

bool isGlobChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') ||
           c == u'_' || c == u'.' || c == u'-' || c == u'@' || c == u'*' || c == u'?';
}
} // namespace

bool globMatches(QStringView pattern, QStringView text)
{
    const QList<QStringView> ps = pattern.split(u'/');
    const QList<QStringView> ts = text.split(u'/');
    // can[i][j]: pattern segments from i match text segments from j. Filled backwards, so
    // several `**` cost O(segments^2) rather than backtracking.
    const qsizetype np = ps.size(), nt = ts.size();
    std::vector<std::vector<char>> can(np + 1, std::vector<char>(nt + 1, 0));
    can[np][nt] = 1;
    for (qsizetype i = np - 1; i >= 0; --i) {
        for (qsizetype j = nt; j >= 0; --j) {
            if (ps[i] == u"**")
                can[i][j] = can[i + 1][j] || (j < nt && can[i][j + 1]);
            else
                can[i][j] = j < nt && can[i + 1][j + 1] && segmentMatches(ps[i], ts[j]);
        }
    }
    return can[0][0] != 0;
}

bool isValidPathGlob(QStringView pattern)
{
    if (pattern.isEmpty() || pattern.size() > protocol::MaxKeyPathLength)
        return false;
    if (!std::all_of(pattern.begin(), pattern.end(),
                     [](QChar c) { return isGlobChar(c) || c == u'/'; }))
        return false;
    for (const QStringView segment : pattern.split(u'/')) {
        if (segment.isEmpty() || (segment.contains(u"**") && segment != u"**"))
            return false;
    }
    return true;
}

bool isValidAgentGlob(QStringView pattern)
{
    return !pattern.contains(u'/') && isValidPathGlob(pattern);
}

PolicyCheck::PolicyCheck(const std::vector<store::PolicyRow> &policies, const QString &agentId)
{
    for (const store::PolicyRow &policy : policies)
        if (globMatches(policy.agentPattern, agentId))
            m_matching.push_back(policy);
}

PolicyCheck PolicyCheck::forAgent(store::Database &db, const QString &agentId)
{
    return PolicyCheck(store::PolicyRepository(db).list(), agentId);
}

bool PolicyCheck::allows(const QString &keyPath) const
{
    if (m_matching.empty())
        return true;
    const auto anyMatches = [&keyPath](const QStringList &patterns) {
        return std::any_of(patterns.begin(), patterns.end(),
                           [&keyPath](const QString &p) { return globMatches(p, keyPath); });
    };
    bool allowed = false;
    for (const store::PolicyRow &policy : m_matching) {
        if (anyMatches(policy.deniedPaths))
            return false;
        allowed = allowed || anyMatches(policy.allowedPaths);
    }
    return allowed;
}

} // namespace cortex::access
