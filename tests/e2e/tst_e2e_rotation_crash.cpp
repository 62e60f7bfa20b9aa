// kill -9 during root-KEK rotation: thousands of secrets, a rotation sent and the server killed
// at a random moment while it runs, again and again. Every restart unseals with the same
// password under either the old or the new root KEK, every secret reads with its exact value
// and the audit chain verifies; a rotation the server acknowledged is never undone.

#include "E2eSupport.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <memory>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);
const QString Password = QStringLiteral("rotation-crash-password");

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

constexpr int Secrets = 3000; // enough that one rotation takes tens of milliseconds
constexpr int Rounds = 24;

} // namespace

class TestE2eRotationCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    // One row per kill, so that no single test function runs for long.
    void killDuringRotation_data();
    void killDuringRotation();
    void cleanupTestCase();

private:
    // The kek_version the store holds now (read beside the running server, WAL).
    int storedKekVersion();
    // Every secret reads with its value and the audit chain verifies.
    void verifyEverything(const char *when);

    QTemporaryDir m_tmp;
    QString m_dataDir;
    std::unique_ptr<ServerProcess> m_server;
    HttpClient m_http;
    std::map<QString, QString> m_values; // secret id → value
    qint64 m_rotationMs = 0;
    int m_version = 0;
    QRandomGenerator m_random;
    int m_landedOld = 0;
    int m_landedNew = 0;
};

int TestE2eRotationCrash::storedKekVersion()
{
    StoreFile store(m_dataDir);
    const auto rows = store.query(str("SELECT kek_version FROM vault_state"));
    return rows.empty() ? -1 : rows.front().value(0).toInt();
}

void TestE2eRotationCrash::verifyEverything(const char *when)
{
    // All reads in flight at once (the client spreads them over a few connections): one at a
    // time, each would wait for the event loop's next turn.
    std::vector<std::pair<QString, QNetworkReply *>> reads;
    reads.reserve(m_values.size());
    for (const auto &[id, value] : m_values)
        reads.emplace_back(id, m_http.start("GET", str("/admin/secrets/") + id, {}));
    for (const auto &[id, reply] : reads) {
        const HttpReply read = HttpClient::collect(reply);
        QVERIFY2(read.status == 200, (read.describe() + " " + when).constData());
        QVERIFY2(
            read.object().value(str("value")).toString() == m_values.at(id),
            qPrintable(QStringLiteral("%1 changed value %2").arg(id, QLatin1StringView(when))));
    }
    const HttpReply audit = m_http.post(str("/admin/audit/verify"), {});
    QVERIFY2(audit.status == 200 && audit.object().value(str("ok")).toBool(),
             (audit.describe() + " " + when).constData());
}

void TestE2eRotationCrash::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_dataDir = m_tmp.filePath(str("data"));
    m_server = std::make_unique<ServerProcess>(ServerBin, m_dataDir);
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), Password);
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    m_http.setAdminToken(m_server->printedAdminToken());

    // One .env import creates them all in one request.
    QByteArray dotenv;
    std::map<QString, QString> byKey;
    for (int i = 0; i < Secrets; ++i) {
        const QString key = QStringLiteral("ROT_%1").arg(i, 5, 10, QLatin1Char('0'));
        const QString value = QStringLiteral("value-%1-%2").arg(i).arg(randomHex(12));
        byKey[key] = value;
        dotenv += key.toLatin1() + '=' + value.toLatin1() + '\n';
    }
    const HttpReply imported =
        m_http.post(str("/admin/import/dotenv"), {{str("content"), QString::fromLatin1(dotenv)}});
    QVERIFY2(imported.status == 200, imported.describe().constData());
    for (const QJsonValue &entry : imported.object().value(str("created")).toArray()) {
        const QJsonObject o = entry.toObject();
        m_values[o.value(str("id")).toString()] = byKey.at(o.value(str("key_path")).toString());
    }
    QCOMPARE(int(m_values.size()), Secrets);

    // How long one rotation takes here: the kills fall within that window.
    QElapsedTimer timer;
    timer.start();
    const HttpReply first = m_http.post(str("/admin/rotate-key"), {});
    m_rotationMs = std::max<qint64>(timer.elapsed(), 5);
    QVERIFY2(first.status == 200, first.describe().constData());
    QCOMPARE(first.object().value(str("secrets_rewrapped")).toInt(), Secrets);
    qInfo("one rotation of %d secrets took %lld ms over HTTP", Secrets, m_rotationMs);
    m_version = storedKekVersion();
    QCOMPARE(m_version, first.object().value(str("new_kek_version")).toInt());

    // CORTEX_E2E_SEED=N replays a run's kill moments.
    bool seeded = false;
    const quint32 given = qEnvironmentVariable("CORTEX_E2E_SEED").toUInt(&seeded);
    const quint32 seed = seeded ? given : QRandomGenerator::system()->generate();
    qInfo("kill moments seeded with %u (CORTEX_E2E_SEED)", seed);
    m_random.seed(seed);
}

void TestE2eRotationCrash::killDuringRotation_data()
{
    QTest::addColumn<int>("round");
    for (int round = 1; round <= Rounds; ++round)
        QTest::addRow("kill %d", round) << round;
}

void TestE2eRotationCrash::killDuringRotation()
{
    QFETCH(int, round);
    QVERIFY2(m_server->isRunning(), "an earlier round failed");
    // A little past the measured time too, so that some kills miss the rotation entirely and
    // some fall after its commit.
    const int killAfterMs = int(m_random.bounded(int(m_rotationMs * 5 / 4) + 1));
    QNetworkReply *reply = m_http.start("POST", str("/admin/rotate-key"), "{}");
    QTest::qWait(killAfterMs);
    m_server->kill();
    const HttpReply answer = HttpClient::collect(reply);
    QCOMPARE(m_server->exitStatus(), QProcess::CrashExit);

    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    QVERIFY2(m_server->runStdout().contains("vault unsealed"), m_server->runStdout().constData());
    m_http.setBaseUrl(m_server->url());
    const int now = storedKekVersion();
    if (answer.status == 200) // acknowledged before the kill: it must have stuck
        QCOMPARE(now, answer.object().value(str("new_kek_version")).toInt());
    QVERIFY2(now == m_version || now == m_version + 1,
             qPrintable(QStringLiteral("kek_version %1 after %2").arg(now).arg(m_version)));
    (now == m_version ? m_landedOld : m_landedNew) += 1;
    m_version = now;
    const QByteArray when = "after kill " + QByteArray::number(round) + " at " +
                            QByteArray::number(killAfterMs) + " ms";
    verifyEverything(when.constData());
}

void TestE2eRotationCrash::cleanupTestCase()
{
    qInfo("%d kills during rotation: %d restarted under the old root KEK, %d under the new one",
          m_landedOld + m_landedNew, m_landedOld, m_landedNew);
    if (!m_server || !m_server->isRunning() || QTest::currentTestFailed())
        return;
    // Still rotates from wherever it ended.
    const HttpReply last = m_http.post(str("/admin/rotate-key"), {});
    QVERIFY2(last.status == 200, last.describe().constData());
    QCOMPARE(last.object().value(str("old_kek_version")).toInt(), m_version);
    verifyEverything("after a final rotation");
    QVERIFY(m_server->stop());
}

QTEST_GUILESS_MAIN(TestE2eRotationCrash)
#include "tst_e2e_rotation_crash.moc"
