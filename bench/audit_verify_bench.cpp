// cortex-audit-bench: how fast the audit chain verifies, next to the bare crypto it cannot avoid.
//
// Builds a chained log in memory (default 1,000,000 rows of realistic size, a signed checkpoint
// every 1000 rows), then times
//   1. ChainVerifier with the HMAC key (what the server's verify does),
//   2. ChainVerifier offline (hashes and signatures only, what `cortex-cli audit verify` does),
//   3. libsodium alone: crypto_hash_sha256 + crypto_auth_hmacsha256 + compare over the same
//      prevHash || canonical bytes, prepared beforehand (the floor: no encoding, no objects),
//   4. verifyExport over the same log written as a JSON Lines export file.
// Run through bench/audit-verify.sh; see bench/README.md.

#include "audit/AuditRecord.h"
#include "audit/ChainVerifier.h"
#include "audit/Checkpoint.h"
#include "audit/ExportFormat.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryFile>
#include <QTextStream>

#include <sodium.h>

#include <ctime>
#include <optional>

using namespace cortex;
using namespace cortex::audit;

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

// The shape of real rows: repeated values (actors, hosts, binaries) are shared strings as they
// would be after reading them from SQLite; seq, time, request id and detail differ per row.
struct RowFactory
{
    QStringList actors, resources, actions, binaries, cwds;

    RowFactory()
    {
        for (int i = 0; i < 50; ++i)
            actors << QStringLiteral("agent-%1").arg(i, 4, 10, QLatin1Char('0'));
        for (int i = 0; i < 500; ++i)
            resources
                << QStringLiteral("project-%1/providers/openai/api-key-%2").arg(i % 40).arg(i);
        actions << QStringLiteral("get_secrets") << QStringLiteral("create_secret")
                << QStringLiteral("get_project_secrets") << QStringLiteral("update_secret");
        for (int i = 0; i < 20; ++i) {
            binaries << QString::fromLatin1(crypto::randomBytes(32).toHex());
            cwds << QStringLiteral("/home/dev/src/service-%1").arg(i);
        }
    }

    AuditRecord make(qint64 seq) const
    {
        AuditRecord r;
        r.seq = seq;
        r.time = QStringLiteral("2026-11-23T%1:%2:%3.%4Z")
                     .arg((seq / 3'600'000) % 24, 2, 10, QLatin1Char('0'))
                     .arg((seq / 60'000) % 60, 2, 10, QLatin1Char('0'))
                     .arg((seq / 1000) % 60, 2, 10, QLatin1Char('0'))
                     .arg(seq % 1000, 3, 10, QLatin1Char('0'));
        r.actorType = QStringLiteral("agent");
        r.actor = actors[seq % actors.size()];
        r.action = actions[seq % actions.size()];
        r.resource = resources[seq % resources.size()];
        r.status = seq % 50 ? QStringLiteral("success") : QStringLiteral("denied");
        r.sourceAddress = QStringLiteral("10.0.3.17");
        r.requestId =
            QStringLiteral("0b7c6f1e-4a52-4f8e-9d0e-%1").arg(seq, 12, 16, QLatin1Char('0'));
        r.callerPid = 10'000 + seq % 30'000;
        r.callerBinarySha256 = binaries[seq % binaries.size()];
        r.callerArgvHash = binaries[(seq + 7) % binaries.size()];
        r.callerCwd = cwds[seq % cwds.size()];
        r.callerGitCommit = binaries[(seq + 3) % binaries.size()].left(40);
        r.callerHostname = QStringLiteral("build-runner-07");
        r.callerOs = QStringLiteral("linux 6.1.0-13-amd64");
        r.detail =
            QStringLiteral("{\"count\":%1,\"project\":\"project-%2\"}").arg(seq % 9).arg(seq % 40);
        r.macKeyId = 1;
        return r;
    }
};

struct Log
{
    QList<AuditRecord> rows;
    QList<Checkpoint> checkpoints; // checkpoints[i] covers rows[(i + 1) * every - 1]
};

Log buildLog(qint64 rowCount, qint64 every, const crypto::SigningKey &key, const QString &kid,
             const QByteArray &macKey)
{
    const RowFactory factory;
    Log log;
    log.rows.reserve(rowCount);
    QByteArray prev = genesisHash();
    for (qint64 seq = 1; seq <= rowCount; ++seq) {
        AuditRecord row = factory.make(seq);
        row.prevHash = prev;
        row.entryHash = computeEntryHash(row);
        row.entryHmac = computeEntryHmac(macKey, row);
        prev = row.entryHash;
        if (seq % every == 0 || seq == rowCount) {
            Checkpoint c;
            c.seq = seq;
            c.entryHash = row.entryHash;
            c.time = row.time;
            c.kid = kid;
            c.signature = key.sign(c.signedMessage());
            log.checkpoints.append(c);
        }
        log.rows.append(std::move(row));
    }
    return log;
}

// Wall time and this process's CPU time: on a shared machine the CPU time is the steadier
// number (everything here runs on one thread, so it is what an idle machine would take).
struct Timing
{
    qint64 wallNs = -1;
    qint64 cpuNs = -1;
};

qint64 cpuNowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class Stopwatch
{
public:
    Stopwatch() : m_cpuStart(cpuNowNs()) { m_wall.start(); }
    Timing elapsed() const { return {m_wall.nsecsElapsed(), cpuNowNs() - m_cpuStart}; }

private:
    QElapsedTimer m_wall;
    qint64 m_cpuStart;
};

double rate(qint64 rows, qint64 nsecs)
{
    return nsecs > 0 ? double(rows) * 1e9 / double(nsecs) : 0;
}

void report(const char *what, qint64 rows, Timing t)
{
    out() << what << ": " << QString::number(rate(rows, t.cpuNs), 'f', 0) << " rows/s ("
          << QString::number(double(t.cpuNs) / 1e9, 'f', 2) << " s CPU; wall "
          << QString::number(double(t.wallNs) / 1e9, 'f', 2) << " s, "
          << QString::number(rate(rows, t.wallNs), 'f', 0) << " rows/s)" << Qt::endl;
}

// ChainVerifier over the in-memory log, checkpoints streamed after their rows.
std::optional<Timing> timeChainVerifier(const Log &log, const ChainVerifier::Keys &keys)
{
    const Stopwatch stopwatch;
    ChainVerifier verifier(keys);
    qsizetype nextCheckpoint = 0;
    for (const AuditRecord &row : log.rows) {
        verifier.addRow(row);
        if (nextCheckpoint < log.checkpoints.size() &&
            log.checkpoints[nextCheckpoint].seq == row.seq)
            verifier.addCheckpoint(log.checkpoints[nextCheckpoint++]);
    }
    const VerifyResult result =
        verifier.finish(std::pair{log.rows.last().seq, log.rows.last().entryHash}, true);
    const Timing elapsed = stopwatch.elapsed();
    if (!result.ok || result.rowsChecked != log.rows.size()) {
        out() << "ChainVerifier FAILED on an intact log: " << result.reason << Qt::endl;
        return std::nullopt;
    }
    return elapsed;
}

// The floor: the two primitives per row over bytes prepared in advance, and the comparisons.
std::optional<Timing> timeSodiumBaseline(const Log &log, const QByteArray &macKey)
{
    QByteArray inputs;
    QList<qsizetype> offsets;
    offsets.reserve(log.rows.size() + 1);
    for (const AuditRecord &row : log.rows) {
        offsets.append(inputs.size());
        inputs += row.prevHash;
        inputs += canonicalBytes(row);
    }
    offsets.append(inputs.size());
    out() << "prepared chain input: "
          << QString::number(double(inputs.size()) / log.rows.size(), 'f', 0)
          << " bytes per row (prev_hash + canonical)" << Qt::endl;

    const auto *base = reinterpret_cast<const unsigned char *>(inputs.constData());
    const auto *key = reinterpret_cast<const unsigned char *>(macKey.constData());
    unsigned char hash[crypto_hash_sha256_BYTES];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    qint64 mismatches = 0;
    const Stopwatch stopwatch;
    for (qsizetype i = 0; i < log.rows.size(); ++i) {
        const unsigned char *in = base + offsets[i];
        const auto length = static_cast<unsigned long long>(offsets[i + 1] - offsets[i]);
        crypto_hash_sha256(hash, in, length);
        crypto_auth_hmacsha256(mac, in, length, key);
        const AuditRecord &row = log.rows[i];
        mismatches += sodium_memcmp(hash, row.entryHash.constData(), sizeof hash) != 0;
        mismatches += sodium_memcmp(mac, row.entryHmac.constData(), sizeof mac) != 0;
        // The chain link, as the verifier checks it.
        if (i > 0)
            mismatches += sodium_memcmp(row.prevHash.constData(),
                                        log.rows[i - 1].entryHash.constData(), sizeof hash) != 0;
    }
    const Timing elapsed = stopwatch.elapsed();
    if (mismatches) {
        out() << "baseline found " << mismatches << " mismatches on an intact log" << Qt::endl;
        return std::nullopt;
    }
    return elapsed;
}

// The public per-row functions one after the other, as a verifier built on them would do: the
// row is encoded twice. ChainVerifier encodes it once; this shows what that saves.
std::optional<Timing> timePublicFunctions(const Log &log, const QByteArray &macKey)
{
    qint64 mismatches = 0;
    const Stopwatch stopwatch;
    for (const AuditRecord &row : log.rows) {
        mismatches += computeEntryHash(row) != row.entryHash;
        mismatches += computeEntryHmac(macKey, row) != row.entryHmac;
    }
    const Timing elapsed = stopwatch.elapsed();
    if (mismatches)
        return std::nullopt;
    return elapsed;
}

bool writeExport(const Log &log, QIODevice &file)
{
    const auto line = [&file](const QJsonObject &json) {
        QByteArray bytes = QJsonDocument(json).toJson(QJsonDocument::Compact);
        bytes += '\n';
        return file.write(bytes) == bytes.size();
    };
    bool ok =
        line(exportHeader(QStringLiteral("2026-11-24T00:00:00.000Z"), 1, log.rows.last().seq));
    qsizetype nextCheckpoint = 0;
    for (const AuditRecord &row : log.rows) {
        ok = ok && line(row.toJson());
        if (nextCheckpoint < log.checkpoints.size() &&
            log.checkpoints[nextCheckpoint].seq == row.seq)
            ok = ok && line(log.checkpoints[nextCheckpoint++].toJson());
    }
    return ok;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Times audit chain verification."));
    parser.addHelpOption();
    const QCommandLineOption rowsOption(QStringLiteral("rows"), QStringLiteral("rows in the log"),
                                        QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption everyOption(QStringLiteral("every"),
                                         QStringLiteral("a checkpoint every N rows"),
                                         QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption exportOption(
        QStringLiteral("export-file"),
        QStringLiteral("write the export here and keep it (with PATH.jwks.json), instead of a "
                       "temporary file"),
        QStringLiteral("PATH"));
    const QCommandLineOption noExportOption(QStringLiteral("no-export"),
                                            QStringLiteral("skip the verifyExport timing"));
    parser.addOptions({rowsOption, everyOption, exportOption, noExportOption});
    parser.process(app);
    const qint64 rows = parser.value(rowsOption).toLongLong();
    const qint64 every = parser.value(everyOption).toLongLong();
    if (rows < 1 || every < 1) {
        QTextStream(stderr) << "--rows and --every must be positive\n";
        return 2;
    }

    const crypto::SigningKey key = crypto::SigningKey::generate();
    const QString kid = QStringLiteral("bench-key");
    const QByteArray macKey = crypto::randomBytes(32);

    const Stopwatch building;
    const Log log = buildLog(rows, every, key, kid, macKey);
    out() << "rows: " << rows << ", checkpoints: " << log.checkpoints.size() << " (one every "
          << every << " rows), built in "
          << QString::number(double(building.elapsed().wallNs) / 1e9, 'f', 1) << " s" << Qt::endl;

    ChainVerifier::Keys keys;
    keys.publicKey = [&key, &kid](const QString &wanted) {
        return wanted == kid ? std::optional<QByteArray>(key.publicKey()) : std::nullopt;
    };
    ChainVerifier::Keys onlineKeys = keys;
    onlineKeys.macKeys.insert(1, macKey);

    const std::optional<Timing> online = timeChainVerifier(log, onlineKeys);
    const std::optional<Timing> offline = timeChainVerifier(log, keys);
    const std::optional<Timing> baseline = timeSodiumBaseline(log, macKey);
    const std::optional<Timing> publicFunctions = timePublicFunctions(log, macKey);
    if (!online || !offline || !baseline || !publicFunctions)
        return 1;
    report("ChainVerifier, HMAC key + checkpoints (server)", rows, *online);
    report("ChainVerifier, offline: hashes + checkpoints  ", rows, *offline);
    report("libsodium baseline: sha256 + hmac-sha256 only ", rows, *baseline);
    report("computeEntryHash + computeEntryHmac per row   ", rows, *publicFunctions);
    out() << "ratio ChainVerifier (HMAC) / baseline, by CPU time: "
          << QString::number(double(baseline->cpuNs) / double(online->cpuNs), 'f', 2) << Qt::endl;

    if (parser.isSet(noExportOption))
        return 0;
    QTemporaryFile temporary(QDir::temp().filePath(QStringLiteral("cortex-audit-bench-XXXXXX")));
    QFile kept(parser.value(exportOption));
    QFile &file = parser.isSet(exportOption) ? kept : static_cast<QFile &>(temporary);
    if (!file.open(QIODevice::ReadWrite | QIODevice::Truncate) || !writeExport(log, file) ||
        !file.flush()) {
        QTextStream(stderr) << "cannot write the export: " << file.errorString() << '\n';
        return 1;
    }
    if (parser.isSet(exportOption)) {
        // A JWKS for `cortex-cli audit verify` on the kept file.
        QFile jwks(kept.fileName() + QStringLiteral(".jwks.json"));
        const QByteArray x =
            QByteArray(key.publicKey())
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        if (!jwks.open(QIODevice::WriteOnly) ||
            jwks.write("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"bench-key\","
                       "\"x\":\"" +
                       x + "\"}]}\n") < 0)
            return 1;
    }
    file.seek(0);
    const Stopwatch verifying;
    const VerifyResult result = verifyExport(file, keys);
    const Timing exportElapsed = verifying.elapsed();
    if (!result.ok) {
        out() << "verifyExport FAILED on an intact export: " << result.reason << Qt::endl;
        return 1;
    }
    out() << "export file: " << QString::number(double(file.size()) / (1 << 20), 'f', 0) << " MiB, "
          << QString::number(double(file.size()) / (rows + log.checkpoints.size()), 'f', 0)
          << " bytes per line" << Qt::endl;
    report("verifyExport over the JSONL export, offline", rows, exportElapsed);
    return 0;
}
