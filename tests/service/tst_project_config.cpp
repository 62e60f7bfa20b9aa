// GET /project/config/{project}/{template}: config templates rendered with the project's env
// vars under the same checks as GET /project/secrets (token, approval, grants, scope), byte for
// byte (no HTML escaping), with missing variables and broken templates reported by name and
// offset only.

#include "AgentHelpers.h"

#include <QTest>
#include <QUrl>

using namespace cortex::test;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// A value with every character HTML escaping would touch, a template tag and non-ASCII text.
const QString SpecialValue = str("p&ss<w>rd\"'=`/\\{{NOT_A_TAG}} \xc3\xa9\xe2\x82\xac");

} // namespace

class TestProjectConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void rendersByteForByte();
    void missingVariablesAreNamedOnly();
    void invalidTemplateGivesOffset();
    void templateMustBeGrantedAndApproved();
    void badTokensAre401BeforeAnyTemplateLookup();
    void killSwitchCutsTheVeryNextRequest();
    void deletedGrantRemovesTheVariable();
    void honeyTokenDeniesLikeProjectSecrets();

private:
    // A registered agent with an approved project that receives DB_USER, DB_PASSWORD and the
    // template APP_CONF (key path "<project>/app.conf"); returns the token.
    QString setUp(const QString &project, const QString &templ,
                  const QString &extraEnv = QString());
    QString createSecret(const QString &keyPath, const QString &value, const QString &type,
                         bool honey = false);
    QString grantId(const QString &project, const QString &env);
    HttpReply config(const QString &project, const QString &templ, const QString &token);

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
};

void TestProjectConfig::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
}

QString TestProjectConfig::createSecret(const QString &keyPath, const QString &value,
                                        const QString &type, bool honey)
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

QString TestProjectConfig::setUp(const QString &project, const QString &templ,
                                 const QString &extraEnv)
{
    const TestAgent agent{project + str("-agent")};
    if (m_access->registerAgent(agent).status != 201)
        return {};
    m_access->grant(project,
                    createSecret(project + str("/db-user"), str("admin"), str("KEY_VALUE")),
                    str("DB_USER"));
    m_access->grant(project,
                    createSecret(project + str("/db-password"), SpecialValue, str("KEY_VALUE")),
                    str("DB_PASSWORD"));
    m_access->grant(project,
                    createSecret(project + str("/app.conf"), templ, str("TEMPLATE_CONFIG")),
                    str("APP_CONF"));
    const HttpReply ok = m_access->discoverApproved(
        agent, project, str("DB_USER=\nDB_PASSWORD=\nAPP_CONF=\n") + extraEnv);
    if (ok.status != 200)
        qWarning("discover failed: %s", ok.describe().constData());
    return tokenOf(ok);
}

QString TestProjectConfig::grantId(const QString &project, const QString &env)
{
    const QJsonArray grants =
        m_access->http().get(str("/admin/projects/%1/grants").arg(project)).array();
    for (const QJsonValue &g : grants)
        if (g.toObject().value(str("env_var_name")).toString() == env)
            return g.toObject().value(str("id")).toString();
    return {};
}

HttpReply TestProjectConfig::config(const QString &project, const QString &templ,
                                    const QString &token)
{
    // The template is named by its key path; a '/' in it travels as %2F inside one segment.
    const QString path = str("/project/config/%1/%2")
                             .arg(project, QString::fromLatin1(QUrl::toPercentEncoding(templ)));
    return m_access->http().send(
        "GET", path, {}, HttpClient::Auth::None,
        {{QByteArrayLiteral("Authorization"), "Bearer " + token.toLatin1()}});
}

void TestProjectConfig::rendersByteForByte()
{
    const QString templ =
        str("user={{DB_USER}}\npassword={{ DB_PASSWORD }}\nraw={{{DB_PASSWORD}}}\nliteral=\\{{X}}\n"
            "<tag a=\"&amp;\">");
    const QString token = setUp(str("render"), templ);
    QVERIFY(!token.isEmpty());
    const HttpReply r = config(str("render"), str("render/app.conf"), token);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
    const QString expected = str("user=admin\npassword=") + SpecialValue + str("\nraw=") +
                             SpecialValue + str("\nliteral={{X}}\n<tag a=\"&amp;\">");
    QCOMPARE(r.body, expected.toUtf8());
    // The same values /project/secrets hands out.
    QCOMPARE(envOf(m_access->fetch(str("render"), token)).value(str("DB_PASSWORD")).toString(),
             SpecialValue);
}

void TestProjectConfig::missingVariablesAreNamedOnly()
{
    const QString token =
        setUp(str("missing"), str("{{DB_USER}} {{NOPE}} {{ALSO_NOPE}} {{NOPE}} {{DB_PASSWORD}}"));
    QVERIFY(!token.isEmpty());
    const HttpReply r = config(str("missing"), str("missing/app.conf"), token);
    CHECK_ERROR(r, 422, "template_variables_missing");
    const QJsonArray missing =
        r.object().value(str("details")).toObject().value(str("missing")).toArray();
    QCOMPARE(missing, QJsonArray({str("NOPE"), str("ALSO_NOPE")}));
    QVERIFY2(!r.body.contains("admin") && !r.body.contains("p&ss"), r.body.constData());
    QVERIFY(!logContains(str("p&ss<w>rd")));
}

void TestProjectConfig::invalidTemplateGivesOffset()
{
    const QString token = setUp(str("broken"), str("ok={{DB_USER}} bad={{#zqxmarker}}"));
    QVERIFY(!token.isEmpty());
    const HttpReply r = config(str("broken"), str("broken/app.conf"), token);
    CHECK_ERROR(r, 422, "template_invalid");
    QCOMPARE(r.object().value(str("details")).toObject().value(str("offset")).toInt(), 19);
    QVERIFY2(!r.body.contains("zqxmarker") && !r.body.contains("admin"), r.body.constData());
}

void TestProjectConfig::templateMustBeGrantedAndApproved()
{
    const QString token = setUp(str("scope"), str("{{DB_USER}}"));
    QVERIFY(!token.isEmpty());
    // A template of the same namespace that was never granted to this project.
    QVERIFY(!createSecret(str("scope/other.conf"), str("{{DB_USER}}"), str("TEMPLATE_CONFIG"))
                 .isEmpty());
    CHECK_ERROR(config(str("scope"), str("scope/other.conf"), token), 404, "template_not_found");
    // Granted after approval: outside the token's scope until a new discover is approved.
    m_access->grant(str("scope"),
                    createSecret(str("scope/late.conf"), str("x"), str("TEMPLATE_CONFIG")),
                    str("LATE_CONF"));
    CHECK_ERROR(config(str("scope"), str("scope/late.conf"), token), 404, "template_not_found");
    // A KEY_VALUE secret is no template, nor is an unknown name.
    CHECK_ERROR(config(str("scope"), str("scope/db-user"), token), 404, "template_not_found");
    CHECK_ERROR(config(str("scope"), str("nothing"), token), 404, "template_not_found");
    // The grant env var name is not a template name.
    CHECK_ERROR(config(str("scope"), str("APP_CONF"), token), 404, "template_not_found");
    // Deleting the template's grant takes it away at once.
    CHECK_STATUS(config(str("scope"), str("scope/app.conf"), token), 200);
    CHECK_STATUS(
        m_access->http().del(
            str("/admin/projects/scope/grants/%1").arg(grantId(str("scope"), str("APP_CONF")))),
        200);
    CHECK_ERROR(config(str("scope"), str("scope/app.conf"), token), 404, "template_not_found");
}

void TestProjectConfig::badTokensAre401BeforeAnyTemplateLookup()
{
    const QString token = setUp(str("auth"), str("{{DB_USER}}"));
    QVERIFY(!token.isEmpty());
    const QString fake = str("cvpt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    // Same answer for an existing and a missing template, and an existing or missing project.
    CHECK_ERROR(config(str("auth"), str("auth/app.conf"), fake), 401, "invalid_token");
    CHECK_ERROR(config(str("auth"), str("nothing"), fake), 401, "invalid_token");
    CHECK_ERROR(config(str("no-such-project"), str("nothing"), fake), 401, "invalid_token");
    CHECK_ERROR(config(str("no-such-project"), str("auth/app.conf"), token), 401, "invalid_token");
    CHECK_ERROR(
        m_access->http().get(str("/project/config/auth/auth%2Fapp.conf"), HttpClient::Auth::None),
        401, "invalid_token");
    // The admin token is not a project token.
    CHECK_ERROR(m_access->http().get(str("/project/config/auth/auth%2Fapp.conf")), 401,
                "invalid_token");
    CHECK_STATUS(config(str("auth"), str("auth/app.conf"), token), 200);
}

void TestProjectConfig::killSwitchCutsTheVeryNextRequest()
{
    const QString token = setUp(str("kill"), str("{{DB_USER}}"));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(config(str("kill"), str("kill/app.conf"), token), 200);
    CHECK_STATUS(m_access->http().post(str("/admin/projects/kill/revoke"), {}), 200);
    CHECK_ERROR(config(str("kill"), str("kill/app.conf"), token), 401, "token_revoked");
    CHECK_ERROR(config(str("kill"), str("nothing"), token), 401, "token_revoked");
}

void TestProjectConfig::deletedGrantRemovesTheVariable()
{
    const QString token = setUp(str("vargrant"), str("u={{DB_USER}} p={{DB_PASSWORD}}"));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(config(str("vargrant"), str("vargrant/app.conf"), token), 200);
    CHECK_STATUS(m_access->http().del(str("/admin/projects/vargrant/grants/%1")
                                          .arg(grantId(str("vargrant"), str("DB_PASSWORD")))),
                 200);
    const HttpReply r = config(str("vargrant"), str("vargrant/app.conf"), token);
    CHECK_ERROR(r, 422, "template_variables_missing");
    QCOMPARE(r.object().value(str("details")).toObject().value(str("missing")).toArray(),
             QJsonArray({str("DB_PASSWORD")}));
    // Consistent with /project/secrets.
    QVERIFY(!envOf(m_access->fetch(str("vargrant"), token)).contains(str("DB_PASSWORD")));
}

void TestProjectConfig::honeyTokenDeniesLikeProjectSecrets()
{
    // A granted, approved secret that an operator then turns into a decoy (say, a key suspected
    // leaked): every data request of the project is denied, the config included (even a
    // template that does not use it), and nothing leaks.
    const QString project = str("honey");
    const QString baitId = createSecret(str("honey/bait"), str("bait-value"), str("KEY_VALUE"));
    QVERIFY(!baitId.isEmpty());
    m_access->grant(project, baitId, str("BAIT"));
    const QString token = setUp(project, str("{{DB_USER}}"), str("BAIT=\n"));
    QVERIFY(!token.isEmpty());
    CHECK_STATUS(
        m_access->http().put(str("/admin/secrets/%1").arg(baitId), {{str("is_honey_token"), true}}),
        200);
    const HttpReply r = config(project, str("honey/app.conf"), token);
    CHECK_ERROR(r, 401, "access_denied");
    QVERIFY(!r.body.contains("admin") && !r.body.contains("bait-value"));
    // The alarm revoked the project's tokens.
    CHECK_ERROR(m_access->fetch(project, token), 401, "token_revoked");

    // A template turned decoy is refused the same way.
    const QString project2 = str("honeytpl");
    const QString tplId =
        createSecret(str("honeytpl/bait.conf"), str("{{DB_USER}}"), str("TEMPLATE_CONFIG"));
    QVERIFY(!tplId.isEmpty());
    m_access->grant(project2, tplId, str("BAIT_CONF"));
    const QString token2 = setUp(project2, str("{{DB_USER}}"), str("BAIT_CONF=\n"));
    QVERIFY(!token2.isEmpty());
    CHECK_STATUS(
        m_access->http().put(str("/admin/secrets/%1").arg(tplId), {{str("is_honey_token"), true}}),
        200);
    CHECK_ERROR(config(project2, str("honeytpl/bait.conf"), token2), 401, "access_denied");
}

QTEST_MAIN(TestProjectConfig)
#include "tst_project_config.moc"
