// POST /agent/discover: agent proof (signature, clock skew, replay), .env name mapping through
// grants, project binding and first-access approval (pending, approve, subset, deny).

#include "AgentHelpers.h"

#include <QTest>

using namespace cortex::test;

class TestDiscover : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void firstDiscoverWaitsForApprovalThenGetsToken();
    void waitingAgainReusesTheSameRequest();
    void partialMatchReportsUnmatched();
    void emptyEnvFileStillNeedsAnOperator();
    void badSignatureAndUnknownAgentLookAlike();
    void clockSkew();
    void nonceReplay();
    void aRefusedProofStaysUsed();
    void aReplayIsRefusedAfterARestart();
    void standardBase64ProofAccepted();
    void projectBoundToFirstAgent();
    void subsetApprovalNarrowsWithoutLoop();
    void keyOutsideApprovedRequestNeedsNewApproval();
    void denyIsSticky();
    void namespaceIsolation();
    void badBodies_data();
    void badBodies();

private:
    int pendingCount();

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
    TestAgent m_agent{QStringLiteral("agent-one")};
};

void TestDiscover::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
    CHECK_STATUS(m_access->registerAgent(m_agent), 201);
}

int TestDiscover::pendingCount()
{
    return int(m_access->http().get(QStringLiteral("/admin/pending-grants")).array().size());
}

void TestDiscover::firstDiscoverWaitsForApprovalThenGetsToken()
{
    const QString openai =
        m_access->createSecret(QStringLiteral("svc/openai_api_key"), QStringLiteral("sk-1"));
    const QString db =
        m_access->createSecret(QStringLiteral("svc/db-password"), QStringLiteral("pw"));
    QVERIFY(!m_access->grant(QStringLiteral("alpha"), openai).isEmpty());
    QVERIFY(!m_access->grant(QStringLiteral("alpha"), db).isEmpty());
    const QString env =
        QStringLiteral("# app\nOPENAI_API_KEY=placeholder\nexport DB_PASSWORD='x'\n");

    const HttpReply pending = m_access->discover(m_agent, QStringLiteral("alpha"), env);
    CHECK_ERROR(pending, 403, "pending_approval");
    const QJsonObject details = pending.object().value(QStringLiteral("details")).toObject();
    QCOMPARE(details.value(QStringLiteral("agent_id")).toString(), m_agent.id);
    QCOMPARE(details.value(QStringLiteral("project_name")).toString(), QStringLiteral("alpha"));
    QCOMPARE(details.value(QStringLiteral("requested_keys")).toArray(),
             QJsonArray({QStringLiteral("svc/db-password"), QStringLiteral("svc/openai_api_key")}));
    // .env values never echo back nor reach the log.
    QVERIFY(!pending.body.contains("placeholder"));
    QVERIFY(!logContains(QStringLiteral("placeholder")));

    // The request is listed for the operator; no token exists yet.
    bool listed = false;
    for (const QJsonValue &v :
         m_access->http().get(QStringLiteral("/admin/pending-grants")).array())
        listed |= v.toObject().value(QStringLiteral("id")).toString() == grantIdOf(pending) &&
                  v.toObject().value(QStringLiteral("status")).toString() == u"pending";
    QVERIFY(listed);

    const HttpReply approved = m_access->approve(grantIdOf(pending));
    CHECK_STATUS(approved, 200);
    QVERIFY(approved.object().value(QStringLiteral("auto_approval_until")).isString());

    const HttpReply ok = m_access->discover(m_agent, QStringLiteral("alpha"), env);
    CHECK_STATUS(ok, 200);
    const QJsonObject o = ok.object();
    QVERIFY(tokenOf(ok).startsWith(QStringLiteral("cvpt_")));
    QCOMPARE(o.value(QStringLiteral("full_matched")).toBool(), true);
    QCOMPARE(o.value(QStringLiteral("token_ttl_seconds")).toInteger(), 1209600);
    QCOMPARE(o.value(QStringLiteral("namespace")).toString(), QStringLiteral("default"));
    QCOMPARE(o.value(QStringLiteral("unmatched_keys")).toArray(), QJsonArray());
    QCOMPARE(o.value(QStringLiteral("mapped_keys")).toObject(),
             QJsonObject({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("svc/openai_api_key")},
                          {QStringLiteral("DB_PASSWORD"), QStringLiteral("svc/db-password")}}));
    QCOMPARE(o.value(QStringLiteral("scope")).toArray(),
             QJsonArray({QStringLiteral("svc/db-password"), QStringLiteral("svc/openai_api_key")}));
    const QDateTime expires = QDateTime::fromString(
        o.value(QStringLiteral("token_expires_at")).toString(), Qt::ISODateWithMs);
    QCOMPARE(expires, m_server.clock().now().addDays(14));

    const HttpReply fetched = m_access->fetch(QStringLiteral("alpha"), tokenOf(ok));
    CHECK_STATUS(fetched, 200);
    QCOMPARE(envOf(fetched).value(QStringLiteral("OPENAI_API_KEY")).toString(),
             QStringLiteral("sk-1"));
    QCOMPARE(envOf(fetched).value(QStringLiteral("DB_PASSWORD")).toString(), QStringLiteral("pw"));

    // A later discover gets its own token at once; the first one keeps working.
    const HttpReply again = m_access->discover(m_agent, QStringLiteral("alpha"), env);
    CHECK_STATUS(again, 200);
    QVERIFY(tokenOf(again) != tokenOf(ok));
    CHECK_STATUS(m_access->fetch(QStringLiteral("alpha"), tokenOf(ok)), 200);
}

void TestDiscover::waitingAgainReusesTheSameRequest()
{
    const QString s = m_access->createSecret(QStringLiteral("beta/token"), QStringLiteral("t"));
    m_access->grant(QStringLiteral("beta"), s);
    const QString env = QStringLiteral("TOKEN=\n");
    const HttpReply first = m_access->discover(m_agent, QStringLiteral("beta"), env);
    CHECK_ERROR(first, 403, "pending_approval");
    const int count = pendingCount();
    const HttpReply second = m_access->discover(m_agent, QStringLiteral("beta"), env);
    CHECK_ERROR(second, 403, "pending_approval");
    QCOMPARE(grantIdOf(second), grantIdOf(first));
    QCOMPARE(pendingCount(), count);
}

void TestDiscover::partialMatchReportsUnmatched()
{
    const QString s = m_access->createSecret(QStringLiteral("gamma/api_key"), QStringLiteral("k"));
    m_access->grant(QStringLiteral("gamma"), s);
    const HttpReply ok = m_access->discoverApproved(m_agent, QStringLiteral("gamma"),
                                                    QStringLiteral("API_KEY=1\nNOT_GRANTED=2\n"));
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("full_matched")).toBool(), false);
    QCOMPARE(ok.object().value(QStringLiteral("unmatched_keys")).toArray(),
             QJsonArray({QStringLiteral("NOT_GRANTED")}));
    QCOMPARE(ok.object().value(QStringLiteral("mapped_keys")).toObject().keys(),
             QStringList({QStringLiteral("API_KEY")}));
}

void TestDiscover::emptyEnvFileStillNeedsAnOperator()
{
    // The reference binds a project to whoever discovers it first with an empty .env.
    const HttpReply r = m_access->discover(m_agent, QStringLiteral("squat"), QString());
    CHECK_ERROR(r, 403, "pending_approval");
    QVERIFY(!m_access->http().get(QStringLiteral("/admin/projects")).body.contains("\"squat\""));
}

void TestDiscover::badSignatureAndUnknownAgentLookAlike()
{
    const TestAgent imposter{m_agent.id}; // same id, another key
    const HttpReply forged =
        m_access->discover(imposter, QStringLiteral("alpha"), QStringLiteral("A=1"));
    CHECK_ERROR(forged, 401, "agent_auth_failed");
    const TestAgent stranger{QStringLiteral("nobody")};
    const HttpReply unknown =
        m_access->discover(stranger, QStringLiteral("alpha"), QStringLiteral("A=1"));
    CHECK_ERROR(unknown, 401, "agent_auth_failed");
    QCOMPARE(unknown.object().value(QStringLiteral("error")),
             forged.object().value(QStringLiteral("error")));

    // A proof signed for another message (other nonce) fails too.
    QJsonObject body =
        m_agent.discoverBody(m_access->now(), QStringLiteral("n-a"), QStringLiteral("alpha"), {});
    body.insert(QStringLiteral("nonce"), QStringLiteral("n-b"));
    CHECK_ERROR(
        m_access->http().post(QStringLiteral("/agent/discover"), body, HttpClient::Auth::None), 401,
        "agent_auth_failed");
}

void TestDiscover::clockSkew()
{
    const auto post = [this](qint64 ts) {
        return m_access->http().post(
            QStringLiteral("/agent/discover"),
            m_agent.discoverBody(ts, m_access->nextNonce(), QStringLiteral("skew"), QString()),
            HttpClient::Auth::None);
    };
    const qint64 now = m_access->now();
    CHECK_ERROR(post(now - 301), 401, "clock_skew");
    CHECK_ERROR(post(now + 301), 401, "clock_skew");
    CHECK_ERROR(post(now - 3600), 401, "clock_skew");
    // At the edges the proof is accepted (the request then waits for approval).
    CHECK_ERROR(post(now - 300), 403, "pending_approval");
    CHECK_ERROR(post(now + 300), 403, "pending_approval");
}

void TestDiscover::nonceReplay()
{
    const QJsonObject body =
        m_agent.discoverBody(m_access->now(), QStringLiteral("once"), QStringLiteral("replay"), {});
    const auto post = [this](const QJsonObject &b) {
        return m_access->http().post(QStringLiteral("/agent/discover"), b, HttpClient::Auth::None);
    };
    CHECK_ERROR(post(body), 403, "pending_approval");
    CHECK_ERROR(post(body), 401, "nonce_replay");
    m_server.clock().advanceSeconds(200);
    CHECK_ERROR(post(body), 401, "nonce_replay"); // still inside the window
    m_server.clock().advanceSeconds(101);
    CHECK_ERROR(post(body), 401, "clock_skew"); // outside it the ts itself is refused
    // The same nonce with a fresh ts is a new proof.
    CHECK_ERROR(post(m_agent.discoverBody(m_access->now(), QStringLiteral("once"),
                                          QStringLiteral("replay"), {})),
                403, "pending_approval");
    // Another agent's nonces are its own.
    const TestAgent other{QStringLiteral("agent-nonce")};
    CHECK_STATUS(m_access->registerAgent(other), 201);
    CHECK_ERROR(post(other.discoverBody(m_access->now(), QStringLiteral("once"),
                                        QStringLiteral("replay-other"), {})),
                403, "pending_approval");
}

void TestDiscover::aRefusedProofStaysUsed()
{
    // A refused discover is rolled back; its proof must stay used all the same, or a captured
    // copy would get another hearing (and a token, once an operator changed the outcome).
    const auto post = [this](const QJsonObject &b) {
        return m_access->http().post(QStringLiteral("/agent/discover"), b, HttpClient::Auth::None);
    };
    const TestAgent agent{QStringLiteral("agent-refused")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    m_access->grant(QStringLiteral("refused"),
                    m_access->createSecret(QStringLiteral("refused/key"), QStringLiteral("v")));
    const HttpReply first =
        m_access->discover(agent, QStringLiteral("refused"), QStringLiteral("KEY="));
    CHECK_ERROR(first, 403, "pending_approval");
    CHECK_STATUS(m_access->http().post(
                     QStringLiteral("/admin/pending-grants/%1/deny").arg(grantIdOf(first)), {}),
                 200);
    const QJsonObject denied =
        agent.discoverBody(m_access->now(), QStringLiteral("denied-once"),
                           QStringLiteral("refused"), QStringLiteral("KEY="));
    CHECK_ERROR(post(denied), 403, "grant_denied");
    // The operator deletes the denial; the captured request still does not count again.
    CHECK_STATUS(
        m_access->http().del(QStringLiteral("/admin/pending-grants/%1").arg(grantIdOf(first))),
        200);
    CHECK_ERROR(post(denied), 401, "nonce_replay");

    // Naming a decoy: the alarm's transaction keeps the proof used too, and a replay is refused
    // as one instead of raising the alarm again.
    const QString decoy = m_access->http()
                              .post(QStringLiteral("/admin/secrets"),
                                    {{QStringLiteral("key_path"), QStringLiteral("refused/decoy")},
                                     {QStringLiteral("value"), QStringLiteral("bait")},
                                     {QStringLiteral("is_honey_token"), true}})
                              .object()
                              .value(QStringLiteral("id"))
                              .toString();
    QVERIFY(!m_access->grant(QStringLiteral("refused"), decoy, QStringLiteral("DECOY")).isEmpty());
    const QJsonObject touched =
        agent.discoverBody(m_access->now(), QStringLiteral("decoy-once"), QStringLiteral("refused"),
                           QStringLiteral("DECOY="));
    CHECK_ERROR(post(touched), 401, "access_denied");
    CHECK_ERROR(post(touched), 401, "nonce_replay");
}

void TestDiscover::aReplayIsRefusedAfterARestart()
{
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    AccessDriver access(server);
    const TestAgent agent{QStringLiteral("agent-restart")};
    CHECK_STATUS(access.registerAgent(agent), 201);
    const QJsonObject body = agent.discoverBody(access.now(), QStringLiteral("before-restart"),
                                                QStringLiteral("restart"), {});
    const auto post = [&server](const QJsonObject &b) {
        return server.http().post(QStringLiteral("/agent/discover"), b, HttpClient::Auth::None);
    };
    CHECK_ERROR(post(body), 403, "pending_approval");

    QVERIFY2(server.restart(&error), qPrintable(error));
    CHECK_STATUS(server.http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromUtf8(TestServer::password())}},
                     HttpClient::Auth::None),
                 200);
    CHECK_ERROR(post(body), 401, "nonce_replay");
    // The window still ends: past it the ts is refused, and a fresh proof with the same nonce is
    // a new one.
    server.clock().advanceSeconds(301);
    CHECK_ERROR(post(body), 401, "clock_skew");
    CHECK_ERROR(post(agent.discoverBody(access.now(), QStringLiteral("before-restart"),
                                        QStringLiteral("restart"), {})),
                403, "pending_approval");
}

void TestDiscover::standardBase64ProofAccepted()
{
    QJsonObject body =
        m_agent.discoverBody(m_access->now(), m_access->nextNonce(), QStringLiteral("std64"), {});
    const QByteArray raw = *cortex::crypto::base64UrlDecode(
        body.value(QStringLiteral("auth_proof")).toString().toLatin1());
    body.insert(QStringLiteral("auth_proof"), QString::fromLatin1(raw.toBase64()));
    CHECK_ERROR(
        m_access->http().post(QStringLiteral("/agent/discover"), body, HttpClient::Auth::None), 403,
        "pending_approval");
}

void TestDiscover::projectBoundToFirstAgent()
{
    const QString s = m_access->createSecret(QStringLiteral("bound/key"), QStringLiteral("v"));
    m_access->grant(QStringLiteral("bound"), s);
    CHECK_STATUS(
        m_access->discoverApproved(m_agent, QStringLiteral("bound"), QStringLiteral("KEY=")), 200);
    const TestAgent second{QStringLiteral("agent-two")};
    CHECK_STATUS(m_access->registerAgent(second), 201);
    const int count = pendingCount();
    CHECK_ERROR(m_access->discover(second, QStringLiteral("bound"), QStringLiteral("KEY=")), 403,
                "project_agent_mismatch");
    QCOMPARE(pendingCount(), count); // no request is stored for the other agent
}

void TestDiscover::subsetApprovalNarrowsWithoutLoop()
{
    const QString a = m_access->createSecret(QStringLiteral("sub/a"), QStringLiteral("va"));
    const QString b = m_access->createSecret(QStringLiteral("sub/b"), QStringLiteral("vb"));
    m_access->grant(QStringLiteral("subset"), a);
    m_access->grant(QStringLiteral("subset"), b);
    const QString env = QStringLiteral("A=\nB=\n");
    const HttpReply ok = m_access->discoverApproved(m_agent, QStringLiteral("subset"), env,
                                                    QStringList{QStringLiteral("sub/a")});
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("scope")).toArray(),
             QJsonArray({QStringLiteral("sub/a")}));
    QCOMPARE(ok.object().value(QStringLiteral("unmatched_keys")).toArray(),
             QJsonArray({QStringLiteral("B")}));
    QCOMPARE(ok.object().value(QStringLiteral("full_matched")).toBool(), false);
    const HttpReply fetched = m_access->fetch(QStringLiteral("subset"), tokenOf(ok));
    CHECK_STATUS(fetched, 200);
    QCOMPARE(envOf(fetched), QJsonObject({{QStringLiteral("A"), QStringLiteral("va")}}));

    // The same request again: a token at once, same narrow scope, no new pending request.
    const int count = pendingCount();
    for (int i = 0; i < 3; ++i) {
        const HttpReply again = m_access->discover(m_agent, QStringLiteral("subset"), env);
        CHECK_STATUS(again, 200);
        QCOMPARE(again.object().value(QStringLiteral("scope")).toArray(),
                 QJsonArray({QStringLiteral("sub/a")}));
    }
    // Asking for only B (inside the approved request, but not approved) gets an empty scope.
    const HttpReply onlyB =
        m_access->discover(m_agent, QStringLiteral("subset"), QStringLiteral("B=\n"));
    CHECK_STATUS(onlyB, 200);
    QCOMPARE(onlyB.object().value(QStringLiteral("scope")).toArray(), QJsonArray());
    CHECK_STATUS(m_access->fetch(QStringLiteral("subset"), tokenOf(onlyB)), 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("subset"), tokenOf(onlyB))), QJsonObject());
    QCOMPARE(pendingCount(), count);
}

void TestDiscover::keyOutsideApprovedRequestNeedsNewApproval()
{
    const QString a = m_access->createSecret(QStringLiteral("grow/a"), QStringLiteral("1"));
    const QString b = m_access->createSecret(QStringLiteral("grow/b"), QStringLiteral("2"));
    m_access->grant(QStringLiteral("grow"), a);
    m_access->grant(QStringLiteral("grow"), b);
    CHECK_STATUS(m_access->discoverApproved(m_agent, QStringLiteral("grow"), QStringLiteral("A=")),
                 200);
    const HttpReply wider =
        m_access->discover(m_agent, QStringLiteral("grow"), QStringLiteral("A=\nB="));
    CHECK_ERROR(wider, 403, "pending_approval");
    QCOMPARE(wider.object()
                 .value(QStringLiteral("details"))
                 .toObject()
                 .value(QStringLiteral("requested_keys"))
                 .toArray(),
             QJsonArray({QStringLiteral("grow/a"), QStringLiteral("grow/b")}));
    // The narrower request is still served meanwhile.
    CHECK_STATUS(m_access->discover(m_agent, QStringLiteral("grow"), QStringLiteral("A=")), 200);
    CHECK_STATUS(m_access->approve(grantIdOf(wider)), 200);
    const HttpReply ok =
        m_access->discover(m_agent, QStringLiteral("grow"), QStringLiteral("A=\nB="));
    CHECK_STATUS(ok, 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("grow"), tokenOf(ok))),
             QJsonObject({{QStringLiteral("A"), QStringLiteral("1")},
                          {QStringLiteral("B"), QStringLiteral("2")}}));
}

void TestDiscover::denyIsSticky()
{
    const QString s = m_access->createSecret(QStringLiteral("deny/key"), QStringLiteral("v"));
    m_access->grant(QStringLiteral("denied"), s);
    const HttpReply first =
        m_access->discover(m_agent, QStringLiteral("denied"), QStringLiteral("KEY="));
    CHECK_ERROR(first, 403, "pending_approval");
    CHECK_STATUS(m_access->http().post(
                     QStringLiteral("/admin/pending-grants/%1/deny").arg(grantIdOf(first)), {}),
                 200);
    CHECK_ERROR(m_access->discover(m_agent, QStringLiteral("denied"), QStringLiteral("KEY=")), 403,
                "grant_denied");
    CHECK_ERROR(m_access->discover(m_agent, QStringLiteral("denied"), QStringLiteral("KEY=")), 403,
                "grant_denied");
    // A decided request cannot be approved afterwards.
    CHECK_ERROR(m_access->approve(grantIdOf(first)), 409, "pending_grant_decided");
    // Deleting the denial lets the agent ask again.
    CHECK_STATUS(
        m_access->http().del(QStringLiteral("/admin/pending-grants/%1").arg(grantIdOf(first))),
        200);
    CHECK_ERROR(m_access->discover(m_agent, QStringLiteral("denied"), QStringLiteral("KEY=")), 403,
                "pending_approval");
}

void TestDiscover::namespaceIsolation()
{
    const TestAgent prodAgent{QStringLiteral("prod-agent")};
    CHECK_STATUS(m_access->registerAgent(prodAgent, QStringLiteral("prod")), 201);
    const QString defaultSecret =
        m_access->createSecret(QStringLiteral("iso/key"), QStringLiteral("dev"));
    m_access->grant(QStringLiteral("iso"), defaultSecret);
    const HttpReply ok =
        m_access->discoverApproved(prodAgent, QStringLiteral("iso"), QStringLiteral("KEY="));
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("namespace")).toString(), QStringLiteral("prod"));
    QCOMPARE(ok.object().value(QStringLiteral("mapped_keys")).toObject(), QJsonObject());
    QCOMPARE(ok.object().value(QStringLiteral("unmatched_keys")).toArray(),
             QJsonArray({QStringLiteral("KEY")}));
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("iso"), tokenOf(ok))), QJsonObject());
}

void TestDiscover::badBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    const QByteArray ok =
        toJson(m_agent.discoverBody(0, QStringLiteral("n"), QStringLiteral("p"), {}));
    const auto edit = [ok](auto f) {
        QJsonObject o = QJsonDocument::fromJson(ok).object();
        f(o);
        return toJson(o);
    };
    QTest::newRow("not json") << QByteArray("{nope") << QStringLiteral("invalid_json");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("invalid_json");
    QTest::newRow("missing ts") << edit([](QJsonObject &o) { o.remove(QStringLiteral("ts")); })
                                << QStringLiteral("missing_field");
    QTest::newRow("ts string") << edit([](QJsonObject &o) {
        o.insert(QStringLiteral("ts"), QStringLiteral("1"));
    }) << QStringLiteral("invalid_field");
    QTest::newRow("missing context")
        << edit([](QJsonObject &o) { o.remove(QStringLiteral("context")); })
        << QStringLiteral("missing_field");
    QTest::newRow("context string")
        << edit([](QJsonObject &o) { o.insert(QStringLiteral("context"), QStringLiteral("x")); })
        << QStringLiteral("invalid_field");
    QTest::newRow("unknown field")
        << edit([](QJsonObject &o) { o.insert(QStringLiteral("extra"), 1); })
        << QStringLiteral("unknown_field");
    QTest::newRow("unknown context field") << edit([](QJsonObject &o) {
        QJsonObject c = o.value(QStringLiteral("context")).toObject();
        c.insert(QStringLiteral("cwd"), QStringLiteral("/"));
        o.insert(QStringLiteral("context"), c);
    }) << QStringLiteral("unknown_field");
    QTest::newRow("bad project name") << edit([](QJsonObject &o) {
        o.insert(QStringLiteral("context"),
                 QJsonObject{{QStringLiteral("project_name"), QStringLiteral("../x")},
                             {QStringLiteral("file_content"), QString()}});
    }) << QStringLiteral("invalid_project_name");
    QTest::newRow("empty nonce") << edit([](QJsonObject &o) {
        o.insert(QStringLiteral("nonce"), QString());
    }) << QStringLiteral("invalid_field");
    QTest::newRow("regenerate not bool")
        << edit([](QJsonObject &o) { o.insert(QStringLiteral("regenerate_token"), 1); })
        << QStringLiteral("invalid_field");
    QTest::newRow("signed token not bool")
        << edit([](QJsonObject &o) { o.insert(QStringLiteral("signed_token"), 1); })
        << QStringLiteral("invalid_field");
}

void TestDiscover::badBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const int count = pendingCount();
    const HttpReply r =
        m_access->http().send("POST", QStringLiteral("/agent/discover"), body,
                              HttpClient::Auth::None, {{"Content-Type", "application/json"}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(pendingCount(), count);
}

QTEST_MAIN(TestDiscover)
#include "tst_discover.moc"
