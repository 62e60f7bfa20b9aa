#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace cortex::audit {

// One row of the audit log (table audit_log), as stored and as exported. Text fields that
// carry nothing are empty (NULL in the table); the canonical form does not tell the two apart.
// No field ever holds a secret value or a token.
struct AuditRecord
{
    qint64 seq = 0;    // 1, 2, 3, ... without gaps
    QString time;      // ISO 8601 UTC with milliseconds, e.g. 2026-11-23T10:00:00.000Z
    QString actorType; // admin | agent | project | system | anonymous
    QString actor;     // agent id, project name, "admin", ...
    QString action;    // create_secret, get_secrets, honey_token_access, ...
    QString resource;  // key path, project name, id, ...
    QString status;    // success | denied | pending | alarm | error
    QString sourceAddress;
    QString requestId;
    std::optional<qint64> callerPid; // X-Cortex-Caller-* headers, self-reported by the caller
    QString callerBinarySha256;
    QString callerArgvHash;
    QString callerCwd;
    QString callerGitCommit;
    QString callerHostname;
    QString callerOs;
    QString detail;       // compact JSON object with non-secret extras, or empty
    int macKeyId = 0;     // which HMAC key (the KEK version it was derived from)
    QByteArray prevHash;  // 32 bytes: entry_hash of seq-1, or of the checkpoint a prune kept
    QByteArray entryHash; // 32 bytes: SHA-256(prevHash || canonical)
    QByteArray entryHmac; // 32 bytes: HMAC-SHA256(mac key, prevHash || canonical)

    // "type":"row" plus every field; hashes in lowercase hex. For exports and the admin API.
    QJsonObject toJson() const;
    // The inverse of toJson(); nullopt when a field is missing or has the wrong type.
    static std::optional<AuditRecord> fromJson(const QJsonObject &json);
};

// The bytes the chain covers: the tag "cortex-audit-v1" and then every field from seq to
// macKeyId in declaration order, each as a 4-byte big-endian length and its UTF-8 bytes
// (seq, callerPid and macKeyId as decimal ASCII; an absent callerPid as length 0). Simple
// enough to reimplement in any language.
QByteArray canonicalBytes(const AuditRecord &record);

// The all-zero hash the first row of a log chains from.
QByteArray genesisHash();

// prevHash || canonicalBytes(record): what entry_hash and entry_hmac cover. A caller needing both
// encodes it once (the encoding costs about as much as a hash).
QByteArray chainInput(const AuditRecord &record);

// SHA-256(prevHash || canonicalBytes(record)).
QByteArray computeEntryHash(const AuditRecord &record);

// HMAC-SHA256(macKey, prevHash || canonicalBytes(record)).
QByteArray computeEntryHmac(QByteArrayView macKey, const AuditRecord &record);

} // namespace cortex::audit
