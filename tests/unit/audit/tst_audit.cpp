// The audit chain: canonical encoding known answers, an intact log, every kind of tampering
// caught at the right seq, pruned logs, and the JSON Lines export read back by verifyExport.

#include "AuditTestLog.h"

#include "crypto/Ed25519.h"
#include "crypto/Jwks.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QTest>

using namespace cortex;
using namespace cortex::audit;
using namespace cortex::audit::testing;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Rows = 25;
constexpr qint64 Every = 5; // checkpoints after rows 5, 10, 15, 20, 25

// Index in the stream of the row with this seq.
qsizetype rowIndex(const Stream &stream, qint64 seq)
{
    for (qsizetype i = 0; i < stream.size(); ++i)
        if (std::holds_alternative<AuditRecord>(stream[i]) &&
            std::get<AuditRecord>(stream[i]).seq == seq)
            return i;
    return -1;
}

qsizetype checkpointIndex(const Stream &stream, qint64 seq)
{
    for (qsizetype i = 0; i < stream.size(); ++i)
        if (std::holds_alternative<Checkpoint>(stream[i]) &&
            std::get<Checkpoint>(stream[i]).seq == seq)
            return i;
    return -1;
}

AuditRecord &rowAt(Stream &stream, qint64 seq)
{
    return std::get<AuditRecord>(stream[rowIndex(stream, seq)]);
}

// What an attacker without the HMAC key can do after editing row `fromSeq`: recompute the
// chain of that row and every later one (entry_hmac under a key of their own). They cannot
// re-sign the checkpoints, which keep their old hashes.
void rehashFrom(const TestLog &log, Stream &stream, qint64 fromSeq)
{
    const QByteArray attackerKey(32, '\x01');
    QByteArray prev = fromSeq == 1 ? genesisHash() : rowAt(stream, fromSeq - 1).entryHash;
    for (Item &item : stream) {
        if (!std::holds_alternative<AuditRecord>(item))
            continue;
        AuditRecord &row = std::get<AuditRecord>(item);
        if (row.seq < fromSeq)
            continue;
        log.seal(row, prev, attackerKey);
        prev = row.entryHash;
    }
}

#define QCOMPARE_BAD(result, seq, reasonPart)                                                      \
    do {                                                                                           \
        const VerifyResult r_ = (result);                                                          \
        QVERIFY2(!r_.ok, "expected the verification to fail");                                     \
        QVERIFY(r_.firstBadSeq.has_value());                                                       \
        QCOMPARE(*r_.firstBadSeq, qint64(seq));                                                    \
        QVERIFY2(r_.reason.contains(reasonPart), qPrintable(r_.reason));                           \
    } while (false)

VerifyResult verifyBytes(const QByteArray &bytes, const ChainVerifier::Keys &keys)
{
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    return verifyExport(buffer, keys);
}

} // namespace

class TestAudit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void canonicalBytesKnownAnswer();
    void jsonRoundTrip();
    void intactLogVerifies();
    void intactLogVerifiesOffline();
    void editedRowWithoutRehash();
    void editedRowRehashedWithMacKey();
    void editedRowRehashedOffline();
    void deletedMiddleRow();
    void deletedLastRowsBeforeCheckpoint();
    void deletedLastRowsAndCheckpoint();
    void reorderedRows();
    void firstRowNotFromGenesis();
    void badCheckpointSignature();
    void checkpointByUnknownKid();
    void unknownMacKeyId();
    void prunedLogWithAnchor();
    void prunedLogWithoutAnchor();
    void anchorInFrontOfFabricatedLog();
    void anchorThenGap();
    void fullyPrunedLog();

    void exportRoundTrip();
    void exportFlippedByteInRow();
    void exportTruncated();
    void exportCutAtCheckpoint();
    void exportGarbageLine();
    void exportEmpty();
    void exportHeaderOnly();
    void exportWithoutSignedEnd();

private:
    TestLog m_log;
};

void TestAudit::canonicalBytesKnownAnswer()
{
    AuditRecord r;
    r.seq = 7;
    r.time = u"2026-11-23T10:00:00.000Z"_s;
    r.actorType = u"agent"_s;
    r.actor = u"agent-42"_s;
    r.action = u"get_secrets"_s;
    r.resource = u"openai/api-key"_s;
    r.status = u"success"_s;
    r.sourceAddress = u"127.0.0.1"_s;
    r.requestId = u"req-1"_s;
    r.callerPid = 4242;
    r.callerCwd = u"/srv/café"_s; // é is two UTF-8 bytes: the length counts bytes
    r.callerHostname = u"host"_s;
    r.callerOs = u"linux"_s;
    r.detail = u"{\"count\":1}"_s;
    r.macKeyId = 1;
    r.prevHash = QByteArray(32, '\x11');

    // The layout of AuditRecord.h written out by hand: the tag, then per field a 4-byte
    // big-endian length and the UTF-8 bytes. Empty fields (binary sha, argv hash, git commit)
    // are a zero length and nothing else.
    // clang-format off
    static const char expected[] = "cortex-audit-v1"
        "\0\0\0\x01" "7"                          // seq
        "\0\0\0\x18" "2026-11-23T10:00:00.000Z"   // time
        "\0\0\0\x05" "agent"                      // actor_type
        "\0\0\0\x08" "agent-42"                   // actor
        "\0\0\0\x0b" "get_secrets"                // action
        "\0\0\0\x0e" "openai/api-key"             // resource
        "\0\0\0\x07" "success"                    // status
        "\0\0\0\x09" "127.0.0.1"                  // source_address
        "\0\0\0\x05" "req-1"                      // request_id
        "\0\0\0\x04" "4242"                       // caller_pid
        "\0\0\0\0"                                // caller_binary_sha256
        "\0\0\0\0"                                // caller_argv_hash
        "\0\0\0\x0a" "/srv/caf\xc3\xa9"           // caller_cwd
        "\0\0\0\0"                                // caller_git_commit
        "\0\0\0\x04" "host"                       // caller_hostname
        "\0\0\0\x05" "linux"                      // caller_os
        "\0\0\0\x0b" "{\"count\":1}"              // detail
        "\0\0\0\x01" "1";                         // mac_key_id
    // clang-format on
    const QByteArray expectedBytes(expected, sizeof expected - 1);
    QCOMPARE(expectedBytes.size(), qsizetype(206));
    QCOMPARE(canonicalBytes(r), expectedBytes);

    // Independently, with Python's hashlib/hmac:
    // python3 -c 'import hashlib,hmac,struct;f=["7","2026-11-23T10:00:00.000Z","agent",
    //   "agent-42","get_secrets","openai/api-key","success","127.0.0.1","req-1","4242","","",
    //   "/srv/café","","host","linux","{\"count\":1}","1"];c=b"cortex-audit-v1"+b"".join(
    //   struct.pack(">I",len(x.encode()))+x.encode() for x in f);m=b"\x11"*32+c;
    //   print(hashlib.sha256(m).hexdigest());print(hmac.new(b"\x22"*32,m,"sha256").hexdigest())'
    QCOMPARE(computeEntryHash(r).toHex(),
             "5f6812d58e36799f10d0c3f44afb02da7da83e47efc2039a4b6261441369fb4c"_ba);
    QCOMPARE(computeEntryHmac(QByteArray(32, '\x22'), r).toHex(),
             "0e07c22ccba2694b1bc3f3465c2f77fa8717d43e7a970a87e137e323c2265803"_ba);

    // An absent caller pid is a zero length, not "0".
    AuditRecord noPid = r;
    noPid.callerPid.reset();
    const QByteArray bytes = canonicalBytes(noPid);
    QCOMPARE(bytes.size(), qsizetype(206 - 4));
    QVERIFY(bytes.contains(QByteArray("req-1\0\0\0\0\0\0\0\0", 13)));
}

void TestAudit::jsonRoundTrip()
{
    const Stream stream = m_log.build(2, 10);
    for (const Item &item : stream) {
        if (const auto *row = std::get_if<AuditRecord>(&item)) {
            const QJsonObject json = row->toJson();
            QCOMPARE(json.value(u"type"_s).toString(), u"row"_s);
            const std::optional<AuditRecord> back = AuditRecord::fromJson(json);
            QVERIFY(back);
            QCOMPARE(canonicalBytes(*back), canonicalBytes(*row));
            QVERIFY(back->callerPid == row->callerPid);
            QCOMPARE(back->entryHash, row->entryHash);
            QCOMPARE(back->entryHmac, row->entryHmac);
            QCOMPARE(back->prevHash, row->prevHash);
            QJsonObject broken = json;
            broken.remove(u"resource"_s);
            QVERIFY(!AuditRecord::fromJson(broken));
            broken = json;
            broken[u"entry_hash"_s] = json.value(u"entry_hash"_s).toString().toUpper();
            QVERIFY(!AuditRecord::fromJson(broken));
        } else {
            const Checkpoint &c = std::get<Checkpoint>(item);
            const std::optional<Checkpoint> back = Checkpoint::fromJson(c.toJson());
            QVERIFY(back);
            QCOMPARE(back->signedMessage(), c.signedMessage());
            QCOMPARE(back->signature, c.signature);
        }
    }
}

void TestAudit::intactLogVerifies()
{
    const Stream stream = m_log.build(Rows, Every);
    const AuditRecord &last = std::get<AuditRecord>(stream[rowIndex(stream, Rows)]);
    const VerifyResult r =
        verifyStream(stream, m_log.keys(true), std::pair{Rows, last.entryHash}, true);
    QVERIFY2(r.ok, qPrintable(r.reason));
    QCOMPARE(r.rowsChecked, Rows);
    QCOMPARE(r.checkpointsChecked, Rows / Every);
    QVERIFY(!r.firstBadSeq);
}

void TestAudit::intactLogVerifiesOffline()
{
    const VerifyResult r = verifyStream(m_log.build(Rows, Every), m_log.keys(false));
    QVERIFY2(r.ok, qPrintable(r.reason));
    QCOMPARE(r.rowsChecked, Rows);
}

void TestAudit::editedRowWithoutRehash()
{
    for (const bool withMac : {true, false}) {
        Stream stream = m_log.build(Rows, Every);
        rowAt(stream, 12).resource = u"project-3/anthropic/api-key"_s;
        QCOMPARE_BAD(verifyStream(stream, m_log.keys(withMac)), 12, u"entry_hash");
    }
    // Any column counts, also one the canonical form holds as a number.
    Stream stream = m_log.build(Rows, Every);
    rowAt(stream, 12).callerPid = 1;
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 12, u"entry_hash");
}

void TestAudit::editedRowRehashedWithMacKey()
{
    Stream stream = m_log.build(Rows, Every);
    rowAt(stream, 12).status = u"denied"_s;
    rehashFrom(m_log, stream, 12);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 12, u"HMAC");
}

void TestAudit::editedRowRehashedOffline()
{
    // Without the HMAC key the rehashed chain holds together; the checkpoint after the edit
    // (seq 15) no longer matches, so everything after the previous one (seq 10) is suspect.
    Stream stream = m_log.build(Rows, Every);
    rowAt(stream, 12).status = u"denied"_s;
    rehashFrom(m_log, stream, 12);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(false)), 11, u"checkpoint at seq 15");
}

void TestAudit::deletedMiddleRow()
{
    Stream stream = m_log.build(Rows, Every);
    stream.removeAt(rowIndex(stream, 12));
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 12, u"row 12 is missing");
}

void TestAudit::deletedLastRowsBeforeCheckpoint()
{
    // Rows 23 to 25 gone, the checkpoint at 25 still there.
    Stream stream = m_log.build(Rows, Every);
    stream.removeAt(rowIndex(stream, 25));
    stream.removeAt(rowIndex(stream, 24));
    stream.removeAt(rowIndex(stream, 23));
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 23, u"missing");
}

void TestAudit::deletedLastRowsAndCheckpoint()
{
    const Stream full = m_log.build(Rows, Every);
    const QByteArray lastHash = std::get<AuditRecord>(full[rowIndex(full, Rows)]).entryHash;

    // Cut after row 22: no checkpoint covers 21 and 22.
    Stream stream = full.first(rowIndex(full, 22) + 1);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 21, u"not covered by a signed");
    // The server knows its tail: rows 23 to 25 are missing.
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true), std::pair{Rows, lastHash}, false), 23,
                 u"rows 23 to 25 are missing");

    // Cut right after the checkpoint at 20: only the known tail can tell.
    stream = full.first(checkpointIndex(full, 20) + 1);
    QVERIFY(verifyStream(stream, m_log.keys(true)).ok);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true), std::pair{Rows, lastHash}, true), 21,
                 u"rows 21 to 25 are missing");
}

void TestAudit::reorderedRows()
{
    Stream stream = m_log.build(Rows, Every);
    stream.swapItemsAt(rowIndex(stream, 12), rowIndex(stream, 13));
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 12, u"row 12");
}

void TestAudit::firstRowNotFromGenesis()
{
    Stream stream = m_log.build(Rows, Every);
    rowAt(stream, 1).prevHash = QByteArray(32, '\x01');
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 1, u"genesis");
}

void TestAudit::badCheckpointSignature()
{
    Stream stream = m_log.build(Rows, Every);
    Checkpoint &c = std::get<Checkpoint>(stream[checkpointIndex(stream, 15)]);
    c.signature[10] = char(c.signature[10] ^ 0x01);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 11, u"bad signature");

    // Pointing a genuine signature at another hash breaks it the same way.
    stream = m_log.build(Rows, Every);
    std::get<Checkpoint>(stream[checkpointIndex(stream, 15)]).entryHash = QByteArray(32, 'x');
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(false)), 11, u"bad signature");
}

void TestAudit::checkpointByUnknownKid()
{
    Stream stream = m_log.build(Rows, Every);
    const crypto::SigningKey other = crypto::SigningKey::generate();
    const QString otherKid = crypto::jws::keyIdFor(other.publicKey());
    Checkpoint &c = std::get<Checkpoint>(stream[checkpointIndex(stream, 15)]);
    c = TestLog::signWith(other, otherKid, c.seq, c.entryHash);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 11, u"unknown key");

    // The right kid with the other key's signature is a bad signature.
    c.kid = m_log.kid();
    c.signature = other.sign(c.signedMessage());
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 11, u"bad signature");
}

void TestAudit::unknownMacKeyId()
{
    Stream stream = m_log.build(Rows, Every);
    AuditRecord &row = rowAt(stream, 7);
    row.macKeyId = 2;
    m_log.seal(row, row.prevHash); // consistent entry_hash, but no key 2 to check it with
    rehashFrom(m_log, stream, 8);
    QCOMPARE_BAD(verifyStream(stream, m_log.keys(true)), 7, u"unknown HMAC key 2");
}

void TestAudit::prunedLogWithAnchor()
{
    // Rows 1..10 pruned; the checkpoint at 10 stays as the anchor in front of row 11.
    const Stream full = m_log.build(Rows, Every);
    const Stream pruned = full.sliced(checkpointIndex(full, 10));
    QVERIFY(std::holds_alternative<Checkpoint>(pruned.first()));
    for (const bool withMac : {true, false}) {
        const VerifyResult r = verifyStream(pruned, m_log.keys(withMac));
        QVERIFY2(r.ok, qPrintable(r.reason));
        QCOMPARE(r.rowsChecked, Rows - 10);
        QCOMPARE(r.checkpointsChecked, qint64(4));
    }
}

void TestAudit::prunedLogWithoutAnchor()
{
    const Stream full = m_log.build(Rows, Every);
    const Stream pruned = full.sliced(rowIndex(full, 11));
    QCOMPARE_BAD(verifyStream(pruned, m_log.keys(true)), 1, u"rows before seq 11 are missing");
}

void TestAudit::anchorInFrontOfFabricatedLog()
{
    // A genuine checkpoint for seq 20 cannot vouch for a made-up log starting at row 1.
    const Stream real = m_log.build(Rows, Every);
    Stream forged = m_log.build(3, 100);
    forged.removeLast(); // the attacker cannot sign its end
    forged.prepend(real[checkpointIndex(real, 20)]);
    QCOMPARE_BAD(verifyStream(forged, m_log.keys(false)), 21, u"row 21 is missing");
}

void TestAudit::anchorThenGap()
{
    const Stream full = m_log.build(Rows, Every);
    Stream pruned = full.sliced(checkpointIndex(full, 10));
    pruned.removeAt(rowIndex(pruned, 11));
    QCOMPARE_BAD(verifyStream(pruned, m_log.keys(true)), 11, u"row 11 is missing");

    // The anchor's hash must be the one row 11 chains from.
    pruned = full.sliced(checkpointIndex(full, 10));
    std::get<Checkpoint>(pruned[0]) = m_log.sign(10, QByteArray(32, '\x07'));
    QCOMPARE_BAD(verifyStream(pruned, m_log.keys(true)), 11, u"does not continue");
}

void TestAudit::fullyPrunedLog()
{
    // Everything pruned: only the anchor is left, and it is where the server's tail is.
    const Stream full = m_log.build(Rows, Every);
    const Checkpoint anchor = std::get<Checkpoint>(full.last());
    const VerifyResult r =
        verifyStream({anchor}, m_log.keys(true), std::pair{Rows, anchor.entryHash}, true);
    QVERIFY2(r.ok, qPrintable(r.reason));
    QCOMPARE(r.rowsChecked, qint64(0));
}

void TestAudit::exportRoundTrip()
{
    const QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    for (const bool withMac : {true, false}) {
        const VerifyResult r = verifyBytes(bytes, m_log.keys(withMac));
        QVERIFY2(r.ok, qPrintable(r.reason));
        QCOMPARE(r.rowsChecked, Rows);
        QCOMPARE(r.checkpointsChecked, Rows / Every);
    }

    // A pruned export: the anchor comes before the first row.
    const Stream full = m_log.build(Rows, Every);
    const VerifyResult pruned =
        verifyBytes(exportBytes(full.sliced(checkpointIndex(full, 10)), 11), m_log.keys(false));
    QVERIFY2(pruned.ok, qPrintable(pruned.reason));
    QCOMPARE(pruned.rowsChecked, Rows - 10);
}

void TestAudit::exportFlippedByteInRow()
{
    QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    // The "resource" value of row 12 ("project-1/openai/api-key"): change one character.
    const qsizetype row = bytes.indexOf("\"request_id\":\"req-12\"");
    QVERIFY(row > 0);
    const qsizetype lineStart = bytes.lastIndexOf('\n', row) + 1;
    const qsizetype resource = bytes.indexOf("\"resource\":\"project-", lineStart);
    QVERIFY(resource > lineStart && resource < bytes.indexOf('\n', lineStart));
    const qsizetype at = resource + qsizetype(sizeof "\"resource\":\"project-") - 1;
    bytes[at] = bytes[at] == '1' ? '2' : '1';
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 12, u"row 12 was altered");

    // A flipped bit that breaks the JSON (an invalid byte) is caught too, at the same row.
    bytes = exportBytes(m_log.build(Rows, Every));
    bytes[resource] = '\x01';
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 12, u"line");
}

void TestAudit::exportTruncated()
{
    const QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    // The last two lines (row 25 and its checkpoint) gone.
    QByteArray cut = bytes.first(bytes.lastIndexOf('\n', bytes.size() - 2));
    cut = cut.first(cut.lastIndexOf('\n') + 1);
    QCOMPARE_BAD(verifyBytes(cut, m_log.keys(false)), 21, u"rows 21 to 24 are not covered");
    // Cut in the middle of the last line.
    QCOMPARE_BAD(verifyBytes(bytes.first(bytes.size() - 30), m_log.keys(false)), 26, u"line");
}

void TestAudit::exportCutAtCheckpoint()
{
    // Cut right after the checkpoint at 20: the chain alone would accept it, the header's
    // last_seq does not.
    const QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    const qsizetype cp20 = bytes.indexOf("{\"entry_hash\":", bytes.indexOf("\"req-20\""));
    QVERIFY(cp20 > 0);
    const QByteArray cut = bytes.first(bytes.indexOf('\n', cp20) + 1);
    QCOMPARE_BAD(verifyBytes(cut, m_log.keys(false)), 21, u"cut off");
}

void TestAudit::exportGarbageLine()
{
    QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    const qsizetype row6 = bytes.lastIndexOf('\n', bytes.indexOf("\"req-6\"")) + 1;
    bytes.insert(row6, "this is not json\n");
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 6, u"not a JSON object");

    bytes = exportBytes(m_log.build(Rows, Every));
    bytes.insert(row6, "{\"type\":\"comment\"}\n");
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 6, u"unknown type");

    bytes = exportBytes(m_log.build(Rows, Every));
    bytes.insert(row6, "{\"type\":\"row\",\"seq\":6}\n");
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 6, u"not a well-formed row");
}

void TestAudit::exportEmpty()
{
    QCOMPARE_BAD(verifyBytes({}, m_log.keys(false)), 1, u"empty");
    QCOMPARE_BAD(verifyBytes("\n\n", m_log.keys(false)), 1, u"empty");
    // Rows without a header are not an export.
    QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    bytes.remove(0, bytes.indexOf('\n') + 1);
    QCOMPARE_BAD(verifyBytes(bytes, m_log.keys(false)), 1, u"header");
}

void TestAudit::exportHeaderOnly()
{
    const QByteArray bytes = exportBytes(m_log.build(Rows, Every));
    QCOMPARE_BAD(verifyBytes(bytes.first(bytes.indexOf('\n') + 1), m_log.keys(false)), 1,
                 u"cut off");
    // An empty log exports as just a header with last_seq 0, and that is fine.
    const VerifyResult empty = verifyBytes(exportBytes({}), m_log.keys(false));
    QVERIFY2(empty.ok, qPrintable(empty.reason));
    QCOMPARE(empty.rowsChecked, qint64(0));
}

void TestAudit::exportWithoutSignedEnd()
{
    Stream stream = m_log.build(Rows, Every);
    stream.removeLast(); // the export's own final checkpoint
    QCOMPARE_BAD(verifyBytes(exportBytes(stream), m_log.keys(true)), 21,
                 u"rows 21 to 25 are not covered");
}

QTEST_GUILESS_MAIN(TestAudit)
#include "tst_audit.moc"
