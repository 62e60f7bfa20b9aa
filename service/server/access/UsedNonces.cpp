#include "access/UsedNonces.h"

#include "store/Database.h"

namespace cortex::access {

bool UsedNonces::claim(const QString &agentId, const QString &nonce, qint64 ts,
                       const QDateTime &now)
{
    const qint64 nowSecs = now.toSecsSinceEpoch();
    // A nonce counts as seen while now - ts <= window, exactly while the skew check would still
    // accept its ts; an older row is taken over by the new proof (a different ts is a different
    // message). Rows stay twice the window, so that servers sharing the store whose clocks run
    // up to a window apart still refuse each other's replays.
    m_db.exec(QStringLiteral("DELETE FROM agent_nonces WHERE ts < ?"), {nowSecs - 2 * m_window});
    return m_db.exec(
                   QStringLiteral("INSERT INTO agent_nonces (agent_id, nonce, ts) VALUES (?, ?, ?)"
                                  " ON CONFLICT (agent_id, nonce) DO UPDATE SET ts = excluded.ts"
                                  " WHERE agent_nonces.ts < ?"),
                   {agentId, nonce, ts, nowSecs - m_window})
               .numRowsAffected() == 1;
}

} // namespace cortex::access
