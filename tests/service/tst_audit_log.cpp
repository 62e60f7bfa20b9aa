// The audit log (issue 4) against the real server: one row per audited request in the request's
// own transaction, tampering with the SQLite file (through a second connection while the server
// runs) caught by POST /admin/audit/verify at the right seq, exports verified offline with the
// published keys, fail-closed writes, caller metadata, filters and pagination, prune, periodic
// checkpoints and the checkpoint at seal; and no secret value or token anywhere in the log.

#include "AgentHelpers.h"
#include "SideConnection.h"
#include "audit/AuditRecord.h"
#include "audit/AuditRows.h"
#include "audit/ExportFormat.h"
#include "crypto/Jwks.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <QUrl>

using namespace cortex;
using namespace cortex::test;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QString enc(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString dbPathOf(const TestServer &server)
{
    return QDir(server.dataDir()).filePath(QStringLiteral("data/cortex.db"));
}

// The audit tables as a second connection on the server's store sees them (WAL: it sees what
// the server committed, and the server sees what it commits).
class SideDb : public SideConnection
{
public:
    using SideConnection::SideConnection;

    qint64 maxSeq()
    {
        return scalar(QStringLiteral("SELECT MAX(seq) FROM audit_log")).toLongLong();
    }
    qint64 rowCount()
    {
        return scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toLongLong();
    }
    QList<qint64> checkpointSeqs()
    {
        QList<qint64> seqs;
        for (const QSqlRecord &r :
             rows(QStringLiteral("SELECT seq FROM audit_checkpoints ORDER BY seq")))
            seqs.append(r.value(0).toLongLong());
        return seqs;
    }

    // One stored row, as the chain sees it.
    audit::AuditRecord record(qint64 seq)
    {
        audit::AuditRecord r;
        const QList<QSqlRecord> found =
            rows(QStringLiteral("SELECT %1 FROM audit_log WHERE seq = ?")
                     .arg(QLatin1StringView(cortex::audit::AuditRowColumns)),
                 {seq});
        if (found.isEmpty())
            return r;
        r = cortex::audit::auditRecordFrom(found.first());
        return r;
    }
};

QJsonObject verifyLog(HttpClient &http)
{
    const HttpReply r = http.post(QStringLiteral("/admin/audit/verify"), {});
    if (r.status != 200)
        qWarning("verify failed: %s", r.describe().constData());
    return r.object();
}

// The rows a request left, found by the X-Request-Id the server answered with.
QJsonArray rowsOf(HttpClient &http, const HttpReply &reply)
{
    const QByteArray id = reply.header("X-Request-Id");
    if (id.isEmpty())
        return {};
    return http
        .get(QStringLiteral("/admin/audit-logs?request_id=%1").arg(enc(QString::fromLatin1(id))))
        .object()
        .value(QStringLiteral("rows"))
        .toArray();
}

QJsonArray logRows(HttpClient &http, const QString &query)
{
    return http.get(QStringLiteral("/admin/audit-logs") + query)
        .object()
        .value(QStringLiteral("rows"))
        .toArray();
}

// The published keys, as an offline verifier gets them.
audit::ChainVerifier::Keys offlineKeys(HttpClient &http)
{
    const QJsonObject jwks =
        http.get(QStringLiteral("/.well-known/audit-jwks.json"), HttpClient::Auth::None).object();
    QHash<QString, QByteArray> byKid;
    for (const QJsonValue &v : jwks.value(QStringLiteral("keys")).toArray()) {
        const QJsonObject jwk = v.toObject();
        if (const std::optional<QByteArray> key = crypto::jws::publicKeyFromJwk(jwk))
            byKid.insert(jwk.value(QStringLiteral("kid")).toString(), *key);
    }
    audit::ChainVerifier::Keys keys;
    keys.publicKey = [byKid](const QString &kid) -> std::optional<QByteArray> {
        const auto it = byKid.constFind(kid);
        if (it == byKid.constEnd())
            return std::nullopt;
        return *it;
    };
    return keys;
}

audit::VerifyResult verifyBytes(QByteArray bytes, const audit::ChainVerifier::Keys &keys)
{
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    return audit::verifyExport(buffer, keys);
}

QByteArray describe(const audit::VerifyResult &r)
{
    return "ok=" + QByteArray(r.ok ? "true" : "false") +
           " rows=" + QByteArray::number(r.rowsChecked) +
           " checkpoints=" + QByteArray::number(r.checkpointsChecked) + " first_bad_seq=" +
           (r.firstBadSeq ? QByteArray::number(*r.firstBadSeq) : QByteArray("none")) + " " +
           r.reason.toUtf8();
}

// The index of the export line holding row `seq` (-1: none).
qsizetype rowLine(const QList<QByteArray> &lines, qint64 seq)
{
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QJsonObject o = QJsonDocument::fromJson(lines.at(i)).object();
        if (o.value(QStringLiteral("type")).toString() == u"row" &&
            o.value(QStringLiteral("seq")).toInteger() == seq)
            return i;
    }
    return -1;
}

// Many admin requests, each with one audit row: secrets under `prefix`.
bool makeRows(HttpClient &http, const QString &prefix, int count)
{
    for (int i = 0; i < count; ++i) {
        const HttpReply r = http.post(QStringLiteral("/admin/secrets"),
                                      {{QStringLiteral("key_path"), prefix + QString::number(i)},
                                       {QStringLiteral("value"), QStringLiteral("v")}});
        if (r.status != 201) {
            qWarning("create failed: %s", r.describe().constData());
            return false;
        }
    }
    return true;
}

} // namespace

// A row's identity fields, compared one by one so a failure names the field.
#define CHECK_ROW(row, action_, resource_, actorType_, actor_, status_)                            \
    do {                                                                                           \
        const QJsonObject checkedRow_ = (row);                                                     \
        QCOMPARE(checkedRow_.value(QStringLiteral("action")).toString(), QString(action_));        \
        QCOMPARE(checkedRow_.value(QStringLiteral("resource")).toString(), QString(resource_));    \
        QCOMPARE(checkedRow_.value(QStringLiteral("actor_type")).toString(), QString(actorType_)); \
        QCOMPARE(checkedRow_.value(QStringLiteral("actor")).toString(), QString(actor_));          \
        QCOMPARE(checkedRow_.value(QStringLiteral("status")).toString(), QString(status_));        \
    } while (false)

// The single row a reply's request left (fails the test unless there is exactly one).
#define ONE_ROW(var, reply)                                                                        \
    const QJsonArray var##All_ = rowsOf(m_server.http(), (reply));                                 \
    QVERIFY2(var##All_.size() == 1,                                                                \
             QByteArray("expected exactly one audit row, got " +                                   \
                        QByteArray::number(var##All_.size()) + " for " + (reply).describe())       \
                 .constData());                                                                    \
    const QJsonObject var = var##All_.first().toObject()

#define CHECK_VERIFY_BAD_AT(http, seq)                                                             \
    do {                                                                                           \
        const QJsonObject verified_ = verifyLog(http);                                             \
        QVERIFY2(verified_.value(QStringLiteral("ok")) == QJsonValue(false),                       \
                 QJsonDocument(verified_).toJson(QJsonDocument::Compact).constData());             \
        QVERIFY2(verified_.value(QStringLiteral("first_bad_seq")).toInteger() == (seq),            \
                 QByteArray("expected first_bad_seq " + QByteArray::number(qint64(seq)) +          \
                            ", got " + QJsonDocument(verified_).toJson(QJsonDocument::Compact))    \
                     .constData());                                                                \
        QVERIFY(!verified_.value(QStringLiteral("reason")).toString().isEmpty());                  \
    } while (false)

#define CHECK_VERIFY_OK(http)                                                                      \
    do {                                                                                           \
        const QJsonObject verified_ = verifyLog(http);                                             \
        QVERIFY2(verified_.value(QStringLiteral("ok")) == QJsonValue(true),                        \
                 QJsonDocument(verified_).toJson(QJsonDocument::Compact).constData());             \
        QVERIFY(!verified_.contains(QStringLiteral("first_bad_seq")));                             \
    } while (false)

#define START_SERVER(server)                                                                       \
    TestServer server;                                                                             \
    do {                                                                                           \
        QString startError_;                                                                       \
        QVERIFY2(server.start(&startError_), qPrintable(startError_));                             \
    } while (false)

#define OPEN_SIDE(side, server)                                                                    \
    SideDb side(dbPathOf(server));                                                                 \
    QVERIFY2(side.isOpen(), qPrintable(side.error()))

class TestAuditLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // One row per request, naming what happened.
    void adminCallsLeaveOneRowEach();
    void secretLifecycleRows();
    void deleteSecretRowNamesTheKeyPath();
    void rollbackSecretRowNamesTheKeyPath();
    void createNamespaceRowNamesTheNamespace();
    void createAgentRowNamesTheAgent();
    void createPolicyRowNamesThePolicy();
    void refusedAdminCallsAreRecorded();
    void agentFlowRows();
    void noSecretOrTokenInTheLog();
    void callerMetadataIsRecorded();
    void callerMetadataIsSanitised();
    void filters();
    void cursorPagination();
    void timeWindowPagesNewestFirst();
    void upgradedStoreKeepsItsLogWithoutTheTimeIndex();
    void badQueries();

    // Tampering with the store.
    void editedColumnIsCaught();
    void deletedMiddleRowIsCaught();
    void deletedLastRowsAreCaught();
    void truncationStaysCaughtAfterTheNextWrite();
    void swappedRowsAreCaught();
    void swappedContentIsCaught();
    void rehashedChainWithoutKeyIsCaught();
    void exportDoesNotVouchForARehashedChain();

    // Exports.
    void exportVerifiesOffline();
    void exportOneByteEditIsCaught();
    void exportOfATamperedLogFailsOffline();

    // Fail closed.
    void auditWriteFailureChangesNothing();

    // Prune, checkpoints, seal.
    void pruneKeepsTheChainVerifiable();
    void pruneEverythingAndByAge();
    void pruneRejectsBadBodies();
    void checkpointsEveryNRows();
    void checkpointsEveryTSeconds();
    void forgedCheckpointIsCaught();
    void sealWritesARowAndACheckpoint();

private:
    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
    QStringList m_projectTokens;
};

void TestAuditLog::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
}

// ---- one row per request ---------------------------------------------------------------------

void TestAuditLog::adminCallsLeaveOneRowEach()
{
    HttpClient &http = m_server.http();
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));

    const qint64 before = side.rowCount();
    const HttpReply ns = http.post(QStringLiteral("/admin/namespaces"),
                                   {{QStringLiteral("name"), QStringLiteral("audit-ns")}});
    CHECK_STATUS(ns, 201);
    {
        ONE_ROW(row, ns);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("create_namespace"));
        QCOMPARE(row.value(QStringLiteral("actor_type")).toString(), str("admin"));
        QCOMPARE(row.value(QStringLiteral("actor")).toString(), str("admin"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("success"));
        QVERIFY(row.value(QStringLiteral("request_id")).toString().startsWith(u"req_"));
        QCOMPARE(row.value(QStringLiteral("source_address")).toString(), str("127.0.0.1"));
        QCOMPARE(row.value(QStringLiteral("entry_hash")).toString().size(), 64);
    }
    QCOMPARE(side.rowCount(), before + 1);

    const TestAgent agent{QStringLiteral("audit-admin-agent")};
    const HttpReply created = m_access->registerAgent(agent);
    CHECK_STATUS(created, 201);
    {
        ONE_ROW(row, created);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("create_agent"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("success"));
    }

    const QString secret = m_access->createSecret(QStringLiteral("adm/one"), QStringLiteral("x"));
    QVERIFY(!secret.isEmpty());
    const HttpReply grant = http.post(QStringLiteral("/admin/projects/adm-proj/grants"),
                                      {{QStringLiteral("secret_id"), secret}});
    CHECK_STATUS(grant, 201);
    {
        ONE_ROW(row, grant);
        CHECK_ROW(row, str("create_project_grant"), str("adm-proj"), str("admin"), str("admin"),
                  str("success"));
    }

    const HttpReply pending =
        m_access->discover(agent, QStringLiteral("adm-proj"), QStringLiteral("ONE=\n"));
    CHECK_ERROR(pending, 403, "pending_approval");
    const QString grantId = grantIdOf(pending);
    const HttpReply approved = m_access->approve(grantId);
    CHECK_STATUS(approved, 200);
    {
        ONE_ROW(row, approved);
        CHECK_ROW(row, str("pending_grant_approve"), grantId, str("admin"), str("admin"),
                  str("success"));
    }
    CHECK_STATUS(m_access->discover(agent, QStringLiteral("adm-proj"), QStringLiteral("ONE=\n")),
                 200);

    const HttpReply revoked = http.post(QStringLiteral("/admin/projects/adm-proj/revoke"), {});
    CHECK_STATUS(revoked, 200);
    {
        ONE_ROW(row, revoked);
        CHECK_ROW(row, str("revoke_project_token"), str("adm-proj"), str("admin"), str("admin"),
                  str("success"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"error_code"),
                 QJsonValue(QJsonValue::Undefined));
    }

    const HttpReply deleted = http.del(QStringLiteral("/admin/agents/%1").arg(agent.id));
    CHECK_STATUS(deleted, 200);
    {
        ONE_ROW(row, deleted);
        CHECK_ROW(row, str("delete_agent"), agent.id, str("admin"), str("admin"), str("success"));
    }

    const HttpReply nsDeleted = http.del(QStringLiteral("/admin/namespaces/audit-ns"));
    CHECK_STATUS(nsDeleted, 200);
    {
        ONE_ROW(row, nsDeleted);
        CHECK_ROW(row, str("delete_namespace"), str("audit-ns"), str("admin"), str("admin"),
                  str("success"));
    }

    // Reads that reveal nothing leave no row; the log itself is not logged.
    const qint64 beforeReads = side.rowCount();
    CHECK_STATUS(http.get(QStringLiteral("/admin/secrets")), 200);
    CHECK_STATUS(http.get(QStringLiteral("/admin/audit-logs")), 200);
    QCOMPARE(side.rowCount(), beforeReads);
    CHECK_VERIFY_OK(http);
}

void TestAuditLog::secretLifecycleRows()
{
    HttpClient &http = m_server.http();
    const HttpReply created = http.post(QStringLiteral("/admin/secrets"),
                                        {{QStringLiteral("key_path"), QStringLiteral("life/key")},
                                         {QStringLiteral("value"), QStringLiteral("v1")}});
    CHECK_STATUS(created, 201);
    const QString id = created.object().value(QStringLiteral("id")).toString();
    {
        ONE_ROW(row, created);
        CHECK_ROW(row, str("create_secret"), str("life/key"), str("admin"), str("admin"),
                  str("success"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"namespace").toString(),
                 str("default"));
    }

    const HttpReply read = http.get(QStringLiteral("/admin/secrets/%1").arg(id));
    CHECK_STATUS(read, 200);
    {
        ONE_ROW(row, read);
        CHECK_ROW(row, str("read_secret"), str("life/key"), str("admin"), str("admin"),
                  str("success"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"version").toInt(), 1);
    }

    const HttpReply updated = http.put(QStringLiteral("/admin/secrets/%1").arg(id),
                                       {{QStringLiteral("value"), QStringLiteral("v2")}});
    CHECK_STATUS(updated, 200);
    {
        ONE_ROW(row, updated);
        CHECK_ROW(row, str("update_secret"), str("life/key"), str("admin"), str("admin"),
                  str("success"));
    }

    const HttpReply rolledBack = http.post(QStringLiteral("/admin/secrets/%1/rollback").arg(id),
                                           {{QStringLiteral("version"), 1}});
    CHECK_STATUS(rolledBack, 200);
    {
        ONE_ROW(row, rolledBack);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("rollback_secret"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("success"));
        QCOMPARE(row.value(QStringLiteral("actor")).toString(), str("admin"));
    }

    const HttpReply deleted = http.del(QStringLiteral("/admin/secrets/%1").arg(id));
    CHECK_STATUS(deleted, 200);
    {
        ONE_ROW(row, deleted);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("delete_secret"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("success"));
        QCOMPARE(row.value(QStringLiteral("actor")).toString(), str("admin"));
    }
}

// The secret's row once it is gone: an operator asking "who deleted openai/api-key?" must find
// it under the key path, as create/read/update are (the id names nothing after deletion, and the
// create row does not record it).
void TestAuditLog::deleteSecretRowNamesTheKeyPath()
{
    HttpClient &http = m_server.http();
    const QString id = m_access->createSecret(QStringLiteral("gone/key"), QStringLiteral("v1"));
    QVERIFY(!id.isEmpty());
    const HttpReply deleted = http.del(QStringLiteral("/admin/secrets/%1").arg(id));
    CHECK_STATUS(deleted, 200);
    ONE_ROW(row, deleted);
    CHECK_ROW(row, str("delete_secret"), str("gone/key"), str("admin"), str("admin"),
              str("success"));
}

void TestAuditLog::rollbackSecretRowNamesTheKeyPath()
{
    HttpClient &http = m_server.http();
    const QString id = m_access->createSecret(QStringLiteral("back/key"), QStringLiteral("v1"));
    QVERIFY(!id.isEmpty());
    CHECK_STATUS(http.put(QStringLiteral("/admin/secrets/%1").arg(id),
                          {{QStringLiteral("value"), QStringLiteral("v2")}}),
                 200);
    const HttpReply rolledBack = http.post(QStringLiteral("/admin/secrets/%1/rollback").arg(id),
                                           {{QStringLiteral("version"), 1}});
    CHECK_STATUS(rolledBack, 200);
    ONE_ROW(row, rolledBack);
    CHECK_ROW(row, str("rollback_secret"), str("back/key"), str("admin"), str("admin"),
              str("success"));
}

// A create row names what it created (otherwise "which agent was registered?" has no answer).
void TestAuditLog::createNamespaceRowNamesTheNamespace()
{
    const HttpReply ns =
        m_server.http().post(QStringLiteral("/admin/namespaces"),
                             {{QStringLiteral("name"), QStringLiteral("named-ns")}});
    CHECK_STATUS(ns, 201);
    ONE_ROW(row, ns);
    CHECK_ROW(row, str("create_namespace"), str("named-ns"), str("admin"), str("admin"),
              str("success"));
}

void TestAuditLog::createAgentRowNamesTheAgent()
{
    const HttpReply agent = m_access->registerAgent(TestAgent{QStringLiteral("named-agent")});
    CHECK_STATUS(agent, 201);
    ONE_ROW(row, agent);
    CHECK_ROW(row, str("create_agent"), str("named-agent"), str("admin"), str("admin"),
              str("success"));
}

void TestAuditLog::createPolicyRowNamesThePolicy()
{
    const HttpReply policy = m_server.http().post(
        QStringLiteral("/admin/policies"),
        {{QStringLiteral("policy_name"), QStringLiteral("audit-policy")},
         {QStringLiteral("agent_pattern"), QStringLiteral("audit-policy-matches-nobody")},
         {QStringLiteral("allowed_paths"), QJsonArray{QStringLiteral("audit-policy/**")}},
         {QStringLiteral("denied_paths"), QJsonArray{}}});
    CHECK_STATUS(policy, 201);
    ONE_ROW(row, policy);
    QCOMPARE(row.value(u"action").toString(), str("create_policy"));
    const QString resource = row.value(u"resource").toString();
    QVERIFY2(resource == u"audit-policy" || resource == policy.object().value(u"id").toString(),
             qPrintable(QStringLiteral("resource is '%1'").arg(resource)));
}

void TestAuditLog::refusedAdminCallsAreRecorded()
{
    HttpClient &http = m_server.http();
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    QVERIFY(!m_access->createSecret(QStringLiteral("dup/key"), QStringLiteral("v")).isEmpty());

    const HttpReply dup = http.post(QStringLiteral("/admin/secrets"),
                                    {{QStringLiteral("key_path"), QStringLiteral("dup/key")},
                                     {QStringLiteral("value"), QStringLiteral("v")}});
    QVERIFY(dup.status == 409 || dup.status == 400);
    {
        ONE_ROW(row, dup);
        CHECK_ROW(row, str("create_secret"), str("dup/key"), str("admin"), str("admin"),
                  str("rejected"));
        const QJsonObject detail = row.value(QStringLiteral("detail")).toObject();
        QCOMPARE(detail.value(u"error_code").toString(), dup.errorCode());
        QCOMPARE(detail.value(u"http_status").toInt(), dup.status);
    }

    const HttpReply missing = http.get(QStringLiteral("/admin/secrets/sec_does_not_exist"));
    QCOMPARE(missing.status, 404);
    {
        ONE_ROW(row, missing);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("read_secret"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("rejected"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"error_code").toString(),
                 missing.errorCode());
    }

    // A bad admin token is refused before anything is logged as the admin.
    const qint64 before = side.rowCount();
    HttpClient stranger(m_server.url());
    stranger.setAdminToken("cvadm_not-the-token-at-all-0000000000");
    QCOMPARE(stranger
                 .post(QStringLiteral("/admin/secrets"),
                       {{QStringLiteral("key_path"), QStringLiteral("x/y")},
                        {QStringLiteral("value"), QStringLiteral("v")}})
                 .status,
             401);
    const QList<QSqlRecord> adminRows = side.rows(
        QStringLiteral("SELECT seq FROM audit_log WHERE seq > ? AND actor = 'admin'"), {before});
    QVERIFY(adminRows.isEmpty());
    CHECK_VERIFY_OK(http);
}

void TestAuditLog::agentFlowRows()
{
    HttpClient &http = m_server.http();
    const TestAgent agent{QStringLiteral("audit-flow-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString secret =
        m_access->createSecret(QStringLiteral("flow/key"), QStringLiteral("zq-flow-value-5531"));
    QVERIFY(!m_access->grant(QStringLiteral("flow"), secret).isEmpty());

    const HttpReply pending =
        m_access->discover(agent, QStringLiteral("flow"), QStringLiteral("KEY=\n"));
    CHECK_ERROR(pending, 403, "pending_approval");
    {
        ONE_ROW(row, pending);
        CHECK_ROW(row, str("discover_pending_new"), str("flow"), str("agent"), agent.id,
                  str("pending"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"error_code").toString(),
                 str("pending_approval"));
    }
    const HttpReply again =
        m_access->discover(agent, QStringLiteral("flow"), QStringLiteral("KEY=\n"));
    CHECK_ERROR(again, 403, "pending_approval");
    {
        ONE_ROW(row, again);
        CHECK_ROW(row, str("discover_pending_existing"), str("flow"), str("agent"), agent.id,
                  str("pending"));
    }
    CHECK_STATUS(m_access->approve(grantIdOf(pending)), 200);

    const HttpReply ok =
        m_access->discover(agent, QStringLiteral("flow"), QStringLiteral("KEY=\n"));
    CHECK_STATUS(ok, 200);
    const QString token = tokenOf(ok);
    QVERIFY(!token.isEmpty());
    m_projectTokens.append(token);
    {
        ONE_ROW(row, ok);
        CHECK_ROW(row, str("discover"), str("flow"), str("agent"), agent.id, str("success"));
    }

    const HttpReply fetched = m_access->fetch(QStringLiteral("flow"), token);
    CHECK_STATUS(fetched, 200);
    {
        ONE_ROW(row, fetched);
        CHECK_ROW(row, str("get_secrets"), str("flow"), str("agent"), agent.id, str("success"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"env_vars").toArray(),
                 QJsonArray{QStringLiteral("KEY")});
    }

    const QString fake = QStringLiteral("cvpt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    const HttpReply bad = m_access->fetch(QStringLiteral("flow"), fake);
    CHECK_ERROR(bad, 401, "invalid_token");
    {
        ONE_ROW(row, bad);
        QCOMPARE(row.value(QStringLiteral("action")).toString(), str("get_secrets"));
        QCOMPARE(row.value(QStringLiteral("resource")).toString(), str("flow"));
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("denied"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"error_code").toString(),
                 str("invalid_token"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"http_status").toInt(), 401);
        QVERIFY(row.value(QStringLiteral("actor")).toString() != agent.id);
    }

    // A proof that does not verify: denied, self-reported agent id kept for the operator.
    QJsonObject body = agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                          QStringLiteral("flow"), QStringLiteral("KEY=\n"));
    body.insert(QStringLiteral("auth_proof"),
                TestAgent{agent.id}.proof(m_access->now(), QStringLiteral("other")));
    const HttpReply forged =
        http.post(QStringLiteral("/agent/discover"), body, HttpClient::Auth::None);
    QCOMPARE(forged.status, 401);
    {
        ONE_ROW(row, forged);
        QCOMPARE(row.value(QStringLiteral("status")).toString(), str("denied"));
        QCOMPARE(row.value(QStringLiteral("detail")).toObject().value(u"error_code").toString(),
                 forged.errorCode());
    }
    CHECK_VERIFY_OK(http);
}

void TestAuditLog::noSecretOrTokenInTheLog()
{
    HttpClient &http = m_server.http();
    const QString v1 = QStringLiteral("zq-SECRET-d1st1nct-VALUE-8817");
    const QString v2 = QStringLiteral("zq-SECRET-d1st1nct-VALUE-9924");
    const TestAgent agent{QStringLiteral("leak-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString id = m_access->createSecret(QStringLiteral("leak/key"), v1);
    QVERIFY(!id.isEmpty());
    QCOMPARE(http.get(QStringLiteral("/admin/secrets/%1").arg(id))
                 .object()
                 .value(QStringLiteral("value"))
                 .toString(),
             v1);
    CHECK_STATUS(
        http.put(QStringLiteral("/admin/secrets/%1").arg(id), {{QStringLiteral("value"), v2}}),
        200);
    QVERIFY(!m_access->grant(QStringLiteral("leak"), id).isEmpty());
    const HttpReply ok = m_access->discoverApproved(
        agent, QStringLiteral("leak"), QStringLiteral("KEY=zq-dotenv-placeholder-77\n"));
    CHECK_STATUS(ok, 200);
    const QString token = tokenOf(ok);
    m_projectTokens.append(token);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("leak"), token)).value(u"KEY").toString(), v2);
    const HttpReply dotenv = http.post(
        QStringLiteral("/admin/import/dotenv"),
        {{QStringLiteral("content"), QStringLiteral("LEAK_IMPORTED=zq-imported-value-4410\n")}});
    CHECK_STATUS(dotenv, 200);

    QStringList needles{v1, v2, QStringLiteral("zq-dotenv-placeholder-77"),
                        QStringLiteral("zq-imported-value-4410"),
                        QString::fromLatin1(m_server.adminToken())};
    for (const QString &t : std::as_const(m_projectTokens))
        needles.append(t);
    QVERIFY(needles.size() >= 6);

    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    const QList<QSqlRecord> rows = side.rows(QStringLiteral("SELECT * FROM audit_log"));
    QVERIFY(rows.size() > 10);
    for (const QSqlRecord &r : rows) {
        for (int c = 0; c < r.count(); ++c) {
            const QString value = r.value(c).toString();
            for (const QString &needle : std::as_const(needles))
                QVERIFY2(!value.contains(needle),
                         qPrintable(QStringLiteral("audit_log.%1 of seq %2 holds a secret or token")
                                        .arg(r.fieldName(c), r.value(0).toString())));
        }
    }
    // The export and the API carry the same rows.
    const HttpReply exported = http.get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    const HttpReply listed = http.get(QStringLiteral("/admin/audit-logs?limit=1000"));
    for (const QString &needle : std::as_const(needles)) {
        QVERIFY(!exported.body.contains(needle.toUtf8()));
        QVERIFY(!listed.body.contains(needle.toUtf8()));
    }

    // Nowhere in the file either: values are encrypted, tokens hashed.
    QByteArray raw;
    for (const char *suffix : {"", "-wal", "-journal"}) {
        QFile f(dbPathOf(m_server) + QLatin1StringView(suffix));
        if (f.open(QIODevice::ReadOnly))
            raw += f.readAll();
    }
    QVERIFY(raw.size() > 4096);
    QVERIFY(raw.contains("audit_log")); // the right file
    for (const QString &needle : {v1, v2, QStringLiteral("zq-imported-value-4410"),
                                  QString::fromLatin1(m_server.adminToken())})
        QVERIFY2(!raw.contains(needle.toUtf8()), qPrintable(needle.left(12)));
}

void TestAuditLog::callerMetadataIsRecorded()
{
    HttpClient &http = m_server.http();
    const HttpReply r = http.send("POST", QStringLiteral("/admin/secrets"),
                                  toJson({{QStringLiteral("key_path"), QStringLiteral("meta/one")},
                                          {QStringLiteral("value"), QStringLiteral("v")}}),
                                  HttpClient::Auth::Admin,
                                  {{"X-Cortex-Caller-Pid", "4242"},
                                   {"X-Cortex-Caller-Cwd", "/home/dev/project"},
                                   {"X-Cortex-Caller-Hostname", "devbox.local"},
                                   {"X-Cortex-Caller-Binary-Sha256", "ab12"},
                                   {"X-Cortex-Caller-Argv-Hash", "cd34"},
                                   {"X-Cortex-Caller-Git-Commit", "0123abc"},
                                   {"X-Cortex-Caller-Os", "linux"},
                                   {"X-Request-Id", "meta-request-1"}});
    CHECK_STATUS(r, 201);
    ONE_ROW(row, r);
    QCOMPARE(row.value(QStringLiteral("request_id")).toString(), str("meta-request-1"));
    QCOMPARE(row.value(QStringLiteral("caller_pid")).toInteger(), qint64(4242));
    QCOMPARE(row.value(QStringLiteral("caller_cwd")).toString(), str("/home/dev/project"));
    QCOMPARE(row.value(QStringLiteral("caller_hostname")).toString(), str("devbox.local"));
    QCOMPARE(row.value(QStringLiteral("caller_binary_sha256")).toString(), str("ab12"));
    QCOMPARE(row.value(QStringLiteral("caller_argv_hash")).toString(), str("cd34"));
    QCOMPARE(row.value(QStringLiteral("caller_git_commit")).toString(), str("0123abc"));
    QCOMPARE(row.value(QStringLiteral("caller_os")).toString(), str("linux"));

    // In their own columns of the table, too.
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    const QList<QSqlRecord> stored =
        side.rows(QStringLiteral("SELECT caller_pid, caller_cwd, caller_hostname FROM audit_log"
                                 " WHERE request_id = 'meta-request-1'"));
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored.first().value(0).toLongLong(), qint64(4242));
    QCOMPARE(stored.first().value(1).toString(), str("/home/dev/project"));
    QCOMPARE(stored.first().value(2).toString(), str("devbox.local"));

    // Without the headers the columns stay empty (NULL).
    const HttpReply plain = http.post(QStringLiteral("/admin/secrets"),
                                      {{QStringLiteral("key_path"), QStringLiteral("meta/two")},
                                       {QStringLiteral("value"), QStringLiteral("v")}});
    CHECK_STATUS(plain, 201);
    ONE_ROW(bare, plain);
    QVERIFY(bare.value(QStringLiteral("caller_pid")).isNull());
    QCOMPARE(bare.value(QStringLiteral("caller_cwd")).toString(), QString());
    CHECK_VERIFY_OK(http);
}

void TestAuditLog::callerMetadataIsSanitised()
{
    HttpClient &http = m_server.http();
    const QByteArray longHost(300, 'h');
    struct Case
    {
        QByteArray pid;
        QByteArray cwd;
        QByteArray host;
        std::optional<qint64> expectedPid;
        QString expectedCwd;
        QString expectedHost;
    };
    const QList<Case> cases{
        {"12abc", "/a\tb", "host\tname", std::nullopt, str("/ab"), str("hostname")},
        {"-5", "/c", "h", std::nullopt, str("/c"), str("h")},
        {"0x10", "/d", longHost, std::nullopt, str("/d"), QString(256, u'h')},
        {" 77 ", "/e", "e", 77, str("/e"), str("e")},
    };
    int n = 0;
    for (const Case &c : cases) {
        const HttpReply r =
            http.send("POST", QStringLiteral("/admin/secrets"),
                      toJson({{QStringLiteral("key_path"), QStringLiteral("san/%1").arg(++n)},
                              {QStringLiteral("value"), QStringLiteral("v")}}),
                      HttpClient::Auth::Admin,
                      {{"X-Cortex-Caller-Pid", c.pid},
                       {"X-Cortex-Caller-Cwd", c.cwd},
                       {"X-Cortex-Caller-Hostname", c.host}});
        CHECK_STATUS(r, 201);
        ONE_ROW(row, r);
        if (c.expectedPid)
            QCOMPARE(row.value(QStringLiteral("caller_pid")).toInteger(), *c.expectedPid);
        else
            QVERIFY2(row.value(QStringLiteral("caller_pid")).isNull(), c.pid.constData());
        QCOMPARE(row.value(QStringLiteral("caller_cwd")).toString(), c.expectedCwd);
        QCOMPARE(row.value(QStringLiteral("caller_hostname")).toString(), c.expectedHost);
    }

    // Control characters other than tab, sent byte for byte: the server either refuses the
    // header block or strips them; it never stores them.
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray body = R"({"key_path":"san/raw","value":"v"})";
    conn.write("POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Admin-Token: " +
               m_server.adminToken() + "\r\nContent-Type: application/json\r\nContent-Length: " +
               QByteArray::number(body.size()) +
               "\r\nX-Request-Id: raw-control-1\r\nX-Cortex-Caller-Cwd: /x\x1b[31my\x7fz\x01"
               "\r\nX-Cortex-Caller-Hostname: a\x08"
               "b\r\nConnection: close\r\n\r\n" +
               body);
    const std::optional<RawResponse> response = conn.readResponse();
    QVERIFY(response);
    if (response->status == 201) {
        const QJsonArray rows = logRows(http, QStringLiteral("?request_id=raw-control-1"));
        QCOMPARE(rows.size(), 1);
        const QJsonObject row = rows.first().toObject();
        QCOMPARE(row.value(QStringLiteral("caller_cwd")).toString(), str("/x[31myz"));
        QCOMPARE(row.value(QStringLiteral("caller_hostname")).toString(), str("ab"));
    } else {
        QVERIFY2(response->status == 400, response->describe().constData());
    }
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    for (const QSqlRecord &r : side.rows(QStringLiteral(
             "SELECT caller_cwd, caller_hostname, caller_os, caller_git_commit FROM audit_log"))) {
        for (int c = 0; c < r.count(); ++c) {
            const QString v = r.value(c).toString();
            for (const QChar ch : v)
                QVERIFY2(ch.category() != QChar::Other_Control, qPrintable(v));
        }
    }
}

void TestAuditLog::filters()
{
    HttpClient &http = m_server.http();
    QVERIFY(makeRows(http, QStringLiteral("filt/a"), 3));
    m_server.clock().advanceSeconds(3600);
    const QString later = m_server.clock().now().toString(Qt::ISODateWithMs);
    QVERIFY(makeRows(http, QStringLiteral("filt/b"), 2));

    const QJsonArray byResource =
        logRows(http, QStringLiteral("?resource=%1").arg(enc(str("filt/a1"))));
    QCOMPARE(byResource.size(), 1);
    QCOMPARE(byResource.first().toObject().value(u"resource").toString(), str("filt/a1"));

    const QJsonArray byAction = logRows(http, QStringLiteral("?action=create_secret&limit=1000"));
    QVERIFY(byAction.size() >= 5);
    for (const QJsonValue &v : byAction)
        QCOMPARE(v.toObject().value(u"action").toString(), str("create_secret"));

    const QJsonArray since = logRows(http, QStringLiteral("?since=%1").arg(enc(later)));
    QCOMPARE(since.size(), 2);
    for (const QJsonValue &v : since)
        QVERIFY(v.toObject().value(u"resource").toString().startsWith(u"filt/b"));
    const QJsonArray until =
        logRows(http, QStringLiteral("?until=%1&action=create_secret&limit=1000").arg(enc(later)));
    for (const QJsonValue &v : until)
        QVERIFY(!v.toObject().value(u"resource").toString().startsWith(u"filt/b"));
    QVERIFY(until.size() + 2 == byAction.size());

    const QJsonArray combined =
        logRows(http, QStringLiteral("?actor=admin&actor_type=admin&status=success&resource=%1")
                          .arg(enc(str("filt/b0"))));
    QCOMPARE(combined.size(), 1);
    QCOMPARE(
        logRows(http, QStringLiteral("?actor=nobody&resource=%1").arg(enc(str("filt/b0")))).size(),
        0);

    const QJsonArray denied = logRows(http, QStringLiteral("?status=denied&limit=1000"));
    for (const QJsonValue &v : denied)
        QCOMPARE(v.toObject().value(u"status").toString(), str("denied"));
    const QJsonArray agents = logRows(http, QStringLiteral("?actor_type=agent&limit=1000"));
    for (const QJsonValue &v : agents)
        QCOMPARE(v.toObject().value(u"actor_type").toString(), str("agent"));
}

// A window with both ends (`since` and `until`), paged with the cursor: exactly the rows written
// inside it, newest first, across pages.
void TestAuditLog::timeWindowPagesNewestFirst()
{
    HttpClient &http = m_server.http();
    m_server.clock().advanceSeconds(3600);
    QVERIFY(makeRows(http, QStringLiteral("window/before"), 2));
    m_server.clock().advanceSeconds(3600);
    const QString from = m_server.clock().now().toString(Qt::ISODateWithMs);
    QVERIFY(makeRows(http, QStringLiteral("window/in"), 5));
    m_server.clock().advanceSeconds(3600);
    const QString to = m_server.clock().now().toString(Qt::ISODateWithMs);
    QVERIFY(makeRows(http, QStringLiteral("window/after"), 2));

    QStringList seen;
    QString query =
        QStringLiteral("?since=%1&until=%2&action=create_secret&limit=2").arg(enc(from), enc(to));
    for (int pages = 0;; ++pages) {
        QVERIFY(pages < 10);
        const HttpReply page = http.get(QStringLiteral("/admin/audit-logs") + query);
        CHECK_STATUS(page, 200);
        for (const QJsonValue &v : page.object().value(u"rows").toArray())
            seen.append(v.toObject().value(u"resource").toString());
        const QJsonValue next = page.object().value(u"next_cursor");
        if (next.isNull())
            break;
        // One arg() call: the encoded times hold "%3A", which a second call would fill in.
        query = QStringLiteral("?since=%1&until=%2&action=create_secret&limit=2&cursor=%3")
                    .arg(enc(from), enc(to), QString::number(next.toInteger()));
    }
    QCOMPARE(seen, (QStringList{str("window/in4"), str("window/in3"), str("window/in2"),
                                str("window/in1"), str("window/in0")}));
}

// A store written before migration 10 (with the audit log's `time` index) opens, loses the
// index, and keeps a log that verifies and answers time queries as before.
void TestAuditLog::upgradedStoreKeepsItsLogWithoutTheTimeIndex()
{
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const QString from = server.clock().now().toString(Qt::ISODateWithMs);
    QVERIFY(makeRows(server.http(), QStringLiteral("upgrade/k"), 3));
    server.clock().advanceSeconds(60);
    const QString to = server.clock().now().toString(Qt::ISODateWithMs);

    SideDb side(dbPathOf(server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    const auto auditIndexes = [&side] {
        QStringList names;
        for (const QSqlRecord &r : side.rows(QStringLiteral(
                 "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'"
                 " AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")))
            names.append(r.value(0).toString());
        return names;
    };
    QCOMPARE(auditIndexes(), (QStringList{str("audit_log_action"), str("audit_log_actor")}));
    // Back to schema 9 as an older release left it.
    QVERIFY(side.exec(QStringLiteral("CREATE INDEX audit_log_time ON audit_log (time)")));
    QVERIFY(side.exec(QStringLiteral("DELETE FROM schema_migrations WHERE version = 10")));
    QCOMPARE(auditIndexes().size(), 3);

    QVERIFY2(server.restart(&error), qPrintable(error));
    QCOMPARE(auditIndexes(), (QStringList{str("audit_log_action"), str("audit_log_actor")}));
    QCOMPARE(
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations WHERE version = 10"))
            .toLongLong(),
        qint64(1));
    CHECK_STATUS(server.http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}}),
                 200);
    CHECK_VERIFY_OK(server.http());
    QStringList inWindow;
    for (const QJsonValue &v :
         logRows(server.http(),
                 QStringLiteral("?since=%1&until=%2&action=create_secret").arg(enc(from), enc(to))))
        inWindow.append(v.toObject().value(u"resource").toString());
    QCOMPARE(inWindow, (QStringList{str("upgrade/k2"), str("upgrade/k1"), str("upgrade/k0")}));
}

void TestAuditLog::cursorPagination()
{
    HttpClient &http = m_server.http();
    QVERIFY(makeRows(http, QStringLiteral("page/k"), 23));
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    QList<qint64> expected;
    for (const QSqlRecord &r :
         side.rows(QStringLiteral("SELECT seq FROM audit_log ORDER BY seq DESC")))
        expected.append(r.value(0).toLongLong());
    QVERIFY(expected.size() > 23);

    QList<qint64> seen;
    QString query = QStringLiteral("?limit=7");
    int pages = 0;
    while (true) {
        const HttpReply page = http.get(QStringLiteral("/admin/audit-logs") + query);
        CHECK_STATUS(page, 200);
        const QJsonArray rows = page.object().value(QStringLiteral("rows")).toArray();
        QVERIFY(rows.size() <= 7);
        for (const QJsonValue &v : rows)
            seen.append(v.toObject().value(u"seq").toInteger());
        const QJsonValue next = page.object().value(QStringLiteral("next_cursor"));
        QVERIFY(page.object().contains(QStringLiteral("next_cursor")));
        if (next.isNull())
            break;
        QCOMPARE(rows.size(), 7);
        QCOMPARE(next.toInteger(), rows.last().toObject().value(u"seq").toInteger());
        query = QStringLiteral("?limit=7&cursor=%1").arg(next.toInteger());
        QVERIFY(++pages < 1000);
    }
    QCOMPARE(seen, expected); // newest first, no duplicates, no gaps

    // With a filter, too.
    QList<qint64> filtered;
    query = QStringLiteral("?limit=5&action=create_secret");
    while (true) {
        const QJsonObject page = http.get(QStringLiteral("/admin/audit-logs") + query).object();
        for (const QJsonValue &v : page.value(u"rows").toArray())
            filtered.append(v.toObject().value(u"seq").toInteger());
        if (page.value(u"next_cursor").isNull())
            break;
        query = QStringLiteral("?limit=5&action=create_secret&cursor=%1")
                    .arg(page.value(u"next_cursor").toInteger());
    }
    QList<qint64> expectedFiltered;
    for (const QSqlRecord &r : side.rows(QStringLiteral(
             "SELECT seq FROM audit_log WHERE action = 'create_secret' ORDER BY seq DESC")))
        expectedFiltered.append(r.value(0).toLongLong());
    QCOMPARE(filtered, expectedFiltered);

    // An exact multiple: the last full page says there is no next one.
    const qint64 total = expected.size();
    const QJsonObject all =
        http.get(QStringLiteral("/admin/audit-logs?limit=%1").arg(total)).object();
    QCOMPARE(all.value(u"rows").toArray().size(), total);
    QVERIFY(all.value(u"next_cursor").isNull());
}

void TestAuditLog::badQueries()
{
    HttpClient &http = m_server.http();
    CHECK_ERROR(http.get(QStringLiteral("/admin/audit-logs?limit=0")), 400, "invalid_query");
    CHECK_ERROR(http.get(QStringLiteral("/admin/audit-logs?limit=1001")), 400, "invalid_query");
    CHECK_ERROR(http.get(QStringLiteral("/admin/audit-logs?limit=abc")), 400, "invalid_query");
    CHECK_ERROR(http.get(QStringLiteral("/admin/audit-logs?cursor=-1")), 400, "invalid_query");
    CHECK_ERROR(http.get(QStringLiteral("/admin/audit-logs?since=yesterday")), 400,
                "invalid_query");
    QCOMPARE(http.get(QStringLiteral("/admin/audit-logs"), HttpClient::Auth::None).status, 401);
    QCOMPARE(http.post(QStringLiteral("/admin/audit/verify"), {}, HttpClient::Auth::None).status,
             401);
    QCOMPARE(http.get(QStringLiteral("/admin/audit/export"), HttpClient::Auth::None).status, 401);
    QCOMPARE(http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("through_seq"), 1}},
                       HttpClient::Auth::None)
                 .status,
             401);
    CHECK_STATUS(http.get(QStringLiteral("/.well-known/audit-jwks.json"), HttpClient::Auth::None),
                 200);
}

// ---- tampering -------------------------------------------------------------------------------

void TestAuditLog::editedColumnIsCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("edit/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 k = side.maxSeq() / 2;
    QVERIFY(k >= 3);
    CHECK_VERIFY_OK(server.http());

    // Each column in turn, restored afterwards (the restored log verifies again).
    const QList<QPair<QString, QVariant>> edits{
        {QStringLiteral("resource"), QStringLiteral("edit/other")},
        {QStringLiteral("action"), QStringLiteral("read_secret")},
        {QStringLiteral("status"), QStringLiteral("denied")},
        {QStringLiteral("actor"), QStringLiteral("someone")},
        {QStringLiteral("actor_type"), QStringLiteral("agent")},
        {QStringLiteral("time"), QStringLiteral("2025-01-01T11:00:00.000Z")},
        {QStringLiteral("source_address"), QStringLiteral("10.0.0.1")},
        {QStringLiteral("request_id"), QStringLiteral("req_forged")},
        {QStringLiteral("caller_pid"), 31337},
        {QStringLiteral("caller_hostname"), QStringLiteral("elsewhere")},
        {QStringLiteral("detail"), QStringLiteral("{}")},
        {QStringLiteral("mac_key_id"), 7},
        {QStringLiteral("prev_hash"), QString(64, u'0')},
        {QStringLiteral("entry_hash"), QString(64, u'a')},
        {QStringLiteral("entry_hmac"), QString(64, u'b')},
    };
    for (const auto &[column, value] : edits) {
        const QVariant original =
            side.scalar(QStringLiteral("SELECT %1 FROM audit_log WHERE seq = ?").arg(column), {k});
        QVERIFY2(side.exec(QStringLiteral("UPDATE audit_log SET %1 = ? WHERE seq = ?").arg(column),
                           {value, k}),
                 qPrintable(side.error()));
        const QJsonObject verified = verifyLog(server.http());
        QVERIFY2(
            verified.value(u"ok") == QJsonValue(false) &&
                verified.value(u"first_bad_seq").toInteger() == k,
            qPrintable(column + u' ' +
                       QString::fromUtf8(QJsonDocument(verified).toJson(QJsonDocument::Compact))));
        QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET %1 = ? WHERE seq = ?").arg(column),
                          {original, k}));
        const QJsonObject restored = verifyLog(server.http());
        QVERIFY2(
            restored.value(u"ok") == QJsonValue(true),
            qPrintable(column + u' ' +
                       QString::fromUtf8(QJsonDocument(restored).toJson(QJsonDocument::Compact))));
    }
}

void TestAuditLog::deletedMiddleRowIsCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("del/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 k = side.maxSeq() / 2;
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq = ?"), {k}));
    CHECK_VERIFY_BAD_AT(server.http(), k);
    // Still caught after more rows were written.
    QVERIFY(makeRows(server.http(), QStringLiteral("del/more"), 2));
    CHECK_VERIFY_BAD_AT(server.http(), k);
}

void TestAuditLog::deletedLastRowsAreCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("tail/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq >= ?"), {last - 1}));
    CHECK_VERIFY_BAD_AT(server.http(), last - 1);

    // The last row alone, on a second server.
    START_SERVER(other);
    QVERIFY(makeRows(other.http(), QStringLiteral("tail/k"), 4));
    OPEN_SIDE(side2, other);
    const qint64 last2 = side2.maxSeq();
    QVERIFY(side2.exec(QStringLiteral("DELETE FROM audit_log WHERE seq = ?"), {last2}));
    CHECK_VERIFY_BAD_AT(other.http(), last2);
}

// Cutting off the newest rows must not become invisible as soon as the next request appends
// a row where the deleted ones were (reusing their seqs). Before any checkpoint covers them, the
// server's memory of its own tail is the only witness, so the append must not chain from a
// table tail that is behind it.
void TestAuditLog::truncationStaysCaughtAfterTheNextWrite()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("trunc/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq >= ?"), {last - 1}));
    // An ordinary request comes in before anyone verifies.
    const HttpReply next = server.http().post(
        QStringLiteral("/admin/secrets"),
        {{QStringLiteral("key_path"), str("trunc/next")}, {QStringLiteral("value"), str("v")}});
    QVERIFY(next.status == 201 || next.status == 503);
    const QJsonObject verified = verifyLog(server.http());
    const QByteArray text = QJsonDocument(verified).toJson(QJsonDocument::Compact);
    QVERIFY2(verified.value(u"ok") == QJsonValue(false), text.constData());
    const qint64 bad = verified.value(u"first_bad_seq").toInteger();
    QVERIFY2(bad == last - 1 || bad == last, text.constData());
}

void TestAuditLog::swappedRowsAreCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("swap/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 k = side.maxSeq() / 2;
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET seq = -1 WHERE seq = ?"), {k}));
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET seq = ? WHERE seq = ?"), {k, k + 1}));
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET seq = ? WHERE seq = -1"), {k + 1}));
    CHECK_VERIFY_BAD_AT(server.http(), k);
}

void TestAuditLog::swappedContentIsCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("swapc/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 k = side.maxSeq() / 2;
    const QList<QSqlRecord> both = side.rows(
        QStringLiteral("SELECT * FROM audit_log WHERE seq IN (?, ?) ORDER BY seq"), {k, k + 1});
    QCOMPARE(both.size(), 2);
    // Every column but seq moves to the other row.
    for (int i = 0; i < 2; ++i) {
        const QSqlRecord &from = both.at(1 - i);
        QStringList sets;
        QVariantList values;
        for (int c = 0; c < from.count(); ++c) {
            if (from.fieldName(c) == u"seq")
                continue;
            sets.append(from.fieldName(c) + QStringLiteral(" = ?"));
            values.append(from.value(c));
        }
        values.append(k + i);
        QVERIFY2(side.exec(QStringLiteral("UPDATE audit_log SET %1 WHERE seq = ?")
                               .arg(sets.join(QStringLiteral(", "))),
                           values),
                 qPrintable(side.error()));
    }
    QCOMPARE(
        side.scalar(QStringLiteral("SELECT resource FROM audit_log WHERE seq = ?"), {k}).toString(),
        both.at(1).value(QStringLiteral("resource")).toString());
    CHECK_VERIFY_BAD_AT(server.http(), k);
}

// An attacker without the KEK edits a row and recomputes every SHA-256 from there on, so the
// hash chain is consistent again: the HMAC still names the edited row.
void TestAuditLog::rehashedChainWithoutKeyIsCaught()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("rehash/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    const qint64 k = last / 2;
    QByteArray prev = side.record(k - 1).entryHash;
    QCOMPARE(prev.size(), 32);
    for (qint64 seq = k; seq <= last; ++seq) {
        audit::AuditRecord r = side.record(seq);
        QCOMPARE(r.seq, seq);
        if (seq == k)
            r.resource = QStringLiteral("rehash/forged");
        r.prevHash = prev;
        r.entryHash = audit::computeEntryHash(r);
        QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET resource = ?, prev_hash = ?,"
                                         " entry_hash = ? WHERE seq = ?"),
                          {r.resource, QString::fromLatin1(r.prevHash.toHex()),
                           QString::fromLatin1(r.entryHash.toHex()), seq}));
        prev = r.entryHash;
    }
    CHECK_VERIFY_BAD_AT(server.http(), k);
}

// The same forgery must not be laundered by the server's signature: an export (which ends with a
// checkpoint the server signs for the table's current tail) of a chain whose HMACs do not match
// must not verify offline. Otherwise anyone who can write the file rewrites rows, recomputes the
// SHA-256 chain, downloads an export (or waits for the periodic checkpoint) and holds a signed,
// offline-valid history that never happened.
void TestAuditLog::exportDoesNotVouchForARehashedChain()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("launder/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    const qint64 k = last / 2;
    QByteArray prev = side.record(k - 1).entryHash;
    for (qint64 seq = k; seq <= last; ++seq) {
        audit::AuditRecord r = side.record(seq);
        if (seq == k)
            r.resource = QStringLiteral("launder/forged");
        r.prevHash = prev;
        r.entryHash = audit::computeEntryHash(r);
        QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET resource = ?, prev_hash = ?,"
                                         " entry_hash = ? WHERE seq = ?"),
                          {r.resource, QString::fromLatin1(r.prevHash.toHex()),
                           QString::fromLatin1(r.entryHash.toHex()), seq}));
        prev = r.entryHash;
    }
    const HttpReply exported = server.http().get(QStringLiteral("/admin/audit/export"));
    if (exported.status == 200) {
        const audit::VerifyResult offline = verifyBytes(exported.body, offlineKeys(server.http()));
        QVERIFY2(!offline.ok,
                 ("the server signed a forged chain: " + describe(offline)).constData());
    }
    // However the export turned out, no stored checkpoint vouches for the forged tail.
    for (const QSqlRecord &c :
         side.rows(QStringLiteral("SELECT c.seq FROM audit_checkpoints c JOIN audit_log l"
                                  " ON l.seq = c.seq WHERE c.entry_hash = l.entry_hash"
                                  " AND c.seq >= ?"),
                   {k}))
        QFAIL(qPrintable(
            QStringLiteral("checkpoint at %1 signs a forged row").arg(c.value(0).toLongLong())));
}

// ---- exports ---------------------------------------------------------------------------------

void TestAuditLog::exportVerifiesOffline()
{
    HttpClient &http = m_server.http();
    QVERIFY(makeRows(http, QStringLiteral("exp/k"), 5));
    const HttpReply exported = http.get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    QVERIFY(exported.header("Content-Type").startsWith("application/x-ndjson"));
    const QList<QByteArray> lines = exported.body.trimmed().split('\n');
    QVERIFY(lines.size() > 6);
    const QJsonObject header = QJsonDocument::fromJson(lines.first()).object();
    QCOMPARE(header.value(u"type").toString(), str("header"));
    QCOMPARE(header.value(u"format").toString(), str(audit::ExportFormatName));
    const qint64 firstSeq = header.value(u"first_seq").toInteger();
    const qint64 lastSeq = header.value(u"last_seq").toInteger();
    QCOMPARE(firstSeq, 1);
    // The last line is a checkpoint covering the last row.
    const QJsonObject tail = QJsonDocument::fromJson(lines.last()).object();
    QCOMPARE(tail.value(u"type").toString(), str("checkpoint"));
    QCOMPARE(tail.value(u"seq").toInteger(), lastSeq);
    // The export request is itself recorded, after the rows it exported.
    ONE_ROW(row, exported);
    QCOMPARE(row.value(u"action").toString(), str("audit_export"));
    QCOMPARE(row.value(u"seq").toInteger(), lastSeq + 1);

    const audit::ChainVerifier::Keys keys = offlineKeys(http);
    const audit::VerifyResult result = verifyBytes(exported.body, keys);
    QVERIFY2(result.ok, describe(result).constData());
    QCOMPARE(result.rowsChecked, lastSeq - firstSeq + 1);
    QVERIFY(result.checkpointsChecked >= 1);

    // Without the server's keys nothing verifies.
    audit::ChainVerifier::Keys none;
    none.publicKey = [](const QString &) {
        return std::optional<QByteArray>();
    };
    QVERIFY(!verifyBytes(exported.body, none).ok);
}

void TestAuditLog::exportOneByteEditIsCaught()
{
    HttpClient &http = m_server.http();
    QVERIFY(makeRows(http, QStringLiteral("byte/k"), 6));
    const HttpReply exported = http.get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    const audit::ChainVerifier::Keys keys = offlineKeys(http);
    QVERIFY2(verifyBytes(exported.body, keys).ok,
             describe(verifyBytes(exported.body, keys)).constData());

    const QList<QByteArray> lines = exported.body.split('\n');
    const qint64 lastSeq =
        QJsonDocument::fromJson(lines.first()).object().value(u"last_seq").toInteger();
    // A row of this test's own (its resource is a non-empty key path).
    qint64 k = 0;
    for (const QByteArray &l : lines) {
        const QJsonObject o = QJsonDocument::fromJson(l).object();
        if (o.value(u"type").toString() == u"row" && o.value(u"resource").toString() == u"byte/k2")
            k = o.value(u"seq").toInteger();
    }
    QVERIFY(k > 1 && k < lastSeq);
    const qsizetype line = rowLine(lines, k);
    QVERIFY(line > 0);
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < line; ++i)
        lineStart += lines.at(i).size() + 1;

    // One byte in a field value, in the hash, in the time: each names row k.
    const QList<QByteArray> targets{"\"action\":\"", "\"entry_hash\":\"", "\"time\":\"2",
                                    "\"resource\":\""};
    for (const QByteArray &target : targets) {
        const qsizetype at = lines.at(line).indexOf(target);
        QVERIFY2(at >= 0, target.constData());
        const qsizetype pos = lineStart + at + target.size() + 1;
        QByteArray edited = exported.body;
        const char original = edited.at(pos);
        edited[pos] = original == '1' ? '2' : (original == 'a' ? 'b' : '1');
        if (target.startsWith("\"action") || target.startsWith("\"resource"))
            edited[pos] = original == 'x' ? 'y' : 'x';
        QVERIFY(edited != exported.body);
        const audit::VerifyResult result = verifyBytes(edited, keys);
        QVERIFY2(!result.ok, target.constData());
        QVERIFY2(result.firstBadSeq == k, (target + ' ' + describe(result)).constData());
    }

    // A dropped row line, and a cut-off end.
    {
        QList<QByteArray> dropped = lines;
        dropped.removeAt(line);
        const audit::VerifyResult result = verifyBytes(dropped.join('\n'), keys);
        QVERIFY(!result.ok);
        QVERIFY2(result.firstBadSeq == k, describe(result).constData());
    }
    {
        const qsizetype lastRow = rowLine(lines, lastSeq);
        QVERIFY(lastRow > 0);
        const audit::VerifyResult result = verifyBytes(lines.mid(0, lastRow).join('\n'), keys);
        QVERIFY2(!result.ok, describe(result).constData());
    }
}

void TestAuditLog::exportOfATamperedLogFailsOffline()
{
    START_SERVER(server);
    QVERIFY(makeRows(server.http(), QStringLiteral("texp/k"), 8));
    OPEN_SIDE(side, server);
    const qint64 k = side.maxSeq() / 2;
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_log SET resource = 'texp/forged' WHERE seq = ?"),
                      {k}));
    const HttpReply exported = server.http().get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    const audit::VerifyResult result = verifyBytes(exported.body, offlineKeys(server.http()));
    QVERIFY(!result.ok);
    QVERIFY2(result.firstBadSeq == k, describe(result).constData());
}

// ---- fail closed -----------------------------------------------------------------------------

void TestAuditLog::auditWriteFailureChangesNothing()
{
    START_SERVER(server);
    HttpClient &http = server.http();
    AccessDriver access(server);
    const TestAgent agent{QStringLiteral("closed-agent")};
    CHECK_STATUS(access.registerAgent(agent), 201);
    const QString id = access.createSecret(QStringLiteral("closed/key"), str("closed-old-value"));
    QVERIFY(!id.isEmpty());
    QVERIFY(!access.grant(QStringLiteral("closed"), id).isEmpty());
    const QString token =
        tokenOf(access.discoverApproved(agent, QStringLiteral("closed"), QStringLiteral("KEY=\n")));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(access.fetch(QStringLiteral("closed"), token), 200);

    OPEN_SIDE(side, server);
    QVERIFY2(side.exec(QStringLiteral("CREATE TRIGGER audit_readonly BEFORE INSERT ON audit_log"
                                      " BEGIN SELECT RAISE(ABORT, 'read-only'); END")),
             qPrintable(side.error()));
    const qint64 rowsBefore = side.rowCount();
    const qint64 secretsBefore =
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM secrets")).toLongLong();
    const qint64 versionsBefore =
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM secret_versions")).toLongLong();

    // A new secret: refused, and not there afterwards.
    const HttpReply created = http.post(QStringLiteral("/admin/secrets"),
                                        {{QStringLiteral("key_path"), str("closed/new")},
                                         {QStringLiteral("value"), str("closed-new-value")}});
    CHECK_ERROR(created, 503, "audit_unavailable");
    QVERIFY(!created.body.contains("closed-new-value"));
    for (const QJsonValue &v : http.get(QStringLiteral("/admin/secrets")).array())
        QVERIFY(v.toObject().value(u"key_path").toString() != u"closed/new");

    // A new value: refused, the old one stays current.
    CHECK_ERROR(http.put(QStringLiteral("/admin/secrets/%1").arg(id),
                         {{QStringLiteral("value"), str("closed-new-value")}}),
                503, "audit_unavailable");
    QCOMPARE(http.get(QStringLiteral("/admin/secrets/%1/versions").arg(id))
                 .object()
                 .value(u"current_version")
                 .toInt(),
             1);

    // Reading a value is refused too, and nothing of it is sent.
    const HttpReply read = http.get(QStringLiteral("/admin/secrets/%1").arg(id));
    CHECK_ERROR(read, 503, "audit_unavailable");
    QVERIFY(!read.body.contains("closed-old-value"));

    // An agent fetch: refused with no values in the body.
    const HttpReply fetched = access.fetch(QStringLiteral("closed"), token);
    CHECK_ERROR(fetched, 503, "audit_unavailable");
    QVERIFY(!fetched.body.contains("closed-old-value"));
    QVERIFY(!fetched.object().contains(QStringLiteral("env_vars")));

    // Deleting: refused, still there.
    CHECK_ERROR(http.del(QStringLiteral("/admin/secrets/%1").arg(id)), 503, "audit_unavailable");
    // A discover that would mint a token: refused, no token minted.
    const qint64 tokensBefore =
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM project_tokens")).toLongLong();
    const HttpReply discovered =
        access.discover(agent, QStringLiteral("closed"), QStringLiteral("KEY=\n"));
    CHECK_ERROR(discovered, 503, "audit_unavailable");
    QVERIFY(!discovered.body.contains("cvpt_"));
    QCOMPARE(side.scalar(QStringLiteral("SELECT COUNT(*) FROM project_tokens")).toLongLong(),
             tokensBefore);
    // A refused request's own row cannot be written either; the refusal still stands.
    CHECK_ERROR(access.fetch(QStringLiteral("closed"),
                             QStringLiteral("cvpt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")),
                503, "audit_unavailable");
    // Verify still answers (it only reads, and an operator needs it most now); its own row
    // cannot be written, and the count below shows none was.
    const HttpReply verified = http.post(QStringLiteral("/admin/audit/verify"), {});
    CHECK_STATUS(verified, 200);
    QCOMPARE(verified.object().value(QStringLiteral("ok")).toBool(), true);

    QCOMPARE(side.rowCount(), rowsBefore);
    QCOMPARE(side.scalar(QStringLiteral("SELECT COUNT(*) FROM secrets")).toLongLong(),
             secretsBefore);
    QCOMPARE(side.scalar(QStringLiteral("SELECT COUNT(*) FROM secret_versions")).toLongLong(),
             versionsBefore);
    QVERIFY(logContains(QStringLiteral("cannot write the audit row")));

    // The log works again: everything as before, and the chain is whole.
    QVERIFY2(side.exec(QStringLiteral("DROP TRIGGER audit_readonly")), qPrintable(side.error()));
    const HttpReply old = http.get(QStringLiteral("/admin/secrets/%1").arg(id));
    CHECK_STATUS(old, 200);
    QCOMPARE(old.object().value(u"value").toString(), str("closed-old-value"));
    QCOMPARE(old.object().value(u"current_version").toInt(), 1);
    const HttpReply again = access.fetch(QStringLiteral("closed"), token);
    CHECK_STATUS(again, 200);
    QCOMPARE(envOf(again).value(u"KEY").toString(), str("closed-old-value"));
    CHECK_STATUS(http.post(QStringLiteral("/admin/secrets"),
                           {{QStringLiteral("key_path"), str("closed/new")},
                            {QStringLiteral("value"), str("closed-new-value")}}),
                 201);
    QCOMPARE(side.rowCount(), rowsBefore + 3);
    CHECK_VERIFY_OK(http);
    // No gap in seq from the refused writes.
    QCOMPARE(side.maxSeq(), side.rowCount());
}

// ---- prune, checkpoints, seal ------------------------------------------------------------------

void TestAuditLog::pruneKeepsTheChainVerifiable()
{
    START_SERVER(server);
    HttpClient &http = server.http();
    QVERIFY(makeRows(http, QStringLiteral("prune/k"), 10));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    QVERIFY(last >= 10);

    const HttpReply pruned =
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("through_seq"), 5}});
    CHECK_STATUS(pruned, 200);
    QCOMPARE(pruned.object().value(u"rows_removed").toInteger(), qint64(5));
    QCOMPARE(pruned.object().value(u"pruned_through_seq").toInteger(), qint64(5));
    QCOMPARE(side.scalar(QStringLiteral("SELECT MIN(seq) FROM audit_log")).toLongLong(), qint64(6));
    QCOMPARE(
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE seq <= 5")).toLongLong(),
        qint64(0));
    QVERIFY(side.checkpointSeqs().contains(5)); // the anchor
    {
        const QJsonArray rows = rowsOf(http, pruned);
        QCOMPARE(rows.size(), 1);
        const QJsonObject row = rows.first().toObject();
        CHECK_ROW(row, str("audit_prune"), str("5"), str("admin"), str("admin"), str("success"));
        QCOMPARE(row.value(u"seq").toInteger(), last + 1);
        QCOMPARE(row.value(u"detail").toObject().value(u"rows_removed").toInteger(), qint64(5));
    }
    const QJsonObject verified = verifyLog(http);
    QVERIFY2(verified.value(u"ok").toBool(), QJsonDocument(verified).toJson().constData());
    QCOMPARE(verified.value(u"rows_checked").toInteger(), last + 1 - 5);
    QVERIFY(verified.value(u"checkpoints_checked").toInteger() >= 1);

    const HttpReply exported = http.get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    const QJsonObject header =
        QJsonDocument::fromJson(exported.body.left(exported.body.indexOf('\n'))).object();
    QCOMPARE(header.value(u"first_seq").toInteger(), qint64(6));
    const audit::VerifyResult offline = verifyBytes(exported.body, offlineKeys(http));
    QVERIFY2(offline.ok, describe(offline).constData());
    QVERIFY(offline.rowsChecked >= last + 2 - 5);

    // The first kept row cannot be dropped unnoticed either.
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq = 6")));
    CHECK_VERIFY_BAD_AT(http, 6);
}

void TestAuditLog::pruneEverythingAndByAge()
{
    START_SERVER(server);
    HttpClient &http = server.http();
    QVERIFY(makeRows(http, QStringLiteral("age/old"), 4));
    server.clock().advanceSeconds(3 * 24 * 3600);
    QVERIFY(makeRows(http, QStringLiteral("age/new"), 3));
    OPEN_SIDE(side, server);
    const qint64 oldCount =
        side.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE resource LIKE 'age/old%'"))
            .toLongLong();
    QCOMPARE(oldCount, 4);
    const qint64 lastOld =
        side.scalar(QStringLiteral("SELECT MAX(seq) FROM audit_log WHERE resource LIKE 'age/old%'"))
            .toLongLong();

    const HttpReply byAge =
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("older_than_days"), 2}});
    CHECK_STATUS(byAge, 200);
    QCOMPARE(byAge.object().value(u"pruned_through_seq").toInteger(), lastOld);
    QCOMPARE(side.scalar(QStringLiteral("SELECT MIN(seq) FROM audit_log")).toLongLong(),
             lastOld + 1);
    CHECK_VERIFY_OK(http);

    // Nothing old enough: nothing removed, still one row for the request.
    const HttpReply nothing =
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("older_than_days"), 2}});
    CHECK_STATUS(nothing, 200);
    QCOMPARE(nothing.object().value(u"rows_removed").toInteger(), qint64(0));
    QCOMPARE(rowsOf(http, nothing).size(), 1);

    // Everything: the chain continues from the anchor alone.
    const HttpReply all =
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("through_seq"), 1000000}});
    CHECK_STATUS(all, 200);
    QVERIFY(all.object().value(u"rows_removed").toInteger() > 0);
    QCOMPARE(side.rowCount(), qint64(1)); // the prune's own row
    CHECK_VERIFY_OK(http);
    QVERIFY(makeRows(http, QStringLiteral("age/after"), 2));
    CHECK_VERIFY_OK(http);
    const HttpReply exported = http.get(QStringLiteral("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    const audit::VerifyResult offline = verifyBytes(exported.body, offlineKeys(http));
    QVERIFY2(offline.ok, describe(offline).constData());
}

void TestAuditLog::pruneRejectsBadBodies()
{
    HttpClient &http = m_server.http();
    CHECK_ERROR(http.post(QStringLiteral("/admin/audit/prune"), {}), 400, "invalid_field");
    CHECK_ERROR(
        http.post(QStringLiteral("/admin/audit/prune"),
                  {{QStringLiteral("through_seq"), 1}, {QStringLiteral("older_than_days"), 1}}),
        400, "invalid_field");
    CHECK_ERROR(
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("through_seq"), 0}}), 400,
        "invalid_field");
    CHECK_ERROR(
        http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("older_than_days"), 0}}),
        400, "invalid_field");
    CHECK_ERROR(http.post(QStringLiteral("/admin/audit/prune"), {{QStringLiteral("bogus"), 1}}),
                400, "unknown_field");
    SideDb side(dbPathOf(m_server));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    QCOMPARE(side.scalar(QStringLiteral("SELECT MIN(seq) FROM audit_log")).toLongLong(), qint64(1));
}

void TestAuditLog::checkpointsEveryNRows()
{
    qputenv("CORTEX_AUDIT_CHECKPOINT_ROWS", "5");
    TestServer server;
    QString error;
    const bool started = server.start(&error);
    qunsetenv("CORTEX_AUDIT_CHECKPOINT_ROWS");
    QVERIFY2(started, qPrintable(error));
    QVERIFY(makeRows(server.http(), QStringLiteral("cp/k"), 12));
    OPEN_SIDE(side, server);
    const QList<qint64> seqs = side.checkpointSeqs();
    QVERIFY2(seqs.contains(5) && seqs.contains(10),
             qPrintable(QStringLiteral("checkpoints at %1").arg(seqs.size())));
    // Each signs the row it names.
    for (const QSqlRecord &c :
         side.rows(QStringLiteral("SELECT c.entry_hash, l.entry_hash FROM audit_checkpoints c"
                                  " JOIN audit_log l ON l.seq = c.seq")))
        QCOMPARE(c.value(0).toString(), c.value(1).toString());
    const QJsonObject verified = verifyLog(server.http());
    QVERIFY2(verified.value(u"ok").toBool(), QJsonDocument(verified).toJson().constData());
    QVERIFY(verified.value(u"checkpoints_checked").toInteger() >= 2);

    // A checkpoint pins what it covers: a deleted checkpointed tail row is caught too.
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq >= 10")));
    CHECK_VERIFY_BAD_AT(server.http(), 10);
}

void TestAuditLog::checkpointsEveryTSeconds()
{
    qputenv("CORTEX_AUDIT_CHECKPOINT_SECONDS", "1");
    TestServer server;
    QString error;
    const bool started = server.start(&error);
    qunsetenv("CORTEX_AUDIT_CHECKPOINT_SECONDS");
    QVERIFY2(started, qPrintable(error));
    QVERIFY(makeRows(server.http(), QStringLiteral("cpt/k"), 2));
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    QTRY_VERIFY_WITH_TIMEOUT(side.checkpointSeqs().contains(last), WaitLimitMs);
    QVERIFY(makeRows(server.http(), QStringLiteral("cpt/more"), 1));
    const qint64 next = side.maxSeq();
    QTRY_VERIFY_WITH_TIMEOUT(side.checkpointSeqs().contains(next), WaitLimitMs);
    CHECK_VERIFY_OK(server.http());
}

// A checkpoint whose signature does not verify vouches for nothing: the rows since the last good
// one are the first that cannot be trusted. A deleted checkpoint is no tampering the chain can see
// (checkpoints are an extra), but the log must still verify.
void TestAuditLog::forgedCheckpointIsCaught()
{
    qputenv("CORTEX_AUDIT_CHECKPOINT_ROWS", "5");
    TestServer server;
    QString error;
    const bool started = server.start(&error);
    qunsetenv("CORTEX_AUDIT_CHECKPOINT_ROWS");
    QVERIFY2(started, qPrintable(error));
    QVERIFY(makeRows(server.http(), QStringLiteral("fcp/k"), 12));
    OPEN_SIDE(side, server);
    QVERIFY(side.checkpointSeqs().contains(5) && side.checkpointSeqs().contains(10));
    const QVariant signature =
        side.scalar(QStringLiteral("SELECT signature FROM audit_checkpoints WHERE seq = 10"));
    QByteArray forged = signature.toByteArray();
    QCOMPARE(forged.size(), qsizetype(64));
    forged[0] = char(forged.at(0) ^ 0x01);
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_checkpoints SET signature = ? WHERE seq = 10"),
                      {forged}));
    CHECK_VERIFY_BAD_AT(server.http(), 6);
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_checkpoints SET signature = ? WHERE seq = 10"),
                      {signature}));
    CHECK_VERIFY_OK(server.http());

    // A checkpoint moved onto another row's hash does not match that row.
    const QString hash9 =
        side.scalar(QStringLiteral("SELECT entry_hash FROM audit_log WHERE seq = 9")).toString();
    QVERIFY(side.exec(QStringLiteral("UPDATE audit_checkpoints SET entry_hash = ? WHERE seq = 10"),
                      {hash9}));
    CHECK_VERIFY_BAD_AT(server.http(), 6);
}

void TestAuditLog::sealWritesARowAndACheckpoint()
{
    START_SERVER(server);
    HttpClient &http = server.http();
    QVERIFY(makeRows(http, QStringLiteral("seal/k"), 3));
    const HttpReply sealed = http.post(QStringLiteral("/sys/seal"), {});
    CHECK_STATUS(sealed, 200);
    QCOMPARE(sealed.object().value(u"sealed").toBool(), true);
    OPEN_SIDE(side, server);
    const qint64 last = side.maxSeq();
    const QList<QSqlRecord> row =
        side.rows(QStringLiteral("SELECT action, actor_type, actor, status, entry_hash, request_id"
                                 " FROM audit_log WHERE seq = ?"),
                  {last});
    QCOMPARE(row.size(), 1);
    QCOMPARE(row.first().value(0).toString(), str("seal"));
    QCOMPARE(row.first().value(1).toString(), str("admin"));
    QCOMPARE(row.first().value(2).toString(), str("admin"));
    QCOMPARE(row.first().value(3).toString(), str("success"));
    QCOMPARE(row.first().value(5).toString(), QString::fromLatin1(sealed.header("X-Request-Id")));
    QCOMPARE(side.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE request_id = ?"),
                         {QString::fromLatin1(sealed.header("X-Request-Id"))})
                 .toLongLong(),
             qint64(1));
    QCOMPARE(side.scalar(QStringLiteral("SELECT entry_hash FROM audit_checkpoints WHERE seq = ?"),
                         {last})
                 .toString(),
             row.first().value(4).toString());

    // Sealed: the log answers 503 like every admin route, and the checkpoint is verifiable.
    CHECK_ERROR(http.post(QStringLiteral("/admin/audit/verify"), {}), 503, "sealed");
    const HttpReply unsealed =
        http.post(QStringLiteral("/sys/unseal"),
                  {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}});
    CHECK_STATUS(unsealed, 200);
    QCOMPARE(side.scalar(QStringLiteral("SELECT action FROM audit_log WHERE seq = ?"), {last + 1})
                 .toString(),
             str("unseal"));
    const QJsonObject verified = verifyLog(http);
    QVERIFY2(verified.value(u"ok").toBool(), QJsonDocument(verified).toJson().constData());
    QVERIFY(verified.value(u"checkpoints_checked").toInteger() >= 1);

    // A shutdown seals too, signed, so a restart can tell a cut-off log.
    QString error;
    QVERIFY2(server.restart(&error), qPrintable(error));
    const qint64 shutdown = side.maxSeq();
    QCOMPARE(side.scalar(QStringLiteral("SELECT actor FROM audit_log WHERE seq = ?"), {shutdown})
                 .toString(),
             str("shutdown"));
    QVERIFY(side.checkpointSeqs().contains(shutdown));
    CHECK_STATUS(server.http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}}),
                 200);
    CHECK_VERIFY_OK(server.http());
    // After a restart the server no longer remembers its tail: the shutdown checkpoint pins it.
    // Cut the last row while the server is down (sealed), then let it write again.
    const qint64 beforeSecondRestart = side.maxSeq();
    QVERIFY2(server.restart(&error), qPrintable(error));
    const qint64 shutdown2 = side.maxSeq();
    QCOMPARE(shutdown2, beforeSecondRestart + 1);
    QVERIFY(side.checkpointSeqs().contains(shutdown2));
    QVERIFY(side.exec(QStringLiteral("DELETE FROM audit_log WHERE seq = ?"), {shutdown2}));
    CHECK_STATUS(server.http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}}),
                 200);
    const QJsonObject cut = verifyLog(server.http());
    QVERIFY2(cut.value(u"ok") == QJsonValue(false),
             QJsonDocument(cut).toJson(QJsonDocument::Compact).constData());
    QVERIFY(cut.value(u"first_bad_seq").toInteger() <= shutdown2);
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_audit_log.moc"
