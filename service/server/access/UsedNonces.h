#pragma once

#include <QDateTime>
#include <QString>

#include "ServerFwd.h"

namespace cortex::access {

// The nonces of accepted agent proofs, per agent, kept in the store for as long as their ts
// could still pass the skew check: a replay inside that window is refused, one outside it fails
// the skew check. In the store, not in memory, so that neither a restart nor another server on
// the same store gives a captured request a second life.
class UsedNonces
{
public:
    UsedNonces(store::Database &db, qint64 windowSeconds) : m_db(db), m_window(windowSeconds) {}

    // Records (agentId, nonce) and returns true, or returns false when it is already recorded.
    // Part of the caller's transaction. Also forgets nonces whose ts can no longer pass.
    bool claim(const QString &agentId, const QString &nonce, qint64 ts, const QDateTime &now);

private:
    store::Database &m_db;
    qint64 m_window;
};

} // namespace cortex::access
