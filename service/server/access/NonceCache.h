#pragma once

#include <QDateTime>
#include <QHash>
#include <QString>

namespace cortex::access {

// Nonces of accepted agent proofs, per agent, for as long as their ts would still pass the
// skew check: a replay inside that window is refused, one outside it fails the skew check.
// In memory only (lost on restart: a restart still leaves the skew check in force).
class NonceCache
{
public:
    explicit NonceCache(qint64 windowSeconds) : m_window(windowSeconds) {}

    // False if (agentId, nonce) was seen within the window; otherwise records it.
    bool checkAndRemember(const QString &agentId, const QString &nonce, qint64 ts,
                          const QDateTime &now);

private:
    void prune(qint64 nowSecs);

    qint64 m_window;
    QHash<QString, qint64> m_seen; // "agent_id\nnonce" -> ts of the proof
};

} // namespace cortex::access
