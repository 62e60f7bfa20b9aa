#include "access/NonceCache.h"

namespace cortex::access {

bool NonceCache::checkAndRemember(const QString &agentId, const QString &nonce, qint64 ts,
                                  const QDateTime &now)
{
    const qint64 nowSecs = now.toSecsSinceEpoch();
    prune(nowSecs);
    // agent_id cannot contain '\n', so the key is unambiguous.
    const QString key = agentId + u'\n' + nonce;
    if (m_seen.contains(key))
        return false;
    m_seen.insert(key, ts);
    return true;
}

void NonceCache::prune(qint64 nowSecs)
{
    // Kept while nowSecs - ts <= window, i.e. exactly while the skew check would accept ts.
    for (auto it = m_seen.begin(); it != m_seen.end();) {
        if (nowSecs - it.value() > m_window)
            it = m_seen.erase(it);
        else
            ++it;
    }
}

} // namespace cortex::access
