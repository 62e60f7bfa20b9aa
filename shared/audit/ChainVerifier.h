#pragma once

#include "audit/AuditRecord.h"
#include "audit/Checkpoint.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <functional>
#include <optional>

namespace cortex::audit {

// What a verification found. On failure `firstBadSeq` names the first row that cannot be
// trusted and `reason` says why, in words an operator can act on.
struct VerifyResult
{
    bool ok = true;
    qint64 rowsChecked = 0;
    qint64 checkpointsChecked = 0;
    std::optional<qint64> firstBadSeq;
    QString reason;
};

// Checks an audit log streamed in order: rows (ascending seq) interleaved with checkpoints,
// each checkpoint after the row it covers (a prune anchor, seq = first row - 1, before it).
// Used by the server on its own table (with the HMAC keys) and offline on an export (with
// only the public keys). Stops at the first problem.
class ChainVerifier
{
public:
    struct Keys
    {
        // HMAC keys by mac_key_id; empty offline, where entry_hmac cannot be checked.
        QHash<int, QByteArray> macKeys;
        // The Ed25519 public key of a checkpoint's kid; nullopt when unknown.
        std::function<std::optional<QByteArray>(const QString &kid)> publicKey;
    };
    explicit ChainVerifier(Keys keys);

    bool addRow(const AuditRecord &row);
    bool addCheckpoint(const Checkpoint &checkpoint);

    // Ends the stream. `expectedLast` is the (seq, entry_hash) the log must end at when the
    // caller knows it (the server's in-memory tail); `requireSignedEnd` demands that a
    // checkpoint covers the last row (exports always end with one).
    VerifyResult finish(std::optional<std::pair<qint64, QByteArray>> expectedLast,
                        bool requireSignedEnd);

    const VerifyResult &result() const { return m_result; }

    // Rejects the stream from outside (e.g. an unreadable line), naming the next seq.
    void fail(QString reason);

private:
    bool failAt(qint64 seq, QString reason);

    Keys m_keys;
    VerifyResult m_result;
    qint64 m_lastSeq = 0;    // seq of the last row seen, or of the prune anchor
    QByteArray m_lastHash;   // its entry_hash
    qint64 m_anchorSeq = -1; // prune anchor seen before the first row
    QByteArray m_anchorHash;
    qint64 m_lastCheckpointSeq = 0; // highest seq a valid checkpoint covers
    bool m_sawRow = false;
};

} // namespace cortex::audit
