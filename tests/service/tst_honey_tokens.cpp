// Honey tokens: a decoy secret is never handed out. Every way of asking for one (discover
// mapping, project secrets fetch, template, admin read) answers a generic 401, revokes the
// calling project's tokens, suspends the agent's approvals, writes an `alarm` audit row and an
// alarm, and reaches a real loopback HTTP receiver through a webhook channel.

#include "AgentHelpers.h"
#include "HttpReceiver.h"

#include <QJsonArray>
#include <QTest>

using namespace cortex::test;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

constexpr char BaitValue[] = "bait-value-7f3a9c";

} // namespace

class TestHoneyTokens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void discoverNamingADecoyAlarmsBeforeApproval();
    void fetchOfASecretTurnedDecoyAlarms();
    void templateDecoyAlarms();
    void adminReadOfADecoyAlarms();
    void alarmsListAndAcknowledge();
    void nothingOfTheDecoyLeaks();
    void newPendingGrantNotifiesOperators();

private:
    QString createSecret(const QString &keyPath, const QString &value, bool honey,
                         const QString &type = str("KEY_VALUE"));
    // The newest alarm, after checking one more arrived.
    QJsonObject expectNewAlarm(qsizetype before);
    qsizetype alarmCount();
    // Waits for the webhook delivery of the alarm with this key path.
    QJsonObject expectNotification(const QString &keyPath);
    QJsonObject lastAuditRow(const QString &action);

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
    HttpReceiver m_receiver;
};

void TestHoneyTokens::initTestCase()
{
    QVERIFY(m_receiver.listen());
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
    const HttpReply channel = m_access->http().post(
        str("/admin/notification-channels"),
        {{str("channel_type"), str("webhook")},
         {str("name"), str("pager")},
         {str("config"), QJsonObject{{str("url"), m_receiver.url(str("/hook"))},
                                     {str("secret"), str("hook-signing-secret")}}}});
    CHECK_STATUS(channel, 201);
}

QString TestHoneyTokens::createSecret(const QString &keyPath, const QString &value, bool honey,
                                      const QString &type)
{
    const HttpReply r =
        m_access->http().post(str("/admin/secrets"), {{str("key_path"), keyPath},
                                                      {str("value"), value},
                                                      {str("secret_type"), type},
                                                      {str("is_honey_token"), honey}});
    if (r.status != 201)
        qWarning("secret creation failed: %s", r.describe().constData());
    return r.object().value(str("id")).toString();
}

qsizetype TestHoneyTokens::alarmCount()
{
    return m_access->http()
        .get(str("/admin/alarms"))
        .object()
        .value(str("alarms"))
        .toArray()
        .size();
}

QJsonObject TestHoneyTokens::expectNewAlarm(qsizetype before)
{
    const QJsonArray alarms =
        m_access->http().get(str("/admin/alarms")).object().value(str("alarms")).toArray();
    if (alarms.size() != before + 1) {
        qWarning("expected %lld alarms, have %lld", qlonglong(before + 1),
                 qlonglong(alarms.size()));
        return {};
    }
    return alarms.first().toObject(); // unacknowledged, newest first
}

QJsonObject TestHoneyTokens::expectNotification(const QString &keyPath)
{
    const auto find = [&]() -> QJsonObject {
        for (const HttpReceiver::Request &r : m_receiver.requestsTo(str("/hook"))) {
            const QJsonObject json = r.json();
            if (json.value(str("key_path")).toString() == keyPath)
                return json;
        }
        return {};
    };
    // Delivery is asynchronous: spin the event loop until it arrives.
    if (!QTest::qWaitFor([&] { return !find().isEmpty(); }, 30000))
        qWarning("no notification arrived for %s", qPrintable(keyPath));
    return find();
}

QJsonObject TestHoneyTokens::lastAuditRow(const QString &action)
{
    const HttpReply r =
        m_access->http().get(str("/admin/audit-logs?action=%1&limit=1").arg(action));
    return r.object().value(str("rows")).toArray().at(0).toObject();
}

void TestHoneyTokens::discoverNamingADecoyAlarmsBeforeApproval()
{
    // A brand-new agent whose first discover would wait for approval: naming the decoy alarms
    // at once, with no pending request created.
    const TestAgent agent{str("curious-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString bait = createSecret(str("bait/aws-root"), str(BaitValue), true);
    m_access->grant(str("baitproj"), bait, str("AWS_ROOT_KEY"));
    const qsizetype before = alarmCount();

    const HttpReply r = m_access->discover(agent, str("baitproj"), str("AWS_ROOT_KEY=\n"));
    CHECK_ERROR(r, 401, "access_denied");
    QVERIFY(!r.body.contains("bait"));
    QVERIFY(!r.body.contains("honey"));

    const QJsonObject alarm = expectNewAlarm(before);
    QCOMPARE(alarm.value(str("key_path")).toString(), str("bait/aws-root"));
    QCOMPARE(alarm.value(str("agent_id")).toString(), str("curious-agent"));
    QCOMPARE(alarm.value(str("project")).toString(), str("baitproj"));
    QCOMPARE(alarm.value(str("acknowledged")).toBool(), false);
    const QJsonObject row = lastAuditRow(str("honey_token_access"));
    QCOMPARE(row.value(str("status")).toString(), str("alarm"));
    QCOMPARE(row.value(str("resource")).toString(), str("bait/aws-root"));
    QCOMPARE(row.value(str("seq")).toInteger(), alarm.value(str("audit_seq")).toInteger());
    // No pending request for the operator to approve by mistake.
    const QJsonArray pending = m_access->http().get(str("/admin/pending-grants")).array();
    for (const QJsonValue &p : pending)
        QVERIFY(p.toObject().value(str("agent_id")).toString() != str("curious-agent"));

    const QJsonObject note = expectNotification(str("bait/aws-root"));
    QCOMPARE(note.value(str("event")).toString(), str("honey_token_read"));
    QCOMPARE(note.value(str("severity")).toString(), str("critical"));
    QCOMPARE(note.value(str("agent_id")).toString(), str("curious-agent"));
    QCOMPARE(note.value(str("project")).toString(), str("baitproj"));
    QCOMPARE(note.value(str("namespace")).toString(), str("default"));
    QVERIFY(!note.value(str("time")).toString().isEmpty());
    QVERIFY(!note.value(str("request_id")).toString().isEmpty());
}

void TestHoneyTokens::fetchOfASecretTurnedDecoyAlarms()
{
    // An agent with a working token for two projects; the operator turns one of its keys into a
    // tripwire. The next fetch alarms, and the agent is cut off everywhere.
    const TestAgent agent{str("leaky-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString key = createSecret(str("leaky/api-key"), str("real-value"), false);
    m_access->grant(str("leaky"), key, str("API_KEY"));
    const QString token =
        tokenOf(m_access->discoverApproved(agent, str("leaky"), str("API_KEY=\n")));
    QVERIFY(!token.isEmpty());
    const QString other = createSecret(str("leaky2/db"), str("db-value"), false);
    m_access->grant(str("leaky2"), other, str("DB"));
    const QString token2 = tokenOf(m_access->discoverApproved(agent, str("leaky2"), str("DB=\n")));
    QVERIFY(!token2.isEmpty());
    CHECK_STATUS(m_access->fetch(str("leaky"), token), 200);

    CHECK_STATUS(
        m_access->http().put(str("/admin/secrets/%1").arg(key), {{str("is_honey_token"), true}}),
        200);
    const qsizetype before = alarmCount();
    const HttpReply r = m_access->fetch(str("leaky"), token);
    CHECK_ERROR(r, 401, "access_denied");
    QVERIFY(!r.body.contains("real-value"));
    const QJsonObject alarm = expectNewAlarm(before);
    QCOMPARE(alarm.value(str("agent_id")).toString(), str("leaky-agent"));
    QCOMPARE(alarm.value(str("project")).toString(), str("leaky"));

    // The project's tokens are revoked; the agent's other approvals are suspended, so its other
    // token stops working too and a new discover waits for an operator.
    CHECK_ERROR(m_access->fetch(str("leaky"), token), 401, "token_revoked");
    CHECK_ERROR(m_access->fetch(str("leaky2"), token2), 401, "token_revoked");
    CHECK_ERROR(m_access->discover(agent, str("leaky2"), str("DB=\n")), 403, "pending_approval");
    QVERIFY(!expectNotification(str("leaky/api-key")).isEmpty());
}

void TestHoneyTokens::templateDecoyAlarms()
{
    const TestAgent agent{str("tpl-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString tpl =
        createSecret(str("tpl/app.conf"), str("user={{USER}}"), false, str("TEMPLATE_CONFIG"));
    m_access->grant(str("tpl"), tpl, str("APP_CONF"));
    const QString token =
        tokenOf(m_access->discoverApproved(agent, str("tpl"), str("APP_CONF=\n")));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(
        m_access->http().put(str("/admin/secrets/%1").arg(tpl), {{str("is_honey_token"), true}}),
        200);
    const qsizetype before = alarmCount();
    const HttpReply r = m_access->http().send(
        "GET", str("/project/config/tpl/tpl%2Fapp.conf"), {}, HttpClient::Auth::None,
        {{QByteArrayLiteral("Authorization"), "Bearer " + token.toLatin1()}});
    CHECK_ERROR(r, 401, "access_denied");
    QCOMPARE(expectNewAlarm(before).value(str("key_path")).toString(), str("tpl/app.conf"));
    CHECK_ERROR(m_access->fetch(str("tpl"), token), 401, "token_revoked");
}

void TestHoneyTokens::adminReadOfADecoyAlarms()
{
    const QString bait = createSecret(str("admin/bait"), str(BaitValue), true);
    const qsizetype before = alarmCount();
    const HttpReply r = m_access->http().get(str("/admin/secrets/%1").arg(bait));
    CHECK_ERROR(r, 401, "access_denied");
    QVERIFY(!r.body.contains(BaitValue));
    const QJsonObject alarm = expectNewAlarm(before);
    QCOMPARE(alarm.value(str("key_path")).toString(), str("admin/bait"));
    const QJsonObject row = lastAuditRow(str("honey_token_access"));
    QCOMPARE(row.value(str("actor_type")).toString(), str("admin"));
    QVERIFY(!expectNotification(str("admin/bait")).isEmpty());
}

void TestHoneyTokens::alarmsListAndAcknowledge()
{
    const QJsonArray alarms =
        m_access->http().get(str("/admin/alarms")).object().value(str("alarms")).toArray();
    QVERIFY(alarms.size() >= 2);
    const QString id = alarms.at(1).toObject().value(str("id")).toString();
    const HttpReply ack =
        m_access->http().post(str("/admin/alarms/%1/ack").arg(id), {{str("note"), str("drill")}});
    CHECK_STATUS(ack, 200);
    QCOMPARE(ack.object().value(str("acknowledged")).toBool(), true);
    QCOMPARE(ack.object().value(str("note")).toString(), str("drill"));
    // Acknowledging again changes nothing and says so.
    const HttpReply again = m_access->http().post(str("/admin/alarms/%1/ack").arg(id), {});
    CHECK_STATUS(again, 200);
    QCOMPARE(again.object().value(str("already_acknowledged")).toBool(), true);
    CHECK_ERROR(m_access->http().post(str("/admin/alarms/alm_nope/ack"), {}), 404,
                "alarm_not_found");
    // Unacknowledged first: the acknowledged one sorts last.
    const QJsonArray after =
        m_access->http().get(str("/admin/alarms")).object().value(str("alarms")).toArray();
    QCOMPARE(after.last().toObject().value(str("id")).toString(), id);
    QVERIFY(!after.first().toObject().value(str("acknowledged")).toBool());
    // The refused ack of an unknown id is on the record too, as rejected.
    QCOMPARE(lastAuditRow(str("alarm_ack&status=success")).value(str("resource")).toString(), id);
    QCOMPARE(lastAuditRow(str("alarm_ack&status=rejected")).value(str("resource")).toString(),
             str("alm_nope"));
}

void TestHoneyTokens::nothingOfTheDecoyLeaks()
{
    // Neither the receiver nor the audit log ever saw the decoy's value or the channel secret.
    for (const HttpReceiver::Request &r : m_receiver.requests()) {
        QVERIFY(!r.body.contains(BaitValue));
        QVERIFY(!r.body.contains("hook-signing-secret"));
    }
    const QByteArray audit = m_access->http().get(str("/admin/audit/export")).body;
    QVERIFY(!audit.isEmpty());
    QVERIFY(!audit.contains(BaitValue));
    QVERIFY(!audit.contains("real-value"));
    QVERIFY(!audit.contains("hook-signing-secret"));
}

void TestHoneyTokens::newPendingGrantNotifiesOperators()
{
    // Not a decoy, but the same path: a first discover waits for approval and the operators
    // hear of it at once, with what to approve.
    const TestAgent agent{str("newcomer")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString key = createSecret(str("new/key"), str("new-value"), false);
    m_access->grant(str("newproj"), key, str("NEW_KEY"));
    const HttpReply r = m_access->discover(agent, str("newproj"), str("NEW_KEY=\n"));
    CHECK_ERROR(r, 403, "pending_approval");
    const QString grantId =
        r.object().value(str("details")).toObject().value(str("grant_id")).toString();
    const auto find = [&]() -> QJsonObject {
        for (const HttpReceiver::Request &req : m_receiver.requestsTo(str("/hook")))
            if (req.json().value(str("grant_id")).toString() == grantId)
                return req.json();
        return {};
    };
    QTRY_VERIFY_WITH_TIMEOUT(!find().isEmpty(), 30000);
    const QJsonObject note = find();
    QCOMPARE(note.value(str("event")).toString(), str("pending_grant"));
    QCOMPARE(note.value(str("agent_id")).toString(), str("newcomer"));
    QCOMPARE(note.value(str("project")).toString(), str("newproj"));
    QCOMPARE(note.value(str("requested_keys")).toArray(), QJsonArray{str("new/key")});
    // A repeated discover of the same request does not page again.
    CHECK_ERROR(m_access->discover(agent, str("newproj"), str("NEW_KEY=\n")), 403,
                "pending_approval");
    QTest::qWait(200);
    int pages = 0;
    for (const HttpReceiver::Request &req : m_receiver.requestsTo(str("/hook")))
        pages += req.json().value(str("grant_id")).toString() == grantId ? 1 : 0;
    QCOMPARE(pages, 1);
}

QTEST_MAIN(TestHoneyTokens)
#include "tst_honey_tokens.moc"
