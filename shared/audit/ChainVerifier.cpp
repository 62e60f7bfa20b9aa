#include "audit/ChainVerifier.h"

#include "crypto/ConstantTime.h"
#include "crypto/Ed25519.h"
#include "crypto/Hash.h"

namespace cortex::audit {

ChainVerifier::ChainVerifier(Keys keys) : m_keys(std::move(keys)) {}

bool ChainVerifier::failAt(qint64 seq, QString reason)
{
    if (!m_result.ok)
        return false;
    m_result.ok = false;
    m_result.firstBadSeq = seq;
    m_result.reason = std::move(reason);
    return false;
}

void ChainVerifier::fail(QString reason)
{
    failAt(m_lastSeq + 1, std::move(reason));
}

bool ChainVerifier::addRow(const AuditRecord &row)
{
    if (!m_result.ok)
        return false;
    const qint64 expected = m_sawRow ? m_lastSeq + 1 : row.seq;
    if (!m_sawRow) {
        // The log starts at seq 1 from the genesis hash, or after a prune at a signed anchor.
        // With an anchor the rows must continue from it: otherwise any genuine signed
        // checkpoint put in front of a made-up log starting at 1 would vouch for it.
        if (m_anchorSeq >= 0 && row.seq != m_anchorSeq + 1) {
            return failAt(m_anchorSeq + 1, QStringLiteral("row %1 is missing: the log does not "
                                                          "continue from the signed checkpoint "
                                                          "at seq %2")
                                               .arg(m_anchorSeq + 1)
                                               .arg(m_anchorSeq));
        } else if (m_anchorSeq < 0 && row.seq == 1) {
            if (!crypto::constantTimeEquals(row.prevHash, genesisHash()))
                return failAt(1, QStringLiteral("row 1 does not start from the genesis hash"));
        } else if (m_anchorSeq < 0) {
            return failAt(row.seq > 1 ? 1 : row.seq,
                          QStringLiteral("rows before seq %1 are missing and no signed "
                                         "checkpoint accounts for them")
                              .arg(row.seq));
        } else if (!crypto::constantTimeEquals(row.prevHash, m_anchorHash)) {
            return failAt(row.seq, QStringLiteral("row %1 does not continue from the signed "
                                                  "checkpoint at seq %2")
                                       .arg(row.seq)
                                       .arg(m_anchorSeq));
        }
    } else if (row.seq > expected) {
        return failAt(expected, QStringLiteral("row %1 is missing").arg(expected));
    } else if (row.seq < expected) {
        return failAt(expected, QStringLiteral("row %1 is out of order (seq %2 follows %3)")
                                    .arg(expected)
                                    .arg(row.seq)
                                    .arg(m_lastSeq));
    } else if (!crypto::constantTimeEquals(row.prevHash, m_lastHash)) {
        return failAt(
            row.seq,
            QStringLiteral("row %1 does not chain from row %2").arg(row.seq).arg(m_lastSeq));
    }
    const QByteArray input = chainInput(row); // once for both checks
    if (!crypto::constantTimeEquals(crypto::sha256(input), row.entryHash))
        return failAt(row.seq, QStringLiteral("row %1 was altered: its content does not match its "
                                              "entry_hash")
                                   .arg(row.seq));
    if (!m_keys.macKeys.isEmpty()) {
        const auto key = m_keys.macKeys.constFind(row.macKeyId);
        if (key == m_keys.macKeys.constEnd())
            return failAt(row.seq, QStringLiteral("row %1 names an unknown HMAC key %2")
                                       .arg(row.seq)
                                       .arg(row.macKeyId));
        if (!crypto::constantTimeEquals(crypto::hmacSha256(*key, input), row.entryHmac))
            return failAt(row.seq, QStringLiteral("row %1 was altered: its HMAC does not "
                                                  "match")
                                       .arg(row.seq));
    }
    m_sawRow = true;
    m_lastSeq = row.seq;
    m_lastHash = row.entryHash;
    ++m_result.rowsChecked;
    return true;
}

bool ChainVerifier::addCheckpoint(const Checkpoint &c)
{
    if (!m_result.ok)
        return false;
    const std::optional<QByteArray> publicKey =
        m_keys.publicKey ? m_keys.publicKey(c.kid) : std::nullopt;
    // Without a valid signature nothing vouches for the rows since the last good checkpoint
    // (offline their hashes alone prove nothing), so the first of those is the first bad one.
    if (!publicKey)
        return failAt(m_lastCheckpointSeq + 1, QStringLiteral("checkpoint at seq %1 is signed "
                                                              "by an unknown key %2")
                                                   .arg(c.seq)
                                                   .arg(c.kid));
    if (!crypto::ed25519::verify(*publicKey, c.signedMessage(), c.signature))
        return failAt(m_lastCheckpointSeq + 1,
                      QStringLiteral("checkpoint at seq %1 has a bad signature").arg(c.seq));
    ++m_result.checkpointsChecked;
    if (!m_sawRow) {
        // A prune anchor: the rows up to c.seq were removed under this signature. The log
        // continues from it, also for finish() when no row follows (everything pruned).
        m_anchorSeq = c.seq;
        m_anchorHash = c.entryHash;
        m_lastCheckpointSeq = c.seq;
        m_lastSeq = c.seq;
        m_lastHash = c.entryHash;
        return true;
    }
    if (c.seq > m_lastSeq)
        return failAt(m_lastSeq + 1, QStringLiteral("rows %1 to %2 are missing: a signed "
                                                    "checkpoint covers seq %2")
                                         .arg(m_lastSeq + 1)
                                         .arg(c.seq));
    if (c.seq == m_lastSeq) {
        if (!crypto::constantTimeEquals(c.entryHash, m_lastHash))
            return failAt(m_lastCheckpointSeq + 1,
                          QStringLiteral("rows %1 to %2 do not match the signed checkpoint at "
                                         "seq %2")
                              .arg(m_lastCheckpointSeq + 1)
                              .arg(c.seq));
        m_lastCheckpointSeq = c.seq;
    }
    // A checkpoint for an earlier seq was checked when its row went by (callers stream
    // checkpoints right after their rows); a late one adds nothing.
    return true;
}

VerifyResult ChainVerifier::finish(std::optional<std::pair<qint64, QByteArray>> expectedLast,
                                   bool requireSignedEnd)
{
    if (!m_result.ok)
        return m_result;
    if (expectedLast) {
        const auto &[seq, hash] = *expectedLast;
        if (seq > m_lastSeq)
            failAt(m_lastSeq + 1,
                   QStringLiteral("rows %1 to %2 are missing").arg(m_lastSeq + 1).arg(seq));
        else if (seq < m_lastSeq)
            failAt(seq + 1,
                   QStringLiteral("rows after %1 were not written by this server").arg(seq));
        else if (seq > 0 && !crypto::constantTimeEquals(hash, m_lastHash))
            failAt(m_lastCheckpointSeq + 1,
                   QStringLiteral("the log does not end where the server's record says"));
    }
    if (m_result.ok && requireSignedEnd && m_sawRow && m_lastCheckpointSeq < m_lastSeq)
        failAt(m_lastCheckpointSeq + 1, QStringLiteral("rows %1 to %2 are not covered by a "
                                                       "signed checkpoint")
                                            .arg(m_lastCheckpointSeq + 1)
                                            .arg(m_lastSeq));
    return m_result;
}

} // namespace cortex::audit
