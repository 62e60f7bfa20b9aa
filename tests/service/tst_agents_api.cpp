// Admin side of agent access: /admin/agents, /admin/projects/{p}/grants, /admin/projects and
// /admin/pending-grants — validation, conflicts, and that bad input stores nothing.

#include "AgentHelpers.h"

#include <QTest>

using namespace cortex::test;

class TestAgentsApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void createAndListAgent();
    void standardBase64KeyAccepted();
    void duplicateAgentIs409();
    void badAgentCreateStoresNothing_data();
    void badAgentCreateStoresNothing();
    void rotateAndDeleteUnknownAgentIs404();
    void adminRoutesNeedTheAdminToken();
    void grantsCrud();
    void badGrantCreateStoresNothing_data();
    void badGrantCreateStoresNothing();
    void approvalRules();
    void projectListing();

private:
    int agentCount();

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
};

void TestAgentsApi::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
}

int TestAgentsApi::agentCount()
{
    return int(m_access->http().get(QStringLiteral("/admin/agents")).array().size());
}

void TestAgentsApi::createAndListAgent()
{
    const TestAgent agent{QStringLiteral("builder.1@host-a")};
    const HttpReply r =
        m_access->http().post(QStringLiteral("/admin/agents"),
                              {{QStringLiteral("agent_id"), agent.id},
                               {QStringLiteral("agent_pub"), agent.pub()},
                               {QStringLiteral("description"), QStringLiteral("builder")},
                               {QStringLiteral("namespace"), QStringLiteral("team-x")}});
    CHECK_STATUS(r, 201);
    QCOMPARE(r.object().value(QStringLiteral("agent_id")).toString(), agent.id);
    QCOMPARE(r.object().value(QStringLiteral("namespace")).toString(), QStringLiteral("team-x"));
    QVERIFY(!r.object().value(QStringLiteral("id")).toString().isEmpty());

    const HttpReply list = m_access->http().get(QStringLiteral("/admin/agents"));
    CHECK_STATUS(list, 200);
    QCOMPARE(list.array().size(), 1);
    const QJsonObject o = list.array().at(0).toObject();
    QCOMPARE(o.value(QStringLiteral("description")).toString(), QStringLiteral("builder"));
    QCOMPARE(o.value(QStringLiteral("has_pubkey")).toBool(), true);
    QVERIFY(o.value(QStringLiteral("created_at")).isString());
    QVERIFY(o.value(QStringLiteral("updated_at")).isString());
    // The namespace was created on the way.
    QVERIFY(m_access->http().get(QStringLiteral("/admin/namespaces")).body.contains("\"team-x\""));
}

void TestAgentsApi::standardBase64KeyAccepted()
{
    const TestAgent agent{QStringLiteral("std-b64")};
    CHECK_STATUS(m_access->http().post(QStringLiteral("/admin/agents"),
                                       {{QStringLiteral("agent_id"), agent.id},
                                        {QStringLiteral("agent_pub"),
                                         QString::fromLatin1(agent.key.publicKey().toBase64())}}),
                 201);
}

void TestAgentsApi::duplicateAgentIs409()
{
    const TestAgent agent{QStringLiteral("dup")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    // agent_id is global: another namespace does not make it a different agent.
    CHECK_ERROR(m_access->registerAgent(TestAgent{agent.id}, QStringLiteral("other")), 409,
                "agent_exists");
}

void TestAgentsApi::badAgentCreateStoresNothing_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    const QString pub = TestAgent{QStringLiteral("x")}.pub();
    const auto body = [](const QJsonObject &o) {
        return toJson(o);
    };
    QTest::newRow("malformed") << QByteArray("{\"agent_id\":") << QStringLiteral("invalid_json");
    QTest::newRow("missing pub") << body({{QStringLiteral("agent_id"), QStringLiteral("a")}})
                                 << QStringLiteral("missing_field");
    QTest::newRow("missing id") << body({{QStringLiteral("agent_pub"), pub}})
                                << QStringLiteral("missing_field");
    QTest::newRow("id number") << body({{QStringLiteral("agent_id"), 5},
                                        {QStringLiteral("agent_pub"), pub}})
                               << QStringLiteral("invalid_field");
    QTest::newRow("unknown field") << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                                            {QStringLiteral("agent_pub"), pub},
                                            {QStringLiteral("role"), QStringLiteral("root")}})
                                   << QStringLiteral("unknown_field");
    QTest::newRow("bad id chars") << body({{QStringLiteral("agent_id"), QStringLiteral("a b")},
                                           {QStringLiteral("agent_pub"), pub}})
                                  << QStringLiteral("invalid_agent_id");
    QTest::newRow("id too long") << body({{QStringLiteral("agent_id"), QString(129, u'a')},
                                          {QStringLiteral("agent_pub"), pub}})
                                 << QStringLiteral("invalid_agent_id");
    QTest::newRow("empty pub") << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                                        {QStringLiteral("agent_pub"), QString()}})
                               << QStringLiteral("invalid_agent_pub");
    QTest::newRow("pub not base64") << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                                             {QStringLiteral("agent_pub"), QStringLiteral("!!!")}})
                                    << QStringLiteral("invalid_agent_pub");
    QTest::newRow("pub 31 bytes")
        << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                 {QStringLiteral("agent_pub"),
                  QString::fromLatin1(cortex::crypto::base64UrlEncode(QByteArray(31, 'k')))}})
        << QStringLiteral("invalid_agent_pub");
    QTest::newRow("pub small order (zero)")
        << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                 {QStringLiteral("agent_pub"),
                  QString::fromLatin1(cortex::crypto::base64UrlEncode(QByteArray(32, '\0')))}})
        << QStringLiteral("invalid_agent_pub");
    QTest::newRow("bad namespace") << body({{QStringLiteral("agent_id"), QStringLiteral("a")},
                                            {QStringLiteral("agent_pub"), pub},
                                            {QStringLiteral("namespace"), QStringLiteral("../x")}})
                                   << QStringLiteral("invalid_namespace");
}

void TestAgentsApi::badAgentCreateStoresNothing()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const int before = agentCount();
    const HttpReply r =
        m_access->http().send("POST", QStringLiteral("/admin/agents"), body,
                              HttpClient::Auth::Admin, {{"Content-Type", "application/json"}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(agentCount(), before);
}

void TestAgentsApi::rotateAndDeleteUnknownAgentIs404()
{
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/agents/ghost")), 404,
                "agent_not_found");
    CHECK_ERROR(m_access->http().put(QStringLiteral("/admin/agents/ghost"),
                                     {{QStringLiteral("agent_pub"), TestAgent{}.pub()}}),
                404, "agent_not_found");
    const TestAgent agent{QStringLiteral("rekey")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    CHECK_ERROR(m_access->http().put(QStringLiteral("/admin/agents/rekey"),
                                     {{QStringLiteral("agent_pub"), QStringLiteral("short")}}),
                400, "invalid_agent_pub");
    CHECK_ERROR(m_access->http().put(QStringLiteral("/admin/agents/rekey"),
                                     {{QStringLiteral("agent_pub"), agent.pub()},
                                      {QStringLiteral("namespace"), QStringLiteral("x")}}),
                400, "unknown_field");
    CHECK_STATUS(m_access->http().put(QStringLiteral("/admin/agents/rekey"),
                                      {{QStringLiteral("agent_pub"), TestAgent{}.pub()},
                                       {QStringLiteral("description"), QStringLiteral("new key")}}),
                 200);
    const int before = agentCount();
    CHECK_STATUS(m_access->http().del(QStringLiteral("/admin/agents/rekey")), 200);
    QCOMPARE(agentCount(), before - 1);
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/agents/rekey")), 404,
                "agent_not_found");
}

void TestAgentsApi::adminRoutesNeedTheAdminToken()
{
    using A = HttpClient::Auth;
    HttpClient &h = m_access->http();
    CHECK_STATUS(h.get(QStringLiteral("/admin/agents"), A::None), 401);
    CHECK_STATUS(h.post(QStringLiteral("/admin/agents"), {}, A::None), 401);
    CHECK_STATUS(h.get(QStringLiteral("/admin/projects"), A::None), 401);
    CHECK_STATUS(h.get(QStringLiteral("/admin/projects/p/grants"), A::None), 401);
    CHECK_STATUS(h.get(QStringLiteral("/admin/pending-grants"), A::None), 401);
    CHECK_STATUS(h.post(QStringLiteral("/admin/pending-grants/x/approve"), {}, A::None), 401);
    CHECK_STATUS(h.post(QStringLiteral("/admin/projects/p/revoke"), {}, A::None), 401);
}

void TestAgentsApi::grantsCrud()
{
    const QString s1 =
        m_access->createSecret(QStringLiteral("svc/openai-api.key"), QStringLiteral("v"));
    const QString s2 = m_access->createSecret(QStringLiteral("svc/db"), QStringLiteral("v"));
    const HttpReply g1 = m_access->http().post(QStringLiteral("/admin/projects/web/grants"),
                                               {{QStringLiteral("secret_id"), s1}});
    CHECK_STATUS(g1, 201);
    QCOMPARE(g1.object().value(QStringLiteral("env_var_name")).toString(),
             QStringLiteral("OPENAI_API_KEY"));
    QCOMPARE(g1.object().value(QStringLiteral("secret_key_path")).toString(),
             QStringLiteral("svc/openai-api.key"));
    const HttpReply g2 =
        m_access->http().post(QStringLiteral("/admin/projects/web/grants"),
                              {{QStringLiteral("secret_id"), s2},
                               {QStringLiteral("env_var_name"), QStringLiteral("DATABASE_URL")}});
    CHECK_STATUS(g2, 201);
    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/projects/web/grants"),
                                      {{QStringLiteral("secret_id"), s2}}),
                409, "grant_exists");

    const QJsonArray list =
        m_access->http().get(QStringLiteral("/admin/projects/web/grants")).array();
    QCOMPARE(list.size(), 2);
    QStringList envs;
    for (const QJsonValue &v : list)
        envs << v.toObject().value(QStringLiteral("env_var_name")).toString();
    envs.sort();
    QCOMPARE(envs, QStringList({QStringLiteral("DATABASE_URL"), QStringLiteral("OPENAI_API_KEY")}));
    QCOMPARE(m_access->http().get(QStringLiteral("/admin/projects/unknown/grants")).array().size(),
             0);

    const QString id = g2.object().value(QStringLiteral("id")).toString();
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/projects/other/grants/%1").arg(id)),
                404, "grant_not_found");
    CHECK_STATUS(m_access->http().del(QStringLiteral("/admin/projects/web/grants/%1").arg(id)),
                 200);
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/projects/web/grants/%1").arg(id)), 404,
                "grant_not_found");
    QCOMPARE(m_access->http().get(QStringLiteral("/admin/projects/web/grants")).array().size(), 1);

    // A key path whose last segment is no env name needs an explicit one.
    const QString digit =
        m_access->createSecret(QStringLiteral("svc/1password"), QStringLiteral("v"));
    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/projects/web/grants"),
                                      {{QStringLiteral("secret_id"), digit}}),
                400, "invalid_env_var_name");
    CHECK_STATUS(
        m_access->http().post(QStringLiteral("/admin/projects/web/grants"),
                              {{QStringLiteral("secret_id"), digit},
                               {QStringLiteral("env_var_name"), QStringLiteral("OP_PASSWORD")}}),
        201);
}

void TestAgentsApi::badGrantCreateStoresNothing_data()
{
    QTest::addColumn<QString>("project");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString s = m_access->createSecret(QStringLiteral("bad/grant"), QStringLiteral("v"));
    const auto body = [](const QJsonObject &o) {
        return toJson(o);
    };
    const QString p = QStringLiteral("badgrants");
    QTest::newRow("malformed") << p << QByteArray("nope") << 400 << QStringLiteral("invalid_json");
    QTest::newRow("missing secret") << p << body({}) << 400 << QStringLiteral("missing_field");
    QTest::newRow("secret number")
        << p << body({{QStringLiteral("secret_id"), 3}}) << 400 << QStringLiteral("invalid_field");
    QTest::newRow("unknown field")
        << p << body({{QStringLiteral("secret_id"), s}, {QStringLiteral("x"), 1}}) << 400
        << QStringLiteral("unknown_field");
    QTest::newRow("unknown secret")
        << p << body({{QStringLiteral("secret_id"), QStringLiteral("sec_nope")}}) << 404
        << QStringLiteral("secret_not_found");
    QTest::newRow("bad env name") << p
                                  << body({{QStringLiteral("secret_id"), s},
                                           {QStringLiteral("env_var_name"), QStringLiteral("A-B")}})
                                  << 400 << QStringLiteral("invalid_env_var_name");
    QTest::newRow("bad project") << QStringLiteral("-p") << body({{QStringLiteral("secret_id"), s}})
                                 << 400 << QStringLiteral("invalid_project_name");
}

void TestAgentsApi::badGrantCreateStoresNothing()
{
    QFETCH(QString, project);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const HttpReply r = m_access->http().send(
        "POST", QStringLiteral("/admin/projects/%1/grants").arg(project), body,
        HttpClient::Auth::Admin, {{"Content-Type", "application/json"}});
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(
        m_access->http().get(QStringLiteral("/admin/projects/badgrants/grants")).array().size(), 0);
}

void TestAgentsApi::approvalRules()
{
    const TestAgent agent{QStringLiteral("approver-test")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString a = m_access->createSecret(QStringLiteral("appr/a"), QStringLiteral("1"));
    m_access->grant(QStringLiteral("appr"), a);
    const HttpReply pending =
        m_access->discover(agent, QStringLiteral("appr"), QStringLiteral("A="));
    CHECK_ERROR(pending, 403, "pending_approval");
    const QString id = grantIdOf(pending);
    const QString path = QStringLiteral("/admin/pending-grants/%1/approve").arg(id);

    CHECK_ERROR(m_access->approve(id, QStringList{QStringLiteral("appr/other")}), 400,
                "key_not_requested");
    CHECK_ERROR(
        m_access->http().post(path, {{QStringLiteral("approved_keys"), QStringLiteral("appr/a")}}),
        400, "invalid_field");
    CHECK_ERROR(m_access->http().post(path, {{QStringLiteral("approved_keys"), QJsonArray{1}}}),
                400, "invalid_field");
    CHECK_ERROR(m_access->http().post(path, {{QStringLiteral("keys"), QJsonArray{}}}), 400,
                "unknown_field");
    CHECK_ERROR(m_access->http().send("POST", path, "{x", HttpClient::Auth::Admin,
                                      {{"Content-Type", "application/json"}}),
                400, "invalid_json");
    // None of that decided anything.
    for (const QJsonValue &v :
         m_access->http().get(QStringLiteral("/admin/pending-grants")).array())
        if (v.toObject().value(QStringLiteral("id")).toString() == id)
            QCOMPARE(v.toObject().value(QStringLiteral("status")).toString(),
                     QStringLiteral("pending"));

    // An empty body approves everything requested.
    const HttpReply ok = m_access->http().send("POST", path, {}, HttpClient::Auth::Admin);
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("approved_keys")).toArray(),
             QJsonArray({QStringLiteral("appr/a")}));
    const QDateTime until = QDateTime::fromString(
        ok.object().value(QStringLiteral("auto_approval_until")).toString(), Qt::ISODateWithMs);
    QCOMPARE(until, m_server.clock().now().addDays(30));
    CHECK_ERROR(m_access->approve(id), 409, "pending_grant_decided");
    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/pending-grants/%1/deny").arg(id), {}),
                409, "pending_grant_decided");
    CHECK_ERROR(m_access->approve(QStringLiteral("pg_nope")), 404, "pending_grant_not_found");
    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/pending-grants/pg_nope/deny"), {}),
                404, "pending_grant_not_found");
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/pending-grants/pg_nope")), 404,
                "pending_grant_not_found");
}

void TestAgentsApi::projectListing()
{
    const TestAgent agent{QStringLiteral("lister")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    const QString s = m_access->createSecret(QStringLiteral("list/key"), QStringLiteral("v"));
    m_access->grant(QStringLiteral("listed"), s);
    const HttpReply ok =
        m_access->discoverApproved(agent, QStringLiteral("listed"), QStringLiteral("KEY="));
    CHECK_STATUS(ok, 200);
    QJsonObject project;
    for (const QJsonValue &v : m_access->http().get(QStringLiteral("/admin/projects")).array())
        if (v.toObject().value(QStringLiteral("project_name")).toString() == u"listed")
            project = v.toObject();
    QCOMPARE(project.value(QStringLiteral("token_status")).toString(), QStringLiteral("active"));
    QCOMPARE(project.value(QStringLiteral("agent_id")).toString(), agent.id);
    QCOMPARE(project.value(QStringLiteral("scope")).toArray(),
             QJsonArray({QStringLiteral("list/key")}));
    QCOMPARE(project.value(QStringLiteral("env_mappings")).toObject(),
             QJsonObject({{QStringLiteral("KEY"), QStringLiteral("list/key")}}));
    QVERIFY(project.value(QStringLiteral("token_revoked_at")).isNull());
    // No token value or hash is listed.
    QVERIFY(!m_access->http()
                 .get(QStringLiteral("/admin/projects"))
                 .body.contains(tokenOf(ok).toLatin1()));
    QVERIFY(!m_access->http().get(QStringLiteral("/admin/projects")).body.contains("token_hash"));
}

QTEST_MAIN(TestAgentsApi)
#include "tst_agents_api.moc"
