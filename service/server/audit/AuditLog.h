#pragma once

#include "audit/AuditRecord.h"
#include "audit/ChainVerifier.h"
#include "audit/Checkpoint.h"
#include "crypto/Hash.h"
#include "crypto/SecureBytes.h"

#include <QIODevice>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

#include "ServerFwd.h"

namespace cortex::http {
struct HttpRequest;
}
namespace cortex::access {
class ServerKeys;
}
namespace cortex::protocol {
struct ApiError;
}
namespace cortex::store {
enum class Durability;
}

namespace cortex::audit {

// What happened, in the words of one audit row. The actor, source address, request id and
// X-Cortex-Caller-* metadata come from the request (see AuditLog::record).
struct AuditEvent
{
    explicit AuditEvent(QString action_, QString resource_ = {},
                        QString status_ = QStringLiteral("success"), QJsonObject detail_ = {})
        : action(std::move(action_)), resource(std::move(resource_)), status(std::move(status_)),
          detail(std::move(detail_))
    {}

    QString action;
    QString resource;
    QString status;     // success | denied | pending | rejected | alarm | error
    QJsonObject detail; // non-secret extras (counts, ids, error_code)
    QString detailJson; // or the same as compact JSON object text, recorded as it is
    QString actorType;  // overrides the request's notes when set
    QString actor;
};

struct AuditSettings
{
    qint64 checkpointEveryRows = 1000; // CORTEX_AUDIT_CHECKPOINT_ROWS
    int checkpointEverySeconds = 60;   // CORTEX_AUDIT_CHECKPOINT_SECONDS
    int retentionDays = 0;             // CORTEX_AUDIT_RETENTION_DAYS; 0 keeps every row
    // CORTEX_READ_AUDIT_FLUSH_MS: the audit rows of reads (GET) are on disk at most this long
    // after their answer (they reach the operating system before it, so a killed server loses
    // none); 0 syncs each one before answering. Changes always sync before their answer.
    int readFlushMilliseconds = 100;
    static AuditSettings fromEnvironment(QStringList *warnings);
};

// The tamper-evident audit log (tables audit_log, audit_checkpoints). Rows are appended in the
// caller's transaction, so a change and its record commit or vanish together; when a row cannot
// be written the append throws 503 audit_unavailable and the caller's transaction rolls back
// (fail closed). entry_hash = SHA-256(prev_hash || canonical row), entry_hmac = HMAC-SHA256 under
// a key derived from the root KEK (so rows can only be appended while unsealed), and the server
// signs checkpoints with its Ed25519 key every N rows / T seconds, at seal and on demand.
class AuditLog : public QObject
{
    Q_OBJECT
public:
    AuditLog(store::Database &db, vault::Vault &vault, access::ServerKeys &serverKeys,
             const Clock &clock, AuditSettings settings, QObject *parent = nullptr);
    ~AuditLog() override;

    // Appends one row inside the current transaction (or its own) and returns its seq. With a
    // request, the actor comes from request->notes (unless the event names one) and the source
    // address, request id and caller metadata from the request itself.
    qint64 record(const AuditEvent &event, const http::HttpRequest *request = nullptr);

    // 503 audit_unavailable: what a request gets when its row cannot be written.
    static protocol::ApiError unavailableError();

    // Signs a checkpoint for the last row now (no-op when it already has one); returns it.
    std::optional<Checkpoint> checkpointNow();

    // Recomputes the whole chain with the HMAC keys and checks every stored checkpoint and the
    // last row this process wrote.
    VerifyResult verify();

    // The export format of audit/ExportFormat.h: rows from `afterSeq`+1 (0: all), their stored
    // checkpoints, and a checkpoint signed now for the last row.
    void writeExport(QIODevice &out);

    // Removes rows up to `throughSeq` (no further than the last row) after signing a checkpoint
    // there, which stays as the anchor the remaining rows chain from; records an audit_prune row.
    // Returns the number of rows removed.
    qint64 prune(qint64 throughSeq, const http::HttpRequest *request);

    // Prunes rows older than the retention period (if one is set); run hourly while unsealed.
    // Returns the number of rows removed.
    qint64 applyRetention();

    // The seq of the last row written before `time` (0: none): where an age-based prune stops.
    qint64 lastSeqBefore(const QDateTime &time);

    struct Tail
    {
        qint64 seq = 0;
        QByteArray entryHash;
    };
    Tail tail() { return readTail(); }

    // Where a request came from, as the rate limiter sees it (trusted proxies resolved).
    void setSourceAddressResolver(std::function<QString(const http::HttpRequest &)> resolver)
    {
        m_sourceAddress = std::move(resolver);
    }
    // The source_address a row for this request records.
    QString sourceAddressOf(const http::HttpRequest &request) const;

    // The HMAC key of rows written under the current KEK: HMAC-SHA256(root KEK,
    // "cortex-vault/audit-hmac-v1"), kept in secure memory while unsealed. Throws sealed().
    const crypto::SecureBytes &macKey();

    // The HMAC key of rows with this mac_key_id (the KEK version whose root KEK derived it): the
    // current one as macKey(), an older epoch's unwrapped from audit_mac_keys, where root-KEK
    // rotation keeps it sealed under the current root KEK. nullopt when none is known. Throws
    // sealed().
    std::optional<crypto::SecureBytes> macKeyFor(int macKeyId);
    // HMAC-SHA256(rootKey, "cortex-vault/audit-hmac-v1"): the MAC key of one KEK epoch.
    static crypto::SecureBytes deriveMacKey(const crypto::SecureBytes &rootKey);
    // The AAD of an older epoch's MAC key in audit_mac_keys: audit_mac_keys|<id>|<kek_version>.
    static QByteArray macKeyAad(int macKeyId, int kekVersion);

Q_SIGNALS:
    // After the transaction that holds the row committed.
    void appended(qint64 seq, const QString &action, const QString &status);

private:
    void onSealChanged(bool unsealed);
    void onCommitted(qint64 seq, const QByteArray &entryHash, const QString &action,
                     const QString &status);

    store::Database &m_db;
    vault::Vault &m_vault;
    access::ServerKeys &m_serverKeys;
    const Clock &m_clock;
    AuditSettings m_settings;
    QTimer m_checkpointTimer;
    QTimer m_retentionTimer;
    Tail readTail();
    void requireIntactTail(const Tail &tail);
    void requireAuthenticRow(qint64 seq);
    // checkpointNow() with the given durability: the periodic ones need no sync of their own.
    std::optional<Checkpoint> writeCheckpoint(store::Durability durability);
    std::optional<Checkpoint> signCheckpoint(qint64 seq, const QByteArray &entryHash);
    void storeCheckpoint(const Checkpoint &checkpoint);

    std::function<QString(const http::HttpRequest &)> m_sourceAddress;
    std::optional<Tail> m_committedTail; // the last row this process committed
    qint64 m_lastCheckpointSeq = -1;     // -1: not read yet
    crypto::SecureBytes m_macKey;
    crypto::HmacSha256Key m_macKeyed; // m_macKey, ready for many MACs
    int m_macKeyVersion = 0;
};

} // namespace cortex::audit
