// The agent flow end to end against the real cortex-server binary: an operator (admin API)
// registers an agent, stores secrets and a config template and grants them; an agent written
// against the HTTP API alone (its own QNetworkAccessManager and an Ed25519 key that never leaves
// it) discovers, waits for approval, fetches its env vars and a rendered config; approval and
// grants survive a restart; the kill switch cuts the very next request.

#include "E2eSupport.h"
#include "crypto/Base64Url.h"
#include "crypto/Ed25519.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTest>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// What the agent sees of one response.
struct AgentReply
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;

    QJsonObject object() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const { return object().value(str("error_code")).toString(); }
};

// An agent host as a third party would write it: nothing from the server's code, only HTTP and
// an Ed25519 signature over "{ts}|{nonce}|{agent_id}|/agent/discover".
class Agent
{
public:
    explicit Agent(QString id) : m_id(std::move(id)) {}

    QString id() const { return m_id; }
    QString publicKey() const
    {
        return QString::fromLatin1(cortex::crypto::base64UrlEncode(m_key.publicKey()));
    }
    void setBaseUrl(const QUrl &url) { m_base = url; }

    AgentReply discover(const QString &project, const QString &envFile)
    {
        const qint64 ts = QDateTime::currentSecsSinceEpoch();
        const QString nonce = randomHex(16);
        const QByteArray message = QByteArray::number(ts) + '|' + nonce.toUtf8() + '|' +
                                   m_id.toUtf8() + "|/agent/discover";
        const QJsonObject body{
            {str("agent_id"), m_id},
            {str("ts"), ts},
            {str("nonce"), nonce},
            {str("auth_proof"),
             QString::fromLatin1(cortex::crypto::base64UrlEncode(m_key.sign(message)))},
            {str("context"),
             QJsonObject{{str("project_name"), project}, {str("file_content"), envFile}}}};
        QNetworkRequest request(url(str("/agent/discover")));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        return wait(m_nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact)));
    }

    AgentReply get(const QString &path, const QString &token)
    {
        QNetworkRequest request(url(path));
        request.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        return wait(m_nam.get(request));
    }

private:
    QUrl url(const QString &path) const
    {
        // Keep a %2F inside a segment as it is: it separates nothing.
        return QUrl(m_base.toString() + path, QUrl::StrictMode);
    }

    static AgentReply wait(QNetworkReply *reply)
    {
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, RequestTimeoutMs))
            reply->abort();
        AgentReply result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        result.body = reply->readAll();
        reply->deleteLater();
        return result;
    }

    QString m_id;
    cortex::crypto::SigningKey m_key = cortex::crypto::SigningKey::generate();
    QNetworkAccessManager m_nam;
    QUrl m_base;
};

} // namespace

class TestE2eAgentFlow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void agentFlow();
    void cleanupTestCase();

private:
    QString createSecret(const QString &keyPath, const QString &value, const QString &type);
    bool grant(const QString &project, const QString &secretId, const QString &env);

    QTemporaryDir m_tmp;
    std::unique_ptr<ServerProcess> m_server;
    HttpClient m_admin;
};

void TestE2eAgentFlow::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_server = std::make_unique<ServerProcess>(ServerBin, m_tmp.filePath(str("data")));
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), str("agent-flow-") + randomHex(8));
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    const QByteArray token = m_server->printedAdminToken();
    QVERIFY(!token.isEmpty());
    m_admin.setBaseUrl(m_server->url());
    m_admin.setAdminToken(token);
}

void TestE2eAgentFlow::cleanupTestCase()
{
    if (m_server && m_server->isRunning())
        QVERIFY(m_server->stop());
}

QString TestE2eAgentFlow::createSecret(const QString &keyPath, const QString &value,
                                       const QString &type)
{
    const HttpReply r = m_admin.post(
        str("/admin/secrets"),
        {{str("key_path"), keyPath}, {str("value"), value}, {str("secret_type"), type}});
    if (r.status != 201)
        qWarning("create %s: %s", qPrintable(keyPath), r.describe().constData());
    return r.object().value(str("id")).toString();
}

bool TestE2eAgentFlow::grant(const QString &project, const QString &secretId, const QString &env)
{
    const HttpReply r = m_admin.post(str("/admin/projects/%1/grants").arg(project),
                                     {{str("secret_id"), secretId}, {str("env_var_name"), env}});
    if (r.status != 201)
        qWarning("grant %s: %s", qPrintable(env), r.describe().constData());
    return r.status == 201;
}

void TestE2eAgentFlow::agentFlow()
{
    const QString project = str("shop");
    const QString password = str("s3cr&t<\"'>=");
    Agent agent(str("build-host-1"));
    agent.setBaseUrl(m_server->url());

    // Operator: the agent, two secrets and a template, granted to the project.
    const HttpReply registered =
        m_admin.post(str("/admin/agents"),
                     {{str("agent_id"), agent.id()}, {str("agent_pub"), agent.publicKey()}});
    QVERIFY2(registered.status == 201, registered.describe().constData());
    QVERIFY(grant(project, createSecret(str("shop/db-user"), str("shop"), str("KEY_VALUE")),
                  str("DB_USER")));
    QVERIFY(grant(project, createSecret(str("shop/db-password"), password, str("KEY_VALUE")),
                  str("DB_PASSWORD")));
    QVERIFY(grant(project,
                  createSecret(str("shop/db.conf"),
                               str("dsn=postgres://{{DB_USER}}:{{DB_PASSWORD}}@db"),
                               str("TEMPLATE_CONFIG")),
                  str("DB_CONF")));
    const QString envFile = str("DB_USER=\nDB_PASSWORD=\nDB_CONF=\n");

    // Agent: the first discover waits for the operator.
    const AgentReply pending = agent.discover(project, envFile);
    QVERIFY2(pending.status == 403 && pending.errorCode() == u"pending_approval",
             pending.body.constData());
    const QString grantId =
        pending.object().value(str("details")).toObject().value(str("grant_id")).toString();
    QVERIFY(!grantId.isEmpty());

    // Operator approves; the agent's next discover gets a token.
    const HttpReply approved =
        m_admin.post(str("/admin/pending-grants/%1/approve").arg(grantId), {});
    QVERIFY2(approved.status == 200, approved.describe().constData());
    const AgentReply discovered = agent.discover(project, envFile);
    QVERIFY2(discovered.status == 200, discovered.body.constData());
    const QString token = discovered.object().value(str("project_token")).toString();
    QVERIFY(!token.isEmpty());

    // Agent: env vars and a rendered config.
    const auto fetchAll = [&](const QString &what) {
        const AgentReply secrets = agent.get(str("/project/secrets/shop"), token);
        QVERIFY2(secrets.status == 200, qPrintable(what + u' ' + QString::fromUtf8(secrets.body)));
        const QJsonObject env = secrets.object().value(str("env_vars")).toObject();
        QCOMPARE(env.value(str("DB_USER")).toString(), str("shop"));
        QCOMPARE(env.value(str("DB_PASSWORD")).toString(), password);
        const AgentReply config = agent.get(str("/project/config/shop/shop%2Fdb.conf"), token);
        QVERIFY2(config.status == 200, qPrintable(what + u' ' + QString::fromUtf8(config.body)));
        QCOMPARE(config.contentType, QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(config.body, (str("dsn=postgres://shop:") + password + str("@db")).toUtf8());
    };
    fetchAll(str("before restart"));
    if (QTest::currentTestFailed())
        return;

    // A restart keeps the approval, the grants and the token.
    QVERIFY(m_server->stop());
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_admin.setBaseUrl(m_server->url());
    agent.setBaseUrl(m_server->url());
    fetchAll(str("after restart"));
    if (QTest::currentTestFailed())
        return;
    const HttpReply grants = m_admin.get(str("/admin/projects/shop/grants"));
    QVERIFY2(grants.status == 200 && grants.array().size() == 3, grants.describe().constData());

    // Operator pulls the kill switch: the very next request is refused.
    const HttpReply revoked = m_admin.post(str("/admin/projects/shop/revoke"), {});
    QVERIFY2(revoked.status == 200, revoked.describe().constData());
    const AgentReply denied = agent.get(str("/project/secrets/shop"), token);
    QVERIFY2(denied.status == 401 && denied.errorCode() == u"token_revoked",
             denied.body.constData());
    const AgentReply deniedConfig = agent.get(str("/project/config/shop/shop%2Fdb.conf"), token);
    QVERIFY2(deniedConfig.status == 401 && deniedConfig.errorCode() == u"token_revoked",
             deniedConfig.body.constData());
    // And a new discover waits for an operator again.
    const AgentReply again = agent.discover(project, envFile);
    QVERIFY2(again.status == 403 && again.errorCode() == u"pending_approval",
             again.body.constData());

    // No value reached the server's output.
    QVERIFY(!m_server->allOutput().contains(password.toUtf8()));
}

QTEST_MAIN(TestE2eAgentFlow)
#include "tst_e2e_agent_flow.moc"
