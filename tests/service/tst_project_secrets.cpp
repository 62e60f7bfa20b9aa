// GET /project/secrets/{project}: what a project token can read, re-checked on every fetch, and
// every way an operator cuts access (kill switch, agent deletion, re-keying, grant / approval /
// secret / project deletion, expiry). Ends with an agent written against the HTTP API alone.

#include "AgentHelpers.h"

#include "SideConnection.h"

#include <QDir>
#include <QTest>

using namespace cortex::test;

class TestProjectSecrets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void fetchReturnsCurrentVersion();
    void badTokensAreAll401WithoutProjectOracle();
    void killSwitchCutsTheVeryNextRequest();
    void tokenExpires();
    void agentDeletionCutsAccess();
    void keyRotationCutsOldKeyAndTokens();
    void grantDeletionCutsAccess();
    void secretDeletionRemovesGrantAndValue();
    void approvalDeletionCutsAccess();
    void projectDeletionFreesTheName();
    void regenerateTokenRevokesEarlierTokens();
    void approvalExpires();
    void agentFlowOverHttpOnly();
    void sealedVaultAnswers503();
    void tokensSurviveARestart();
    // Rows are kept in memory between fetches (access::AccessRows); a change made through
    // another connection must reach the very next fetch all the same.
    void changesBehindTheServersBackApplyToTheNextFetch();
    // Fetches that arrive together commit their audit rows as one group: each still gets its
    // own answer and its own row, and a refused one among them takes nothing from the others.
    void fetchesArrivingTogetherEachKeepTheirAnswerAndRow();

private:
    // A registered agent with one approved project holding KEY=value; returns the token.
    QString setUp(const TestAgent &agent, const QString &project, const QString &value);

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
};

void TestProjectSecrets::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
}

QString TestProjectSecrets::setUp(const TestAgent &agent, const QString &project,
                                  const QString &value)
{
    if (m_access->registerAgent(agent).status != 201)
        return {};
    const QString secret = m_access->createSecret(project + QStringLiteral("/key"), value);
    m_access->grant(project, secret);
    const HttpReply ok = m_access->discoverApproved(agent, project, QStringLiteral("KEY=\n"));
    const QString token = tokenOf(ok);
    if (token.isEmpty() ||
        envOf(m_access->fetch(project, token)).value(QStringLiteral("KEY")) != value)
        return {};
    return token;
}

void TestProjectSecrets::fetchReturnsCurrentVersion()
{
    const TestAgent agent{QStringLiteral("ver-agent")};
    const QString token = setUp(agent, QStringLiteral("ver"), QStringLiteral("v1"));
    QVERIFY(!token.isEmpty());
    const QString id = m_access->http()
                           .get(QStringLiteral("/admin/projects/ver/grants"))
                           .array()
                           .at(0)
                           .toObject()
                           .value(QStringLiteral("secret_id"))
                           .toString();
    CHECK_STATUS(m_access->http().put(QStringLiteral("/admin/secrets/%1").arg(id),
                                      {{QStringLiteral("value"), QStringLiteral("v2")}}),
                 200);
    const HttpReply r = m_access->fetch(QStringLiteral("ver"), token);
    CHECK_STATUS(r, 200);
    QCOMPARE(envOf(r), QJsonObject({{QStringLiteral("KEY"), QStringLiteral("v2")}}));
    CHECK_STATUS(m_access->http().post(QStringLiteral("/admin/secrets/%1/rollback").arg(id),
                                       {{QStringLiteral("version"), 1}}),
                 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("ver"), token))
                 .value(QStringLiteral("KEY"))
                 .toString(),
             QStringLiteral("v1"));
}

void TestProjectSecrets::badTokensAreAll401WithoutProjectOracle()
{
    const TestAgent agent{QStringLiteral("oracle-agent")};
    const QString token = setUp(agent, QStringLiteral("known"), QStringLiteral("x"));
    QVERIFY(!token.isEmpty());
    const QString fake = QStringLiteral("cvpt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    CHECK_ERROR(m_access->fetch(QStringLiteral("known"), fake), 401, "invalid_token");
    CHECK_ERROR(m_access->fetch(QStringLiteral("no-such-project"), fake), 401, "invalid_token");
    // A real token of another project is no key to this one, known or not.
    CHECK_ERROR(m_access->fetch(QStringLiteral("no-such-project"), token), 401, "invalid_token");
    const QString other = setUp(TestAgent{QStringLiteral("oracle-agent-2")},
                                QStringLiteral("other"), QStringLiteral("y"));
    QVERIFY(!other.isEmpty());
    CHECK_ERROR(m_access->fetch(QStringLiteral("known"), other), 401, "invalid_token");
    // Missing or malformed Authorization.
    CHECK_ERROR(
        m_access->http().get(QStringLiteral("/project/secrets/known"), HttpClient::Auth::None), 401,
        "invalid_token");
    CHECK_ERROR(m_access->http().send("GET", QStringLiteral("/project/secrets/known"), {},
                                      HttpClient::Auth::None,
                                      {{"Authorization", token.toLatin1()}}),
                401, "invalid_token");
    // The scheme is case-insensitive; an empty token is no token.
    CHECK_STATUS(m_access->http().send("GET", QStringLiteral("/project/secrets/known"), {},
                                       HttpClient::Auth::None,
                                       {{"Authorization", "bearer " + token.toLatin1()}}),
                 200);
    CHECK_ERROR(m_access->http().send("GET", QStringLiteral("/project/secrets/known"), {},
                                      HttpClient::Auth::None, {{"Authorization", "Bearer "}}),
                401, "invalid_token");
    // The admin token is not a project token.
    CHECK_ERROR(m_access->http().get(QStringLiteral("/project/secrets/known")), 401,
                "invalid_token");
}

void TestProjectSecrets::killSwitchCutsTheVeryNextRequest()
{
    const TestAgent agent{QStringLiteral("kill-agent")};
    const QString token = setUp(agent, QStringLiteral("kill"), QStringLiteral("s"));
    QVERIFY(!token.isEmpty());
    const QString token2 =
        tokenOf(m_access->discover(agent, QStringLiteral("kill"), QStringLiteral("KEY=")));
    QVERIFY(!token2.isEmpty());

    const HttpReply revoked =
        m_access->http().post(QStringLiteral("/admin/projects/kill/revoke"), {});
    CHECK_STATUS(revoked, 200);
    QCOMPARE(revoked.object().value(QStringLiteral("tokens_revoked")).toInt(), 2);
    CHECK_ERROR(m_access->fetch(QStringLiteral("kill"), token), 401, "token_revoked");
    CHECK_ERROR(m_access->fetch(QStringLiteral("kill"), token2), 401, "token_revoked");

    bool listedRevoked = false;
    for (const QJsonValue &v : m_access->http().get(QStringLiteral("/admin/projects")).array())
        if (v.toObject().value(QStringLiteral("project_name")).toString() == u"kill")
            listedRevoked =
                v.toObject().value(QStringLiteral("token_status")).toString() == u"revoked";
    QVERIFY(listedRevoked);

    // Not auto-rotated: the next discover waits for an operator again.
    const HttpReply again =
        m_access->discover(agent, QStringLiteral("kill"), QStringLiteral("KEY="));
    CHECK_ERROR(again, 403, "pending_approval");
    CHECK_STATUS(m_access->approve(grantIdOf(again)), 200);
    const HttpReply fresh =
        m_access->discover(agent, QStringLiteral("kill"), QStringLiteral("KEY="));
    CHECK_STATUS(fresh, 200);
    CHECK_STATUS(m_access->fetch(QStringLiteral("kill"), tokenOf(fresh)), 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("kill"), token), 401, "token_revoked");

    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/projects/nope/revoke"), {}), 404,
                "project_not_found");
}

void TestProjectSecrets::tokenExpires()
{
    const TestAgent agent{QStringLiteral("exp-agent")};
    const QString token = setUp(agent, QStringLiteral("exp"), QStringLiteral("e"));
    QVERIFY(!token.isEmpty());
    m_server.clock().advanceSeconds(14 * 24 * 3600 - 1);
    CHECK_STATUS(m_access->fetch(QStringLiteral("exp"), token), 200);
    m_server.clock().advanceSeconds(1);
    CHECK_ERROR(m_access->fetch(QStringLiteral("exp"), token), 401, "token_expired");
    // Within the 30-day approval a new discover gets a new token at once.
    const HttpReply again =
        m_access->discover(agent, QStringLiteral("exp"), QStringLiteral("KEY="));
    CHECK_STATUS(again, 200);
    CHECK_STATUS(m_access->fetch(QStringLiteral("exp"), tokenOf(again)), 200);
}

void TestProjectSecrets::agentDeletionCutsAccess()
{
    const TestAgent agent{QStringLiteral("del-agent")};
    const QString token = setUp(agent, QStringLiteral("delagent"), QStringLiteral("d"));
    QVERIFY(!token.isEmpty());
    const HttpReply del = m_access->http().del(QStringLiteral("/admin/agents/del-agent"));
    CHECK_STATUS(del, 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("delagent"), token), 401, "token_revoked");
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("delagent"), QStringLiteral("KEY=")), 401,
                "agent_auth_failed");
    // Re-created under the same id, it starts from scratch: its approvals went with it.
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("delagent"), QStringLiteral("KEY=")), 403,
                "pending_approval");
    CHECK_ERROR(m_access->fetch(QStringLiteral("delagent"), token), 401, "token_revoked");
}

void TestProjectSecrets::keyRotationCutsOldKeyAndTokens()
{
    const TestAgent agent{QStringLiteral("rot-agent")};
    const QString token = setUp(agent, QStringLiteral("rot"), QStringLiteral("r"));
    QVERIFY(!token.isEmpty());
    const TestAgent rekeyed{agent.id}; // same id, new key pair
    const HttpReply put = m_access->http().put(QStringLiteral("/admin/agents/rot-agent"),
                                               {{QStringLiteral("agent_pub"), rekeyed.pub()}});
    CHECK_STATUS(put, 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("rot"), token), 401, "token_revoked");
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("rot"), QStringLiteral("KEY=")), 401,
                "agent_auth_failed");
    const HttpReply fresh =
        m_access->discover(rekeyed, QStringLiteral("rot"), QStringLiteral("KEY="));
    CHECK_STATUS(fresh, 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("rot"), tokenOf(fresh)))
                 .value(QStringLiteral("KEY"))
                 .toString(),
             QStringLiteral("r"));
}

void TestProjectSecrets::grantDeletionCutsAccess()
{
    const TestAgent agent{QStringLiteral("grant-agent")};
    const QString token = setUp(agent, QStringLiteral("grantdel"), QStringLiteral("g"));
    QVERIFY(!token.isEmpty());
    const QString grantId = m_access->http()
                                .get(QStringLiteral("/admin/projects/grantdel/grants"))
                                .array()
                                .at(0)
                                .toObject()
                                .value(QStringLiteral("id"))
                                .toString();
    CHECK_STATUS(
        m_access->http().del(QStringLiteral("/admin/projects/grantdel/grants/%1").arg(grantId)),
        200);
    const HttpReply r = m_access->fetch(QStringLiteral("grantdel"), token);
    CHECK_STATUS(r, 200);
    QCOMPARE(envOf(r), QJsonObject());
}

void TestProjectSecrets::secretDeletionRemovesGrantAndValue()
{
    const TestAgent agent{QStringLiteral("secdel-agent")};
    const QString token = setUp(agent, QStringLiteral("secdel"), QStringLiteral("z"));
    QVERIFY(!token.isEmpty());
    const QJsonArray grants =
        m_access->http().get(QStringLiteral("/admin/projects/secdel/grants")).array();
    QCOMPARE(grants.size(), 1);
    const QString secretId = grants.at(0).toObject().value(QStringLiteral("secret_id")).toString();
    CHECK_STATUS(m_access->http().del(QStringLiteral("/admin/secrets/%1").arg(secretId)), 200);
    QCOMPARE(m_access->http().get(QStringLiteral("/admin/projects/secdel/grants")).array().size(),
             0);
    // A new secret under the same path is not granted just because the path matches.
    m_access->createSecret(QStringLiteral("secdel/key"), QStringLiteral("new"));
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("secdel"), token)), QJsonObject());
}

void TestProjectSecrets::approvalDeletionCutsAccess()
{
    const TestAgent agent{QStringLiteral("appdel-agent")};
    const QString token = setUp(agent, QStringLiteral("appdel"), QStringLiteral("a"));
    QVERIFY(!token.isEmpty());
    QString approvalId;
    for (const QJsonValue &v :
         m_access->http().get(QStringLiteral("/admin/pending-grants")).array())
        if (v.toObject().value(QStringLiteral("project_name")).toString() == u"appdel")
            approvalId = v.toObject().value(QStringLiteral("id")).toString();
    QVERIFY(!approvalId.isEmpty());
    CHECK_STATUS(m_access->http().del(QStringLiteral("/admin/pending-grants/%1").arg(approvalId)),
                 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("appdel"), token), 401, "token_revoked");
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("appdel"), QStringLiteral("KEY=")), 403,
                "pending_approval");
}

void TestProjectSecrets::projectDeletionFreesTheName()
{
    const TestAgent agent{QStringLiteral("projdel-agent")};
    const QString token = setUp(agent, QStringLiteral("projdel"), QStringLiteral("p"));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(m_access->http().del(QStringLiteral("/admin/projects/projdel")), 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("projdel"), token), 401, "invalid_token");
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/projects/projdel")), 404,
                "project_not_found");
    // Another agent may now be approved for the name; grants were kept.
    const TestAgent next{QStringLiteral("projdel-next")};
    CHECK_STATUS(m_access->registerAgent(next), 201);
    const HttpReply ok =
        m_access->discoverApproved(next, QStringLiteral("projdel"), QStringLiteral("KEY="));
    CHECK_STATUS(ok, 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("projdel"), tokenOf(ok)))
                 .value(QStringLiteral("KEY"))
                 .toString(),
             QStringLiteral("p"));
}

void TestProjectSecrets::regenerateTokenRevokesEarlierTokens()
{
    const TestAgent agent{QStringLiteral("regen-agent")};
    const QString token = setUp(agent, QStringLiteral("regen"), QStringLiteral("q"));
    QVERIFY(!token.isEmpty());
    const HttpReply r = m_access->discover(agent, QStringLiteral("regen"), QStringLiteral("KEY="),
                                           {{QStringLiteral("regenerate_token"), true}});
    CHECK_STATUS(r, 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("regen"), token), 401, "token_revoked");
    CHECK_STATUS(m_access->fetch(QStringLiteral("regen"), tokenOf(r)), 200);
}

void TestProjectSecrets::approvalExpires()
{
    const TestAgent agent{QStringLiteral("appexp-agent")};
    const QString token = setUp(agent, QStringLiteral("appexp"), QStringLiteral("w"));
    QVERIFY(!token.isEmpty());
    m_server.clock().advanceSeconds(29 * 24 * 3600);
    const HttpReply late =
        m_access->discover(agent, QStringLiteral("appexp"), QStringLiteral("KEY="));
    CHECK_STATUS(late, 200); // day 29: still approved
    m_server.clock().advanceSeconds(24 * 3600);
    // Day 30: the approval is over; the token from day 29 stops with it.
    CHECK_ERROR(m_access->fetch(QStringLiteral("appexp"), tokenOf(late)), 401, "token_revoked");
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("appexp"), QStringLiteral("KEY=")), 403,
                "pending_approval");
}

// An agent host written against the HTTP API alone: raw JSON, its own signature, its own
// polling; nothing of the helpers above but the transport.
void TestProjectSecrets::agentFlowOverHttpOnly()
{
    HttpClient &http = m_access->http();
    const cortex::crypto::SigningKey key = cortex::crypto::SigningKey::generate();
    const QString pub = QString::fromLatin1(cortex::crypto::base64UrlEncode(key.publicKey()));
    CHECK_STATUS(http.post(QStringLiteral("/admin/agents"),
                           {{QStringLiteral("agent_id"), QStringLiteral("ci@build-host")},
                            {QStringLiteral("agent_pub"), pub},
                            {QStringLiteral("description"), QStringLiteral("CI runner")}}),
                 201);
    const HttpReply secret =
        http.post(QStringLiteral("/admin/secrets"),
                  {{QStringLiteral("key_path"), QStringLiteral("ci/stripe-key")},
                   {QStringLiteral("value"), QStringLiteral("sk_live_123")}});
    CHECK_STATUS(secret, 201);
    const HttpReply grant =
        http.post(QStringLiteral("/admin/projects/shop/grants"),
                  {{QStringLiteral("secret_id"), secret.object().value(QStringLiteral("id"))}});
    CHECK_STATUS(grant, 201);
    QCOMPARE(grant.object().value(QStringLiteral("env_var_name")).toString(),
             QStringLiteral("STRIPE_KEY"));

    int n = 0;
    const auto discover = [&] {
        const qint64 ts = m_server.clock().now().toSecsSinceEpoch();
        const QString nonce = QString::fromLatin1(QByteArray::number(++n).toHex());
        const QByteArray message =
            QByteArray::number(ts) + '|' + nonce.toLatin1() + "|ci@build-host|/agent/discover";
        const QJsonObject body{
            {QStringLiteral("agent_id"), QStringLiteral("ci@build-host")},
            {QStringLiteral("ts"), ts},
            {QStringLiteral("nonce"), nonce},
            {QStringLiteral("auth_proof"),
             QString::fromLatin1(cortex::crypto::base64UrlEncode(key.sign(message)))},
            {QStringLiteral("context"),
             QJsonObject{{QStringLiteral("project_name"), QStringLiteral("shop")},
                         {QStringLiteral("file_content"),
                          QStringLiteral("STRIPE_KEY=changeme\nDEBUG=1\n")}}}};
        return http.post(QStringLiteral("/agent/discover"), body, HttpClient::Auth::None);
    };

    const HttpReply waiting = discover();
    CHECK_ERROR(waiting, 403, "pending_approval");
    const QString id = waiting.object()
                           .value(QStringLiteral("details"))
                           .toObject()
                           .value(QStringLiteral("grant_id"))
                           .toString();
    CHECK_ERROR(discover(), 403, "pending_approval"); // polling while the operator looks

    CHECK_STATUS(http.post(QStringLiteral("/admin/pending-grants/%1/approve").arg(id), {}), 200);
    const HttpReply ok = discover();
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("unmatched_keys")).toArray(),
             QJsonArray({QStringLiteral("DEBUG")}));
    const QByteArray token =
        ok.object().value(QStringLiteral("project_token")).toString().toLatin1();
    const HttpReply fetched =
        http.send("GET", QStringLiteral("/project/secrets/shop"), {}, HttpClient::Auth::None,
                  {{"Authorization", "Bearer " + token}});
    CHECK_STATUS(fetched, 200);
    QCOMPARE(fetched.object(),
             QJsonObject(
                 {{QStringLiteral("env_vars"),
                   QJsonObject{{QStringLiteral("STRIPE_KEY"), QStringLiteral("sk_live_123")}}}}));
    // Neither the token nor the value reaches the log.
    QVERIFY(!logContains(QString::fromLatin1(token)));
    QVERIFY(!logContains(QStringLiteral("sk_live_123")));
}

void TestProjectSecrets::sealedVaultAnswers503()
{
    const TestAgent agent{QStringLiteral("seal-agent")};
    const QString token = setUp(agent, QStringLiteral("sealed"), QStringLiteral("s"));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(m_access->http().post(QStringLiteral("/sys/seal"), {}), 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("sealed"), token), 503, "sealed");
    CHECK_ERROR(m_access->discover(agent, QStringLiteral("sealed"), QStringLiteral("KEY=")), 503,
                "sealed");
    CHECK_STATUS(m_access->http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}},
                     HttpClient::Auth::None),
                 200);
    CHECK_STATUS(m_access->fetch(QStringLiteral("sealed"), token), 200);
}

void TestProjectSecrets::tokensSurviveARestart()
{
    const TestAgent agent{QStringLiteral("restart-agent")};
    const QString token = setUp(agent, QStringLiteral("restart"), QStringLiteral("persisted"));
    QVERIFY(!token.isEmpty());
    QString error;
    QVERIFY2(m_server.restart(&error), qPrintable(error));
    m_access->http().setBaseUrl(m_server.url());
    CHECK_ERROR(m_access->fetch(QStringLiteral("restart"), token), 503, "sealed");
    CHECK_STATUS(m_access->http().post(
                     QStringLiteral("/sys/unseal"),
                     {{QStringLiteral("password"), QString::fromLatin1(TestServer::password())}},
                     HttpClient::Auth::None),
                 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("restart"), token))
                 .value(QStringLiteral("KEY"))
                 .toString(),
             QStringLiteral("persisted"));
    // Approvals persist too: a new discover gets a token without an operator.
    CHECK_STATUS(m_access->discover(agent, QStringLiteral("restart"), QStringLiteral("KEY=")), 200);
}

QTEST_MAIN(TestProjectSecrets)
void TestProjectSecrets::changesBehindTheServersBackApplyToTheNextFetch()
{
    const TestAgent agent{QStringLiteral("side-agent")};
    const QString token = setUp(agent, QStringLiteral("side"), QStringLiteral("v1"));
    QVERIFY(!token.isEmpty()); // setUp fetched once: the rows are in memory now
    cortex::test::SideConnection side(
        QDir(m_server.dataDir()).filePath(QStringLiteral("data/cortex.db")));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));

    // A grant removed behind the server's back: the next fetch no longer has the key.
    CHECK_STATUS(m_access->fetch(QStringLiteral("side"), token), 200);
    QVERIFY2(side.exec(QStringLiteral("DELETE FROM project_grants WHERE project_name = ?"),
                       {QStringLiteral("side")}),
             qPrintable(side.error()));
    QCOMPARE(side.changedRows(), 1);
    const HttpReply withoutGrant = m_access->fetch(QStringLiteral("side"), token);
    CHECK_STATUS(withoutGrant, 200);
    QCOMPARE(envOf(withoutGrant), QJsonObject());

    // The token revoked behind its back: the next fetch is refused.
    QVERIFY2(side.exec(QStringLiteral("UPDATE project_tokens SET revoked_at = ? WHERE project_id ="
                                      " (SELECT id FROM projects WHERE project_name = ?)"),
                       {QStringLiteral("2026-01-01T00:00:00.000Z"), QStringLiteral("side")}),
             qPrintable(side.error()));
    QVERIFY(side.changedRows() >= 1);
    CHECK_ERROR(m_access->fetch(QStringLiteral("side"), token), 401, "token_revoked");
}

void TestProjectSecrets::fetchesArrivingTogetherEachKeepTheirAnswerAndRow()
{
    const TestAgent agent{QStringLiteral("burst-agent")};
    const QString token = setUp(agent, QStringLiteral("burst"), QStringLiteral("b1"));
    QVERIFY(!token.isEmpty());
    cortex::test::SideConnection side(
        QDir(m_server.dataDir()).filePath(QStringLiteral("data/cortex.db")));
    QVERIFY2(side.isOpen(), qPrintable(side.error()));
    const auto rowsWith = [&side](const QString &status) {
        return side
            .scalar(QStringLiteral("SELECT COUNT(DISTINCT request_id) FROM audit_log WHERE "
                                   "action = 'get_secrets' AND resource = 'burst' AND status = ?"),
                    {status})
            .toInt();
    };
    const int successBefore = rowsWith(QStringLiteral("success"));
    const int deniedBefore = rowsWith(QStringLiteral("denied"));

    // Every request is written before any answer is read, so the server finds them together.
    constexpr int Good = 6;
    std::vector<std::unique_ptr<RawConnection>> connections;
    for (int i = 0; i <= Good; ++i) {
        connections.push_back(std::make_unique<RawConnection>(m_server.port()));
        QVERIFY(connections.back()->isConnected());
    }
    for (int i = 0; i <= Good; ++i) {
        const QString bearer = i == Good ? QStringLiteral("not-a-token") : token;
        connections[i]->write(("GET /project/secrets/burst HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Bearer " +
                               bearer.toLatin1() + "\r\n\r\n"));
    }
    for (const auto &connection : connections)
        QVERIFY(connection->flush());
    for (int i = 0; i <= Good; ++i) {
        const std::optional<RawResponse> response = connections[i]->readResponse();
        QVERIFY2(response, qPrintable(QStringLiteral("no answer on connection %1").arg(i)));
        if (i == Good) {
            QCOMPARE(response->status, 401);
            continue;
        }
        QVERIFY2(response->status == 200, response->describe().constData());
        QCOMPARE(response->object().value(QStringLiteral("env_vars")).toObject(),
                 QJsonObject({{QStringLiteral("KEY"), QStringLiteral("b1")}}));
    }
    // Answered means written: the rows are there for another connection to see.
    QCOMPARE(rowsWith(QStringLiteral("success")), successBefore + Good);
    QCOMPARE(rowsWith(QStringLiteral("denied")), deniedBefore + 1);
    const HttpReply verified = m_access->http().post(QStringLiteral("/admin/audit/verify"), {});
    CHECK_STATUS(verified, 200);
    QCOMPARE(verified.object().value(QStringLiteral("ok")).toBool(), true);
}

#include "tst_project_secrets.moc"
