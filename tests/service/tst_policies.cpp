// Glob policies: /admin/policies CRUD and input checks, the glob rules and the decision on
// PolicyCheck directly, and their effect at discover and on every fetch.

#include "AgentHelpers.h"
#include "access/PolicyCheck.h"

#include <QTest>

using namespace cortex::test;
using cortex::access::PolicyCheck;
using cortex::store::PolicyRow;

namespace {
QJsonObject policyBody(const QString &name, const QString &agentPattern, const QStringList &allowed,
                       const QStringList &denied = {})
{
    return {{QStringLiteral("policy_name"), name},
            {QStringLiteral("agent_pattern"), agentPattern},
            {QStringLiteral("allowed_paths"), QJsonArray::fromStringList(allowed)},
            {QStringLiteral("denied_paths"), QJsonArray::fromStringList(denied)}};
}

// One data row: a name, two strings and a flag.
void addRow(const char *name, const char16_t *first, const char16_t *second, bool flag)
{
    QTest::newRow(name) << QString::fromUtf16(first) << QString::fromUtf16(second) << flag;
}

void addRow(const char *name, const char16_t *pattern, bool pathValid, bool agentValid)
{
    QTest::newRow(name) << QString::fromUtf16(pattern) << pathValid << agentValid;
}

PolicyRow policy(const QString &agentPattern, const QStringList &allowed,
                 const QStringList &denied = {})
{
    return {QStringLiteral("pol_x"), agentPattern, agentPattern, allowed, denied, QString()};
}
} // namespace

class TestPolicies : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void globMatching_data();
    void globMatching();
    void globValidity_data();
    void globValidity();
    void decision();

    void createListDelete();
    void badInputIs400_data();
    void badInputIs400();
    void discoverIsNarrowedByPolicy();
    void denyAfterApprovalAppliesOnNextFetch();

private:
    HttpReply createPolicy(const QJsonObject &body)
    {
        return m_access->http().post(QStringLiteral("/admin/policies"), body);
    }

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
};

void TestPolicies::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
}

void TestPolicies::globMatching_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("matches");

    addRow("exact", u"db/password", u"db/password", true);
    addRow("exact differs", u"db/password", u"db/passwords", false);
    addRow("case-sensitive", u"db/Password", u"db/password", false);
    addRow("star in segment", u"db/*", u"db/password", true);
    addRow("star stays in segment", u"db/*", u"db/prod/password", false);
    addRow("star matches empty", u"db/pass*", u"db/pass", true);
    addRow("star inside", u"db/*-key", u"db/api-key", true);
    addRow("star inside, no match", u"db/*-key", u"db/api-token", false);
    addRow("two stars in a segment", u"*a*b*", u"xxaYYbZ", true);
    addRow("double star, one segment", u"db/**", u"db/password", true);
    addRow("double star, many segments", u"db/**", u"db/prod/eu/password", true);
    addRow("double star, other root", u"db/**", u"api/db/password", false);
    addRow("double star, zero segments", u"db/**/password", u"db/password", true);
    addRow("double star, middle", u"db/**/password", u"db/a/b/password", true);
    addRow("double star, wrong leaf", u"db/**/password", u"db/a/b/user", false);
    addRow("double star alone", u"**", u"a/b/c", true);
    addRow("leading double star", u"**/password", u"a/b/password", true);
    addRow("two double stars", u"**/x/**", u"a/x/b/c", true);
    addRow("question mark", u"db/pass?", u"db/pass1", true);
    addRow("question mark needs one", u"db/pass?", u"db/pass", false);
    addRow("question mark not slash", u"db?x", u"db/x", false);
    addRow("agent star", u"ci-*", u"ci-runner@host", true);
    addRow("agent star, no match", u"ci-*", u"prod-runner", false);
}

void TestPolicies::globMatching()
{
    QFETCH(QString, pattern);
    QFETCH(QString, text);
    QFETCH(bool, matches);
    QCOMPARE(cortex::access::globMatches(pattern, text), matches);
}

void TestPolicies::globValidity_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<bool>("pathValid");
    QTest::addColumn<bool>("agentValid");

    addRow("plain", u"db/password", true, false);
    addRow("globs", u"db/**/pass?-*", true, false);
    addRow("agent", u"ci-*@host?", true, true);
    addRow("empty", u"", false, false);
    addRow("triple star", u"db/***", false, false);
    addRow("double star in a segment", u"db/a**", false, false);
    addRow("empty segment", u"db//x", false, false);
    addRow("leading slash", u"/db", false, false);
    addRow("trailing slash", u"db/", false, false);
    addRow("bracket", u"db/[ab]", false, false);
    addRow("space", u"db/a b", false, false);
}

void TestPolicies::globValidity()
{
    QFETCH(QString, pattern);
    QFETCH(bool, pathValid);
    QFETCH(bool, agentValid);
    QCOMPARE(cortex::access::isValidPathGlob(pattern), pathValid);
    QCOMPARE(cortex::access::isValidAgentGlob(pattern), agentValid);
}

void TestPolicies::decision()
{
    const QString agent = QStringLiteral("ci-runner");
    // No policy matches the agent: everything is allowed.
    QVERIFY(PolicyCheck({}, agent).allows(QStringLiteral("db/password")));
    QVERIFY(PolicyCheck({policy(QStringLiteral("prod-*"), {})}, agent)
                .allows(QStringLiteral("db/password")));
    // A matching policy restricts the agent to its allowed paths.
    const PolicyCheck dbOnly({policy(QStringLiteral("ci-*"), {QStringLiteral("db/**")})}, agent);
    QVERIFY(dbOnly.allows(QStringLiteral("db/eu/password")));
    QVERIFY(!dbOnly.allows(QStringLiteral("api/key")));
    // Deny wins, whichever matching policy holds the deny.
    const PolicyCheck denied(
        {policy(QStringLiteral("**"), {QStringLiteral("**")}),
         policy(QStringLiteral("ci-?unner"), {}, {QStringLiteral("db/*/password")})},
        agent);
    QVERIFY(!denied.allows(QStringLiteral("db/eu/password")));
    QVERIFY(denied.allows(QStringLiteral("db/password")));
    QVERIFY(denied.allows(QStringLiteral("api/key")));
    // Allowing is the union over matching policies.
    const PolicyCheck two({policy(QStringLiteral("ci-*"), {QStringLiteral("db/*")}),
                           policy(QStringLiteral("*"), {QStringLiteral("api/*")})},
                          agent);
    QVERIFY(two.allows(QStringLiteral("db/x")));
    QVERIFY(two.allows(QStringLiteral("api/x")));
    QVERIFY(!two.allows(QStringLiteral("mail/x")));
    // A matching policy without allowed paths shuts the agent out.
    QVERIFY(!PolicyCheck({policy(agent, {})}, agent).allows(QStringLiteral("db/x")));
}

void TestPolicies::createListDelete()
{
    // Admin routes: nothing without the admin token.
    CHECK_STATUS(m_access->http().get(QStringLiteral("/admin/policies"), HttpClient::Auth::None),
                 401);
    CHECK_STATUS(m_access->http().post(QStringLiteral("/admin/policies"),
                                       policyBody(QStringLiteral("anon"), QStringLiteral("*"), {}),
                                       HttpClient::Auth::None),
                 401);

    const HttpReply created =
        createPolicy(policyBody(QStringLiteral("crud"), QStringLiteral("crud-*"),
                                {QStringLiteral("crud/**")}, {QStringLiteral("crud/secret")}));
    CHECK_STATUS(created, 201);
    const QString id = created.object().value(QStringLiteral("id")).toString();
    QVERIFY(id.startsWith(QStringLiteral("pol_")));
    QCOMPARE(created.object().value(QStringLiteral("policy_name")).toString(),
             QStringLiteral("crud"));

    CHECK_ERROR(createPolicy(policyBody(QStringLiteral("crud"), QStringLiteral("other"),
                                        {QStringLiteral("x")})),
                409, "policy_exists");

    const HttpReply list = m_access->http().get(QStringLiteral("/admin/policies"));
    CHECK_STATUS(list, 200);
    QJsonObject found;
    for (const QJsonValue &v : list.array())
        if (v.toObject().value(QStringLiteral("id")).toString() == id)
            found = v.toObject();
    QCOMPARE(found.value(QStringLiteral("policy_name")).toString(), QStringLiteral("crud"));
    QCOMPARE(found.value(QStringLiteral("agent_pattern")).toString(), QStringLiteral("crud-*"));
    QCOMPARE(found.value(QStringLiteral("allowed_paths")).toArray(),
             QJsonArray({QStringLiteral("crud/**")}));
    QCOMPARE(found.value(QStringLiteral("denied_paths")).toArray(),
             QJsonArray({QStringLiteral("crud/secret")}));
    QVERIFY(!found.value(QStringLiteral("created_at")).toString().isEmpty());

    // denied_paths is optional.
    const HttpReply noDeny = createPolicy({{QStringLiteral("policy_name"), QStringLiteral("crud2")},
                                           {QStringLiteral("agent_pattern"), QStringLiteral("*")},
                                           {QStringLiteral("allowed_paths"), QJsonArray()}});
    CHECK_STATUS(noDeny, 201);

    const HttpReply deleted = m_access->http().del(QStringLiteral("/admin/policies/%1").arg(id));
    CHECK_STATUS(deleted, 200);
    QCOMPARE(deleted.object().value(QStringLiteral("deleted")), QJsonValue(true));
    CHECK_ERROR(m_access->http().del(QStringLiteral("/admin/policies/%1").arg(id)), 404,
                "policy_not_found");
    CHECK_STATUS(
        m_access->http().del(QStringLiteral("/admin/policies/%1")
                                 .arg(noDeny.object().value(QStringLiteral("id")).toString())),
        200);
    // The name is free again.
    CHECK_STATUS(createPolicy(policyBody(QStringLiteral("crud"), QStringLiteral("nobody-*"), {})),
                 201);
}

void TestPolicies::badInputIs400_data()
{
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("not json") << QByteArray("{");
    QTest::newRow("missing name") << QByteArray(R"({"agent_pattern":"a","allowed_paths":["x"]})");
    QTest::newRow("empty name") << QByteArray(
        R"({"policy_name":"","agent_pattern":"a","allowed_paths":["x"]})");
    QTest::newRow("blank name") << QByteArray(
        R"({"policy_name":"  ","agent_pattern":"a","allowed_paths":["x"]})");
    QTest::newRow("name not a string")
        << QByteArray(R"({"policy_name":1,"agent_pattern":"a","allowed_paths":["x"]})");
    QTest::newRow("missing agent_pattern")
        << QByteArray(R"({"policy_name":"b1","allowed_paths":["x"]})");
    QTest::newRow("agent_pattern with slash")
        << QByteArray(R"({"policy_name":"b2","agent_pattern":"a/b","allowed_paths":["x"]})");
    QTest::newRow("agent_pattern empty")
        << QByteArray(R"({"policy_name":"b3","agent_pattern":"","allowed_paths":["x"]})");
    QTest::newRow("missing allowed_paths")
        << QByteArray(R"({"policy_name":"b4","agent_pattern":"a"})");
    QTest::newRow("allowed_paths not an array")
        << QByteArray(R"({"policy_name":"b5","agent_pattern":"a","allowed_paths":"x"})");
    QTest::newRow("allowed_paths holds a number")
        << QByteArray(R"({"policy_name":"b6","agent_pattern":"a","allowed_paths":[1]})");
    QTest::newRow("allowed_paths bad glob")
        << QByteArray(R"({"policy_name":"b7","agent_pattern":"a","allowed_paths":["db/a**"]})");
    QTest::newRow("denied_paths not an array") << QByteArray(
        R"({"policy_name":"b8","agent_pattern":"a","allowed_paths":[],"denied_paths":{}})");
    QTest::newRow("denied_paths bad glob") << QByteArray(
        R"({"policy_name":"b9","agent_pattern":"a","allowed_paths":[],"denied_paths":["a//b"]})");
    QTest::newRow("unknown field") << QByteArray(
        R"({"policy_name":"b10","agent_pattern":"a","allowed_paths":[],"priority":1})");
}

void TestPolicies::badInputIs400()
{
    QFETCH(QByteArray, body);
    CHECK_STATUS(m_access->http().send("POST", QStringLiteral("/admin/policies"), body), 400);
}

void TestPolicies::discoverIsNarrowedByPolicy()
{
    const TestAgent agent{QStringLiteral("narrow-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    m_access->grant(
        QStringLiteral("narrow"),
        m_access->createSecret(QStringLiteral("narrow/db/password"), QStringLiteral("p")));
    m_access->grant(QStringLiteral("narrow"),
                    m_access->createSecret(QStringLiteral("narrow/api/key"), QStringLiteral("k")));
    CHECK_STATUS(createPolicy(policyBody(QStringLiteral("narrow-db"), QStringLiteral("narrow-*"),
                                         {QStringLiteral("narrow/db/**")})),
                 201);

    // The refused key is unmatched and never part of the pending request.
    const HttpReply pending =
        m_access->discover(agent, QStringLiteral("narrow"), QStringLiteral("PASSWORD=\nKEY=\n"));
    CHECK_ERROR(pending, 403, "pending_approval");
    QCOMPARE(pending.object()
                 .value(QStringLiteral("details"))
                 .toObject()
                 .value(QStringLiteral("requested_keys"))
                 .toArray(),
             QJsonArray({QStringLiteral("narrow/db/password")}));
    CHECK_STATUS(m_access->approve(grantIdOf(pending)), 200);

    const HttpReply ok =
        m_access->discover(agent, QStringLiteral("narrow"), QStringLiteral("PASSWORD=\nKEY=\n"));
    CHECK_STATUS(ok, 200);
    QCOMPARE(ok.object().value(QStringLiteral("mapped_keys")).toObject(),
             QJsonObject({{QStringLiteral("PASSWORD"), QStringLiteral("narrow/db/password")}}));
    QCOMPARE(ok.object().value(QStringLiteral("unmatched_keys")).toArray(),
             QJsonArray({QStringLiteral("KEY")}));
    QCOMPARE(ok.object().value(QStringLiteral("full_matched")), QJsonValue(false));
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("narrow"), tokenOf(ok))),
             QJsonObject({{QStringLiteral("PASSWORD"), QStringLiteral("p")}}));
}

void TestPolicies::denyAfterApprovalAppliesOnNextFetch()
{
    const TestAgent agent{QStringLiteral("late-agent")};
    CHECK_STATUS(m_access->registerAgent(agent), 201);
    m_access->grant(QStringLiteral("late"),
                    m_access->createSecret(QStringLiteral("late/user"), QStringLiteral("u")));
    m_access->grant(QStringLiteral("late"),
                    m_access->createSecret(QStringLiteral("late/password"), QStringLiteral("p")));
    const HttpReply ok = m_access->discoverApproved(agent, QStringLiteral("late"),
                                                    QStringLiteral("USER=\nPASSWORD=\n"));
    CHECK_STATUS(ok, 200);
    const QString token = tokenOf(ok);
    const QJsonObject both{{QStringLiteral("USER"), QStringLiteral("u")},
                           {QStringLiteral("PASSWORD"), QStringLiteral("p")}};
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("late"), token)), both);

    // A policy on another agent changes nothing for this one.
    const HttpReply other = createPolicy(policyBody(
        QStringLiteral("late-other"), QStringLiteral("someone-else"), {}, {QStringLiteral("**")}));
    CHECK_STATUS(other, 201);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("late"), token)), both);

    const HttpReply deny =
        createPolicy(policyBody(QStringLiteral("late-deny"), QStringLiteral("late-?gent"),
                                {QStringLiteral("**")}, {QStringLiteral("late/pass*")}));
    CHECK_STATUS(deny, 201);
    const HttpReply narrowed = m_access->fetch(QStringLiteral("late"), token);
    CHECK_STATUS(narrowed, 200);
    QCOMPARE(envOf(narrowed), QJsonObject({{QStringLiteral("USER"), QStringLiteral("u")}}));

    CHECK_STATUS(
        m_access->http().del(QStringLiteral("/admin/policies/%1")
                                 .arg(deny.object().value(QStringLiteral("id")).toString())),
        200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("late"), token)), both);
}

QTEST_MAIN(TestPolicies)
#include "tst_policies.moc"
