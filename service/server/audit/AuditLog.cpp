#include "audit/AuditLog.h"

#include "Clock.h"
#include "access/ServerKeys.h"
#include "audit/AuditRows.h"
#include "audit/ExportFormat.h"
#include "crypto/Aead.h"
#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "http/HttpMessage.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "vault/Vault.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMap>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcAudit, "cortex.audit")

namespace cortex::audit {

namespace {

constexpr qsizetype MaxCallerField = 256;
constexpr char MacKeyLabel[] = "cortex-vault/audit-hmac-v1";

// Caller metadata is self-reported: keep it printable and short so it cannot smuggle control
// characters into an operator's terminal or bloat the log.
QString callerField(const http::HttpRequest &request, const char *name,
                    const char *alternative = nullptr)
{
    QByteArray value = request.header(name);
    if (value.isEmpty() && alternative)
        value = request.header(alternative);
    QString text = QString::fromUtf8(value.left(MaxCallerField * 4));
    text.removeIf([](QChar c) { return c.category() == QChar::Other_Control; });
    return text.left(MaxCallerField);
}

QVariant nullIfEmpty(const QString &text)
{
    return text.isEmpty() ? QVariant() : QVariant(text);
}

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

QByteArray unhex(const QVariant &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

Checkpoint checkpointFrom(const QSqlQuery &q)
{
    Checkpoint c;
    c.seq = q.value(0).toLongLong();
    c.entryHash = unhex(q.value(1));
    c.time = q.value(2).toString();
    c.kid = q.value(3).toString();
    c.signature = q.value(4).toByteArray();
    return c;
}

constexpr char CheckpointColumns[] = "seq, entry_hash, time, kid, signature";

} // namespace

protocol::ApiError AuditLog::unavailableError()
{
    return protocol::ApiError::serviceUnavailable(
        QStringLiteral("audit_unavailable"),
        QStringLiteral("the audit log cannot be written, so the request was not carried out"));
}

AuditSettings AuditSettings::fromEnvironment(QStringList *warnings)
{
    AuditSettings settings;
    const auto read = [warnings](const char *name, auto &target, qint64 minimum, qint64 maximum) {
        const QByteArray text = qgetenv(name);
        if (text.isEmpty())
            return;
        bool ok = false;
        const qint64 value = text.toLongLong(&ok);
        if (!ok || value < minimum || value > maximum) {
            if (warnings)
                warnings->append(QStringLiteral("%1 must be an integer from %2 to %3; keeping %4")
                                     .arg(QLatin1StringView(name))
                                     .arg(minimum)
                                     .arg(maximum)
                                     .arg(target));
            return;
        }
        target = std::remove_reference_t<decltype(target)>(value);
    };
    read("CORTEX_AUDIT_CHECKPOINT_ROWS", settings.checkpointEveryRows, 1, 1000000);
    read("CORTEX_AUDIT_CHECKPOINT_SECONDS", settings.checkpointEverySeconds, 1, 1000000);
    read("CORTEX_AUDIT_RETENTION_DAYS", settings.retentionDays, 1, 1000000);
    read("CORTEX_READ_AUDIT_FLUSH_MS", settings.readFlushMilliseconds, 0, 10000);
    return settings;
}

AuditLog::AuditLog(store::Database &db, vault::Vault &vault, access::ServerKeys &serverKeys,
                   const Clock &clock, AuditSettings settings, QObject *parent)
    : QObject(parent), m_db(db), m_vault(vault), m_serverKeys(serverKeys), m_clock(clock),
      m_settings(settings)
{
    m_vault.addSealListener(this, [this](bool unsealed) { onSealChanged(unsealed); });
    m_checkpointTimer.setInterval(m_settings.checkpointEverySeconds * 1000);
    connect(&m_checkpointTimer, &QTimer::timeout, this, [this] {
        if (m_vault.isSealed() || !m_committedTail || m_committedTail->seq <= m_lastCheckpointSeq)
            return;
        try {
            writeCheckpoint(store::Durability::WithinFlushInterval);
        } catch (const std::exception &e) {
            qCWarning(lcAudit) << "periodic checkpoint failed:" << e.what();
        }
    });
    m_checkpointTimer.start();
    if (m_settings.retentionDays > 0) {
        m_retentionTimer.setInterval(60 * 60 * 1000);
        connect(&m_retentionTimer, &QTimer::timeout, this, [this] {
            if (m_vault.isSealed())
                return;
            try {
                applyRetention();
            } catch (const std::exception &e) {
                qCWarning(lcAudit) << "audit retention failed:" << e.what();
            }
        });
        m_retentionTimer.start();
    }
}

qint64 AuditLog::applyRetention()
{
    if (m_settings.retentionDays <= 0)
        return 0;
    const qint64 through = lastSeqBefore(m_clock.now().addDays(-m_settings.retentionDays));
    return through > 0 ? prune(through, nullptr) : 0;
}

AuditLog::~AuditLog()
{
    m_vault.removeSealListener(this);
}

void AuditLog::onSealChanged(bool unsealed)
{
    if (!unsealed) {
        m_macKey.clear();
        m_macKeyed.clear();
        m_macKeyVersion = 0;
    } else if (m_settings.retentionDays > 0) {
        // Catch up on a retention run missed while sealed, once the unseal has finished.
        QTimer::singleShot(0, this, [this] {
            try {
                if (!m_vault.isSealed())
                    applyRetention();
            } catch (const std::exception &e) {
                qCWarning(lcAudit) << "audit retention failed:" << e.what();
            }
        });
    }
}

const crypto::SecureBytes &AuditLog::macKey()
{
    if (m_vault.isSealed())
        throw protocol::ApiError::sealed();
    // A root-KEK rotation changes the version without a seal: derive the new epoch's key then.
    if (m_macKey.isEmpty() || m_macKeyVersion != m_vault.kekVersion()) {
        m_macKey = deriveMacKey(m_vault.rootKey());
        m_macKeyed = crypto::HmacSha256Key(m_macKey.view());
        m_macKeyVersion = m_vault.kekVersion();
    }
    return m_macKey;
}

crypto::SecureBytes AuditLog::deriveMacKey(const crypto::SecureBytes &rootKey)
{
    QByteArray key = crypto::hmacSha256(rootKey, QByteArrayView(MacKeyLabel));
    crypto::SecureBytes secure = crypto::SecureBytes::copyOf(key);
    crypto::wipe(key);
    return secure;
}

QByteArray AuditLog::macKeyAad(int macKeyId, int kekVersion)
{
    return "audit_mac_keys|" + QByteArray::number(macKeyId) + '|' + QByteArray::number(kekVersion);
}

std::optional<crypto::SecureBytes> AuditLog::macKeyFor(int macKeyId)
{
    const crypto::SecureBytes &current = macKey(); // throws sealed
    if (macKeyId == m_macKeyVersion)
        return current.clone();
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT wrapped_key, kek_version FROM audit_mac_keys WHERE mac_key_id = ?"),
        {macKeyId});
    if (!q.next())
        return std::nullopt;
    std::optional<crypto::SecureBytes> key = crypto::aead::open(
        m_vault.rootKey(), q.value(0).toByteArray(), macKeyAad(macKeyId, q.value(1).toInt()));
    if (!key)
        qCCritical(lcAudit).noquote() << "the audit MAC key of epoch" << macKeyId
                                      << "does not open under the current root KEK";
    return key;
}

AuditLog::Tail AuditLog::readTail()
{
    // Every audited request reads it: one prepared statement for the connection's life.
    static const QString lastRow =
        QStringLiteral("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    {
        store::Database::CachedQuery q = m_db.cached(lastRow);
        if (q.next())
            return {q.value(0).toLongLong(), unhex(q.value(1))};
    }
    // Everything pruned: the anchor checkpoint is where the next row chains from.
    QSqlQuery c = m_db.exec(
        QStringLiteral("SELECT seq, entry_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"));
    if (c.next())
        return {c.value(0).toLongLong(), unhex(c.value(1))};
    return {0, genesisHash()};
}

void AuditLog::requireIntactTail(const Tail &tail)
{
    // The table must still end where this process left it (or later, with rows of the current
    // transaction). Rows cut off the end would otherwise be overwritten by the next append and
    // vanish from every later verification; refusing keeps the evidence until an operator looks.
    if (!m_committedTail)
        return;
    const bool cut = tail.seq < m_committedTail->seq ||
                     (tail.seq == m_committedTail->seq &&
                      !crypto::constantTimeEquals(tail.entryHash, m_committedTail->entryHash));
    if (cut) {
        qCCritical(lcAudit).noquote()
            << "the audit log no longer ends at seq" << m_committedTail->seq
            << "as this server wrote it (now" << tail.seq
            << "): rows were removed or altered; refusing to append or sign";
        throw unavailableError();
    }
}

QString AuditLog::sourceAddressOf(const http::HttpRequest &request) const
{
    return m_sourceAddress ? m_sourceAddress(request) : request.peer.toString();
}

qint64 AuditLog::record(const AuditEvent &event, const http::HttpRequest *request)
{
    macKey(); // throws when sealed; (re)derives the key and m_macKeyed for this epoch
    AuditRecord r;
    r.time = store::timestamp(m_clock.now());
    r.action = event.action;
    r.resource = event.resource;
    r.status = event.status;
    if (!event.detailJson.isEmpty())
        r.detail = event.detailJson;
    else if (!event.detail.isEmpty())
        r.detail = QString::fromUtf8(QJsonDocument(event.detail).toJson(QJsonDocument::Compact));
    r.actorType = event.actorType;
    r.actor = event.actor;
    if (request) {
        if (r.actorType.isEmpty()) {
            r.actorType = request->notes.actorType;
            r.actor = request->notes.actor;
        }
        r.sourceAddress = sourceAddressOf(*request);
        r.requestId = request->requestId;
        bool pidOk = false;
        const qint64 pid = request->header("X-Cortex-Caller-Pid").trimmed().toLongLong(&pidOk);
        if (pidOk && pid > 0)
            r.callerPid = pid;
        r.callerBinarySha256 = callerField(*request, "X-Cortex-Caller-Binary-Sha256");
        r.callerArgvHash = callerField(*request, "X-Cortex-Caller-Argv-Hash");
        r.callerCwd = callerField(*request, "X-Cortex-Caller-Cwd");
        r.callerGitCommit = callerField(*request, "X-Cortex-Caller-Git-Commit");
        r.callerHostname = callerField(*request, "X-Cortex-Caller-Hostname", "X-Cortex-Hostname");
        r.callerOs = callerField(*request, "X-Cortex-Caller-Os", "X-Cortex-Os");
    }
    if (r.actorType.isEmpty())
        r.actorType = QStringLiteral("system");
    r.macKeyId = m_macKeyVersion;

    try {
        store::Transaction tx(m_db);
        const Tail tail = readTail();
        requireIntactTail(tail);
        r.seq = tail.seq + 1;
        r.prevHash = tail.entryHash;
        const QByteArray input = chainInput(r); // once for both
        r.entryHash = crypto::sha256(input);
        r.entryHmac = m_macKeyed.mac(input); // the current key (macKey() above), pre-keyed
        // Every audited request runs it: built once, and from the native statement cache.
        static const QString insertRow =
            QStringLiteral("INSERT INTO audit_log (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                           " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .arg(QLatin1StringView(AuditRowColumns));
        m_db.cached(insertRow, {r.seq,
                                r.time,
                                r.actorType,
                                nullIfEmpty(r.actor),
                                r.action,
                                nullIfEmpty(r.resource),
                                r.status,
                                nullIfEmpty(r.sourceAddress),
                                nullIfEmpty(r.requestId),
                                r.callerPid ? QVariant(*r.callerPid) : QVariant(),
                                nullIfEmpty(r.callerBinarySha256),
                                nullIfEmpty(r.callerArgvHash),
                                nullIfEmpty(r.callerCwd),
                                nullIfEmpty(r.callerGitCommit),
                                nullIfEmpty(r.callerHostname),
                                nullIfEmpty(r.callerOs),
                                nullIfEmpty(r.detail),
                                r.macKeyId,
                                hex(r.prevHash),
                                hex(r.entryHash),
                                hex(r.entryHmac)});
        m_db.afterCommit([this, seq = r.seq, hash = r.entryHash, action = r.action,
                          status = r.status] { onCommitted(seq, hash, action, status); });
        tx.commit();
    } catch (const store::StoreError &e) {
        qCCritical(lcAudit).noquote() << "cannot write the audit row for" << r.action << "("
                                      << r.requestId << "):" << e.what();
        throw unavailableError();
    }
    return r.seq;
}

void AuditLog::onCommitted(qint64 seq, const QByteArray &entryHash, const QString &action,
                           const QString &status)
{
    m_committedTail = Tail{seq, entryHash};
    if (m_lastCheckpointSeq < 0) {
        QSqlQuery q =
            m_db.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints"));
        m_lastCheckpointSeq = q.next() ? q.value(0).toLongLong() : 0;
    }
    if (seq - m_lastCheckpointSeq >= m_settings.checkpointEveryRows) {
        try {
            // Synced with the reads' rows, not on its own: the next one covers a lost one.
            writeCheckpoint(store::Durability::WithinFlushInterval);
        } catch (const std::exception &e) {
            qCWarning(lcAudit) << "checkpoint failed:" << e.what();
        }
    }
    Q_EMIT appended(seq, action, status);
}

std::optional<Checkpoint> AuditLog::signCheckpoint(qint64 seq, const QByteArray &entryHash)
{
    Checkpoint c;
    c.seq = seq;
    c.entryHash = entryHash;
    c.time = store::timestamp(m_clock.now());
    c.kid = m_serverKeys.activeKid();
    const access::ServerKeys::DetachedSignature signature =
        m_serverKeys.signDetached(c.signedMessage());
    if (signature.kid != c.kid)
        return std::nullopt; // rotated in between; the caller tries again later
    c.signature = signature.signature;
    return c;
}

void AuditLog::storeCheckpoint(const Checkpoint &c)
{
    m_db.exec(QStringLiteral("INSERT OR IGNORE INTO audit_checkpoints (%1) VALUES (?, ?, ?, ?, ?)")
                  .arg(QLatin1StringView(CheckpointColumns)),
              {c.seq, hex(c.entryHash), c.time, c.kid, c.signature});
}

void AuditLog::requireAuthenticRow(qint64 seq)
{
    // A signature vouches for everything before it, so never sign a row this server did not
    // write: its hash and HMAC must check out (a rewritten earlier row changes its prev_hash).
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM audit_log WHERE seq = ?")
                                .arg(QLatin1StringView(AuditRowColumns)),
                            {seq});
    if (!q.next())
        return; // the anchor checkpoint of a fully pruned log: already signed
    const AuditRecord row = auditRecordFrom(q);
    bool authentic = crypto::constantTimeEquals(computeEntryHash(row), row.entryHash);
    if (authentic) {
        // Each row against its own epoch's key: a row from before a root-KEK rotation too.
        const std::optional<crypto::SecureBytes> key = macKeyFor(row.macKeyId);
        authentic =
            key && crypto::constantTimeEquals(computeEntryHmac(key->view(), row), row.entryHmac);
    }
    if (!authentic) {
        qCCritical(lcAudit).noquote()
            << "audit row" << seq << "fails its hash or HMAC check; refusing to sign it";
        throw unavailableError();
    }
}

std::optional<Checkpoint> AuditLog::checkpointNow()
{
    return writeCheckpoint(store::Durability::OnCommit);
}

std::optional<Checkpoint> AuditLog::writeCheckpoint(store::Durability durability)
{
    store::Transaction tx(m_db, durability);
    const Tail tail = readTail();
    if (tail.seq == 0)
        return std::nullopt;
    QSqlQuery existing = m_db.exec(QStringLiteral("SELECT %1 FROM audit_checkpoints WHERE seq = ?")
                                       .arg(QLatin1StringView(CheckpointColumns)),
                                   {tail.seq});
    std::optional<Checkpoint> c;
    if (existing.next()) {
        c = checkpointFrom(existing);
    } else {
        requireIntactTail(tail);
        requireAuthenticRow(tail.seq);
        c = signCheckpoint(tail.seq, tail.entryHash);
        if (!c)
            return std::nullopt;
        storeCheckpoint(*c);
    }
    tx.commit();
    m_lastCheckpointSeq = std::max(m_lastCheckpointSeq, c->seq);
    return c;
}

VerifyResult AuditLog::verify()
{
    ChainVerifier::Keys keys;
    // Rows name the KEK version their HMAC key came from: the current epoch's key and every
    // older one that root-KEK rotations kept (a row whose key is missing fails verification).
    keys.macKeys.insert(m_vault.kekVersion(), macKey().view().toByteArray());
    {
        QSqlQuery q = m_db.exec(QStringLiteral("SELECT mac_key_id FROM audit_mac_keys"));
        QList<int> ids;
        while (q.next())
            ids.append(q.value(0).toInt());
        for (const int id : ids)
            if (const std::optional<crypto::SecureBytes> key = macKeyFor(id))
                keys.macKeys.insert(id, key->view().toByteArray());
    }
    keys.publicKey = [this](const QString &kid) {
        return m_serverKeys.publicKeyOfAnyAge(kid);
    };
    ChainVerifier verifier(keys);

    store::Transaction tx(m_db); // one consistent snapshot
    QMap<qint64, Checkpoint> checkpoints;
    {
        QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM audit_checkpoints ORDER BY seq")
                                    .arg(QLatin1StringView(CheckpointColumns)));
        while (q.next()) {
            const Checkpoint c = checkpointFrom(q);
            checkpoints.insert(c.seq, c);
        }
    }
    QSqlQuery rows = m_db.exec(QStringLiteral("SELECT %1 FROM audit_log ORDER BY seq")
                                   .arg(QLatin1StringView(AuditRowColumns)));
    bool first = true;
    auto next = checkpoints.constBegin();
    while (rows.next() && verifier.result().ok) {
        const AuditRecord row = auditRecordFrom(rows);
        if (first) {
            // Checkpoints below the first row: the last one is the prune anchor.
            std::optional<Checkpoint> anchor;
            while (next != checkpoints.constEnd() && next.key() < row.seq)
                anchor = *next++;
            if (anchor)
                verifier.addCheckpoint(*anchor);
            first = false;
        }
        // A checkpoint whose row has vanished shows up here as "rows missing".
        while (next != checkpoints.constEnd() && next.key() < row.seq && verifier.result().ok)
            verifier.addCheckpoint(*next++);
        if (!verifier.addRow(row))
            break;
        if (next != checkpoints.constEnd() && next.key() == row.seq)
            verifier.addCheckpoint(*next++);
    }
    while (next != checkpoints.constEnd() && verifier.result().ok)
        verifier.addCheckpoint(*next++);
    tx.commit();
    std::optional<std::pair<qint64, QByteArray>> expected;
    if (m_committedTail)
        expected = std::make_pair(m_committedTail->seq, m_committedTail->entryHash);
    VerifyResult result = verifier.finish(expected, false);
    for (QByteArray &key : keys.macKeys)
        crypto::wipe(key);
    return result;
}

void AuditLog::writeExport(QIODevice &out)
{
    checkpointNow(); // the export ends with a signed checkpoint for its last row
    store::Transaction tx(m_db);
    qint64 firstSeq = 0;
    qint64 lastSeq = 0;
    {
        QSqlQuery q = m_db.exec(
            QStringLiteral("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM audit_log"));
        if (q.next()) {
            firstSeq = q.value(0).toLongLong();
            lastSeq = q.value(1).toLongLong();
        }
    }
    const auto writeLine = [&out](const QJsonObject &object) {
        out.write(QJsonDocument(object).toJson(QJsonDocument::Compact));
        out.write("\n", 1);
    };
    writeLine(exportHeader(store::timestamp(m_clock.now()), firstSeq, lastSeq));
    QSqlQuery checkpoints =
        m_db.exec(QStringLiteral("SELECT %1 FROM audit_checkpoints WHERE seq >= ? ORDER BY seq")
                      .arg(QLatin1StringView(CheckpointColumns)),
                  {firstSeq - 1});
    std::optional<Checkpoint> pending;
    const auto advance = [&] {
        pending.reset();
        if (checkpoints.next())
            pending = checkpointFrom(checkpoints);
    };
    advance();
    while (pending && pending->seq < firstSeq) { // the prune anchor
        writeLine(pending->toJson());
        advance();
    }
    QSqlQuery rows = m_db.exec(QStringLiteral("SELECT %1 FROM audit_log ORDER BY seq")
                                   .arg(QLatin1StringView(AuditRowColumns)));
    while (rows.next()) {
        const AuditRecord row = auditRecordFrom(rows);
        writeLine(row.toJson());
        while (pending && pending->seq <= row.seq) {
            writeLine(pending->toJson());
            advance();
        }
    }
    tx.commit();
}

qint64 AuditLog::lastSeqBefore(const QDateTime &time)
{
    QSqlQuery q =
        m_db.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE time < ?"),
                  {store::timestamp(time)});
    return q.next() ? q.value(0).toLongLong() : 0;
}

qint64 AuditLog::prune(qint64 throughSeq, const http::HttpRequest *request)
{
    store::Transaction tx(m_db);
    const Tail tail = readTail();
    throughSeq = std::min(throughSeq, tail.seq);
    QSqlQuery first = m_db.exec(QStringLiteral("SELECT COALESCE(MIN(seq), 0) FROM audit_log"));
    const qint64 firstSeq = first.next() ? first.value(0).toLongLong() : 0;
    if (throughSeq < firstSeq || firstSeq == 0)
        return 0;
    QSqlQuery at =
        m_db.exec(QStringLiteral("SELECT entry_hash FROM audit_log WHERE seq = ?"), {throughSeq});
    if (!at.next())
        throw store::StoreError("audit row to prune at is missing");
    const std::optional<Checkpoint> anchor = signCheckpoint(throughSeq, unhex(at.value(0)));
    if (!anchor)
        throw protocol::ApiError::serviceUnavailable(
            QStringLiteral("key_rotating"),
            QStringLiteral("the server key changed while signing; try again"));
    m_db.exec(QStringLiteral("DELETE FROM audit_checkpoints WHERE seq = ?"), {throughSeq});
    storeCheckpoint(*anchor);
    QSqlQuery removed =
        m_db.exec(QStringLiteral("DELETE FROM audit_log WHERE seq <= ?"), {throughSeq});
    const qint64 count = removed.numRowsAffected();
    m_db.exec(QStringLiteral("DELETE FROM audit_checkpoints WHERE seq < ?"), {throughSeq});
    AuditEvent event(QStringLiteral("audit_prune"), QString::number(throughSeq),
                     QStringLiteral("success"),
                     {{QStringLiteral("pruned_through_seq"), throughSeq},
                      {QStringLiteral("rows_removed"), count},
                      {QStringLiteral("anchor_checkpoint_seq"), anchor->seq}});
    if (!request) {
        event.actorType = QStringLiteral("system");
        event.actor = QStringLiteral("retention");
    }
    record(event, request);
    tx.commit();
    return count;
}

} // namespace cortex::audit
