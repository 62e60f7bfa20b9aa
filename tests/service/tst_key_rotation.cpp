// Root-KEK rotation (POST /admin/rotate-key): after one rotation, two, and a restart unsealed
// with the same password, every secret version still reads, a notification channel still
// delivers, project tokens (opaque and signed) still fetch, the JWKS is unchanged and the audit
// chain verifies across the epochs. Bad bodies, a sealed vault and a row that does not open
// change nothing.

#include "AgentHelpers.h"
#include "HttpReceiver.h"
#include "ServiceFixture.h"
#include "SideConnection.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <map>

using namespace cortex::test;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// A second SQLite connection to the server's store (WAL: it sees what the server committed).
} // namespace

class TestKeyRotation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rotationKeepsEverythingWorking();
    void badBodiesChangeNothing();
    void rowThatDoesNotOpenChangesNothing();
    void sealedVaultRefuses();

private:
    HttpClient &http() { return m_server.http(); }
    // Everything the operator and the agents rely on, as it was before any rotation.
    void checkEverything(const char *when);
    // Rotates and returns the response (status checked by the caller).
    HttpReply rotate(const QByteArray &body = QByteArrayLiteral("{}"))
    {
        return http().send("POST", str("/admin/rotate-key"), body);
    }

    TestServer m_server;
    HttpReceiver m_receiver;
    std::unique_ptr<AccessDriver> m_access;
    std::map<QString, std::map<int, QString>> m_versions; // secret id → version → value
    QString m_channelId;
    QString m_token;
    QString m_signedToken;
    QJsonObject m_jwks;
    int m_kekVersion = 1;
};

void TestKeyRotation::initTestCase()
{
    QVERIFY(m_receiver.listen());
    qputenv("CORTEX_NOTIFY_BACKOFF_MS", "20");
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);

    // Secrets with several versions each.
    for (int i = 0; i < 5; ++i) {
        const QString value = QStringLiteral("value-%1-v1").arg(i);
        const QString id = m_access->createSecret(QStringLiteral("rot/key%1").arg(i), value);
        QVERIFY(!id.isEmpty());
        m_versions[id][1] = value;
        for (int v = 2; v <= 1 + i % 3; ++v) {
            const QString next = QStringLiteral("value-%1-v%2").arg(i).arg(v);
            const HttpReply put = http().put(str("/admin/secrets/") + id, {{str("value"), next}});
            CHECK_STATUS(put, 200);
            m_versions[id][put.object().value(str("version")).toInt()] = next;
        }
    }

    const HttpReply channel =
        http().post(str("/admin/notification-channels"),
                    {{str("channel_type"), str("webhook")},
                     {str("name"), str("ops")},
                     {str("config"), QJsonObject{{str("url"), m_receiver.url(str("/hook"))}}}});
    CHECK_STATUS(channel, 201);
    m_channelId = channel.object().value(str("id")).toString();

    // A project whose agent holds an opaque and a signed token.
    TestAgent agent{str("rot-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString secret = m_access->createSecret(str("app/key"), str("agent-value"));
    m_versions[secret][1] = str("agent-value");
    QVERIFY(!m_access->grant(str("app"), secret).isEmpty());
    const HttpReply first = m_access->discover(agent, str("app"), str("KEY=\n"));
    CHECK_STATUS(m_access->approve(grantIdOf(first)), 200);
    const HttpReply approved =
        m_access->discover(agent, str("app"), str("KEY=\n"), {{str("signed_token"), true}});
    CHECK_STATUS(approved, 200);
    m_token = tokenOf(approved);
    m_signedToken = approved.object().value(str("signed_project_token")).toString();
    QVERIFY(!m_token.isEmpty() && !m_signedToken.isEmpty());
    m_jwks = http().get(str("/.well-known/jwks.json"), HttpClient::Auth::None).object();
    QVERIFY(!m_jwks.value(str("keys")).toArray().isEmpty());

    checkEverything("before any rotation");
}

void TestKeyRotation::checkEverything(const char *when)
{
    const QByteArray context = QByteArray(" (") + when + ')';
    for (const auto &[id, versions] : m_versions) {
        for (const auto &[version, value] : versions) {
            const HttpReply read =
                http().get(str("/admin/secrets/%1?version=%2").arg(id).arg(version));
            QVERIFY2(read.status == 200, (read.describe() + context).constData());
            QCOMPARE(read.object().value(str("value")).toString(), value);
        }
    }

    m_receiver.clear();
    const HttpReply test =
        http().post(str("/admin/notification-channels/%1/test").arg(m_channelId), {});
    QVERIFY2(test.status == 200, (test.describe() + context).constData());
    QVERIFY2(QTest::qWaitFor([&] { return !m_receiver.requestsTo(str("/hook")).isEmpty(); },
                             WaitLimitMs),
             ("the channel did not deliver" + context).constData());

    for (const QString &token : {m_token, m_signedToken}) {
        const HttpReply fetched = m_access->fetch(str("app"), token);
        QVERIFY2(fetched.status == 200, (fetched.describe() + context).constData());
        QCOMPARE(envOf(fetched).value(str("KEY")).toString(), str("agent-value"));
    }
    QCOMPARE(http().get(str("/.well-known/jwks.json"), HttpClient::Auth::None).object(), m_jwks);

    const HttpReply verify = http().post(str("/admin/audit/verify"), {});
    QVERIFY2(verify.status == 200 && verify.object().value(str("ok")).toBool(),
             (verify.describe() + context).constData());
}

void TestKeyRotation::rotationKeepsEverythingWorking()
{
    int versions = 0;
    for (const auto &[id, byVersion] : m_versions)
        versions += int(byVersion.size());

    for (int round = 1; round <= 2; ++round) {
        const HttpReply r = rotate();
        CHECK_STATUS(r, 200);
        const QJsonObject o = r.object();
        QCOMPARE(o.value(str("rotated")).toBool(), true);
        QCOMPARE(o.value(str("old_kek_version")).toInt(), m_kekVersion);
        QCOMPARE(o.value(str("new_kek_version")).toInt(), m_kekVersion + 1);
        QCOMPARE(o.value(str("secrets_rewrapped")).toInt(), versions);
        QCOMPARE(o.value(str("notification_channels_rewrapped")).toInt(), 1);
        QVERIFY(o.value(str("server_keys_rewrapped")).toInt() >= 1);
        // Each rotation keeps one more older audit MAC key.
        QCOMPARE(o.value(str("audit_mac_keys_kept")).toInt(), round);
        QVERIFY(o.value(str("password_keyslots_rewrapped")).toInt() >= 1);
        QVERIFY(o.contains(str("shares_invalidated")));
        QVERIFY(!o.value(str("message")).toString().isEmpty());
        m_kekVersion = o.value(str("new_kek_version")).toInt();
        // The last row is the rotation's own, written under the old epoch's MAC key: the
        // export signs a checkpoint for it only once its HMAC checks out.
        const HttpReply exported = http().get(str("/admin/audit/export"));
        CHECK_STATUS(exported, 200);
        QVERIFY(exported.body.contains("\"rotate_kek\""));
        checkEverything(round == 1 ? "after one rotation" : "after two rotations");
        if (QTest::currentTestFailed())
            return;
    }

    // The rotation's audit row names the counts and no key material.
    const HttpReply rows = http().get(str("/admin/audit-logs?action=rotate_kek"));
    CHECK_STATUS(rows, 200);
    const QJsonArray list = rows.object().value(str("rows")).toArray();
    QCOMPARE(list.size(), 2);
    const QJsonObject row = list.first().toObject();
    QCOMPARE(row.value(str("status")).toString(), str("success"));
    const QString detail =
        row.value(str("detail")).isObject()
            ? QString::fromUtf8(
                  QJsonDocument(row.value(str("detail")).toObject()).toJson(QJsonDocument::Compact))
            : row.value(str("detail")).toString();
    QVERIFY2(detail.contains(str("\"secrets_rewrapped\":%1").arg(versions)), qPrintable(detail));

    // A restart unseals with the same password under the newest root KEK.
    QString error;
    QVERIFY2(m_server.restart(&error), qPrintable(error));
    CHECK_ERROR(http().get(str("/admin/secrets")), 503, "sealed");
    CHECK_STATUS(http().post(str("/sys/unseal"),
                             {{str("password"), QString::fromUtf8(TestServer::password())}},
                             HttpClient::Auth::None),
                 200);
    checkEverything("after a restart");
    if (QTest::currentTestFailed())
        return;
    // ...and rotates on from there.
    const HttpReply again = rotate();
    CHECK_STATUS(again, 200);
    QCOMPARE(again.object().value(str("old_kek_version")).toInt(), m_kekVersion);
    m_kekVersion = again.object().value(str("new_kek_version")).toInt();
    checkEverything("after a rotation following the restart");
}

void TestKeyRotation::badBodiesChangeNothing()
{
    CHECK_ERROR(rotate("{\"force\":true}"), 400, "unknown_field");
    CHECK_STATUS(rotate("[]"), 400);
    CHECK_STATUS(rotate("\"rotate\""), 400);
    CHECK_STATUS(rotate("{\"keep_shares\":\"yes\"}"), 400);
    CHECK_STATUS(rotate("{not json"), 400);
    // Nothing rotated: the next rotation starts from the same version.
    const HttpReply r = rotate();
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(str("old_kek_version")).toInt(), m_kekVersion);
    m_kekVersion = r.object().value(str("new_kek_version")).toInt();
    checkEverything("after refused rotations");

    // keep_shares is the one option; without a share set there is nothing to keep or drop.
    const HttpReply kept = rotate("{\"keep_shares\":true}");
    CHECK_STATUS(kept, 200);
    QCOMPARE(kept.object().value(str("old_kek_version")).toInt(), m_kekVersion);
    QCOMPARE(kept.object().value(str("shares_invalidated")).toBool(), false);
    m_kekVersion = kept.object().value(str("new_kek_version")).toInt();
    checkEverything("after a rotation keeping shares");
}

void TestKeyRotation::rowThatDoesNotOpenChangesNothing()
{
    // One wrapped DEK no longer opens: the rotation is refused whole, naming the row.
    const QString id = m_versions.begin()->first;
    SideConnection side(QDir(m_server.dataDir()).filePath(str("data/cortex.db")));
    const QByteArray original =
        side.scalar(
                str("SELECT wrapped_dek FROM secret_versions WHERE secret_id = ? AND version = 1"),
                {id})
            .toByteArray();
    QVERIFY(!original.isEmpty());
    QByteArray broken = original;
    broken[broken.size() - 1] = char(broken.back() ^ 1);
    QVERIFY(side.exec(str("UPDATE secret_versions SET wrapped_dek = ? WHERE secret_id = ? AND"
                          " version = 1"),
                      {broken, id}));
    QCOMPARE(side.changedRows(), 1);
    const HttpReply refused = rotate();
    CHECK_ERROR(refused, 500, "rotation_failed");
    QVERIFY2(refused.object().value(str("error")).toString().contains(id),
             refused.describe().constData());
    QCOMPARE(side.scalar(str("SELECT kek_version FROM vault_state")).toInt(), m_kekVersion);
    QCOMPARE(side.scalar(str("SELECT COUNT(*) FROM secret_versions WHERE kek_version <> ?"),
                         {m_kekVersion})
                 .toInt(),
             0);

    QVERIFY(side.exec(str("UPDATE secret_versions SET wrapped_dek = ? WHERE secret_id = ? AND"
                          " version = 1"),
                      {original, id}));
    QCOMPARE(side.changedRows(), 1);
    checkEverything("after a refused rotation");
    const HttpReply r = rotate();
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(str("old_kek_version")).toInt(), m_kekVersion);
    m_kekVersion = r.object().value(str("new_kek_version")).toInt();
    checkEverything("after the repaired rotation");
}

void TestKeyRotation::sealedVaultRefuses()
{
    CHECK_STATUS(http().post(str("/sys/seal"), {}), 200);
    CHECK_ERROR(rotate(), 503, "sealed");
    CHECK_STATUS(http().post(str("/sys/unseal"),
                             {{str("password"), QString::fromUtf8(TestServer::password())}},
                             HttpClient::Auth::None),
                 200);
    const HttpReply r = rotate();
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(str("old_kek_version")).toInt(), m_kekVersion);
    m_kekVersion = r.object().value(str("new_kek_version")).toInt();
    checkEverything("after sealing and unsealing");
}

QTEST_GUILESS_MAIN(TestKeyRotation)
#include "tst_key_rotation.moc"
