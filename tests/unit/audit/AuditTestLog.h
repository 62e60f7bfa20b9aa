#pragma once

// Builds audit logs in memory the way the server writes them: rows chained from the genesis
// hash (or a prune anchor), each with entry_hash and entry_hmac, and Ed25519-signed checkpoints
// streamed after the row they cover. Shared by the audit and cli unit tests.

#include "audit/AuditRecord.h"
#include "audit/ChainVerifier.h"
#include "audit/Checkpoint.h"
#include "audit/ExportFormat.h"
#include "crypto/Ed25519.h"
#include "crypto/Jwks.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QList>
#include <QString>

#include <variant>

namespace cortex::audit::testing {

using Item = std::variant<AuditRecord, Checkpoint>;
using Stream = QList<Item>;

class TestLog
{
public:
    static constexpr int MacKeyId = 1;

    TestLog()
        : m_key(crypto::SigningKey::generate()), m_kid(crypto::jws::keyIdFor(m_key.publicKey())),
          m_macKey(QByteArray(32, '\x5a'))
    {}

    const QString &kid() const { return m_kid; }
    QByteArray publicKey() const { return m_key.publicKey(); }
    const QByteArray &macKey() const { return m_macKey; }

    // A row with the sizes of a real one: caller metadata, a request id and a small detail.
    static AuditRecord makeRow(qint64 seq)
    {
        AuditRecord r;
        r.seq = seq;
        r.time = QStringLiteral("2026-11-23T10:%1:%2.000Z")
                     .arg((seq / 60) % 60, 2, 10, QLatin1Char('0'))
                     .arg(seq % 60, 2, 10, QLatin1Char('0'));
        r.actorType = QStringLiteral("agent");
        r.actor = QStringLiteral("agent-%1").arg(seq % 7);
        r.action = seq % 3 ? QStringLiteral("get_secrets") : QStringLiteral("create_secret");
        r.resource = QStringLiteral("project-%1/openai/api-key").arg(seq % 11);
        r.status = QStringLiteral("success");
        r.sourceAddress = QStringLiteral("127.0.0.1");
        r.requestId = QStringLiteral("req-%1").arg(seq);
        if (seq % 2)
            r.callerPid = 4000 + seq;
        r.callerBinarySha256 = QString(64, QLatin1Char('b'));
        r.callerCwd = QStringLiteral("/srv/café");
        r.callerHostname = QStringLiteral("agent-host");
        r.callerOs = QStringLiteral("linux");
        r.detail = QStringLiteral("{\"count\":%1}").arg(seq % 5);
        r.macKeyId = MacKeyId;
        return r;
    }

    // Sets prev_hash, entry_hash and entry_hmac as the server does.
    void seal(AuditRecord &row, const QByteArray &prevHash, const QByteArray &macKey) const
    {
        row.prevHash = prevHash;
        row.entryHash = computeEntryHash(row);
        row.entryHmac = computeEntryHmac(macKey, row);
    }
    void seal(AuditRecord &row, const QByteArray &prevHash) const { seal(row, prevHash, m_macKey); }

    Checkpoint sign(qint64 seq, const QByteArray &entryHash) const
    {
        return signWith(m_key, m_kid, seq, entryHash);
    }
    static Checkpoint signWith(const crypto::SigningKey &key, const QString &kid, qint64 seq,
                               const QByteArray &entryHash)
    {
        Checkpoint c;
        c.seq = seq;
        c.entryHash = entryHash;
        c.time = QStringLiteral("2026-11-23T11:00:00.000Z");
        c.kid = kid;
        c.signature = key.sign(c.signedMessage());
        return c;
    }

    // Rows 1..rows from the genesis hash with a checkpoint after every `every`-th row and one
    // after the last row.
    Stream build(qint64 rows, qint64 every) const
    {
        Stream stream;
        QByteArray prev = genesisHash();
        for (qint64 seq = 1; seq <= rows; ++seq) {
            AuditRecord row = makeRow(seq);
            seal(row, prev);
            prev = row.entryHash;
            stream.append(row);
            if (seq % every == 0 || seq == rows)
                stream.append(sign(seq, row.entryHash));
        }
        return stream;
    }

    ChainVerifier::Keys keys(bool withMacKey) const
    {
        ChainVerifier::Keys keys;
        if (withMacKey)
            keys.macKeys.insert(MacKeyId, m_macKey);
        keys.publicKey = [kid = m_kid, pub = m_key.publicKey()](const QString &wanted) {
            return wanted == kid ? std::optional<QByteArray>(pub) : std::nullopt;
        };
        return keys;
    }

    QJsonObject jwks() const { return crypto::jws::jwksDocument({{m_kid, m_key.publicKey()}}); }

private:
    crypto::SigningKey m_key;
    QString m_kid;
    QByteArray m_macKey;
};

inline VerifyResult verifyStream(const Stream &stream, const ChainVerifier::Keys &keys,
                                 std::optional<std::pair<qint64, QByteArray>> expectedLast = {},
                                 bool requireSignedEnd = true)
{
    ChainVerifier verifier(keys);
    for (const Item &item : stream) {
        const bool accepted = std::holds_alternative<AuditRecord>(item)
                                  ? verifier.addRow(std::get<AuditRecord>(item))
                                  : verifier.addCheckpoint(std::get<Checkpoint>(item));
        if (!accepted)
            break;
    }
    return verifier.finish(std::move(expectedLast), requireSignedEnd);
}

inline qint64 lastRowSeq(const Stream &stream)
{
    for (auto it = stream.crbegin(); it != stream.crend(); ++it)
        if (std::holds_alternative<AuditRecord>(*it))
            return std::get<AuditRecord>(*it).seq;
    return 0;
}

// The export file the server writes for this stream: header, then one JSON object per line.
inline QByteArray exportBytes(const Stream &stream, qint64 firstSeq = 1)
{
    QByteArray out = QJsonDocument(exportHeader(QStringLiteral("2026-11-23T11:00:00.000Z"),
                                                firstSeq, lastRowSeq(stream)))
                         .toJson(QJsonDocument::Compact) +
                     '\n';
    for (const Item &item : stream) {
        const QJsonObject json = std::holds_alternative<AuditRecord>(item)
                                     ? std::get<AuditRecord>(item).toJson()
                                     : std::get<Checkpoint>(item).toJson();
        out += QJsonDocument(json).toJson(QJsonDocument::Compact) + '\n';
    }
    return out;
}

} // namespace cortex::audit::testing
