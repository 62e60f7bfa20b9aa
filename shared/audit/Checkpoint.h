#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace cortex::audit {

// A signed statement "the log's row `seq` has entry_hash `entryHash`", made by the server every
// N rows or T seconds, at seal and shutdown, at a prune and at the end of every export. Anyone
// holding the server's public keys can check it; together with the hash chain it pins every
// row up to seq, so rows cannot be edited, dropped, reordered or cut off unnoticed.
struct Checkpoint
{
    qint64 seq = 0;
    QByteArray entryHash; // 32 bytes
    QString time;         // ISO 8601 UTC, when it was signed
    QString kid;          // the server key that signed it (RFC 7638 thumbprint)
    QByteArray signature; // 64 bytes Ed25519 over signedMessage()

    // "cortex-audit-checkpoint-v1\n<seq>\n<entry_hash hex>\n<time>\n<kid>"
    QByteArray signedMessage() const;

    // "type":"checkpoint", seq, entry_hash (hex), time, kid, signature (base64url).
    QJsonObject toJson() const;
    static std::optional<Checkpoint> fromJson(const QJsonObject &json);
};

} // namespace cortex::audit
