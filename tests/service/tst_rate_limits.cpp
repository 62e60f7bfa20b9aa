// Rate limits of the agent-facing routes: discovers per client, failed proofs per agent and
// client, failed token attempts per client; 429 with Retry-After; X-Forwarded-For believed only
// from a trusted proxy; wrong passwords (unseal, change-password) per client.

#include "AgentHelpers.h"

#include <QJsonDocument>
#include <QTest>

using namespace cortex::test;

class TestRateLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void discoversPerClientAreLimitedAndRefill();
    void failedProofsLockOutOnlyThatClient();
    void failedTokensAreLimitedPerClient();
    void forwardedForIgnoredWithoutTrustedProxy();
    void wrongPasswordsAreLimitedPerClient();

private:
    HttpReply discoverFrom(const QString &client, const QJsonObject &body);
    HttpReply fetchFrom(const QString &client, const QString &token);
    void startServer(bool trustLoopbackProxy);

    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<AccessDriver> m_access;
    TestAgent m_agent{QStringLiteral("rate-agent")};
};

void TestRateLimits::startServer(bool trustLoopbackProxy)
{
    // Read once, when the server is built: set it before.
    if (trustLoopbackProxy)
        qputenv("CORTEX_TRUSTED_PROXIES", "127.0.0.1");
    else
        qunsetenv("CORTEX_TRUSTED_PROXIES");
    m_server = std::make_unique<TestServer>();
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(*m_server);
    QCOMPARE(m_access->registerAgent(m_agent).status, 201);
}

void TestRateLimits::init()
{
    startServer(true);
}

void TestRateLimits::cleanup()
{
    m_access.reset();
    m_server.reset();
    qunsetenv("CORTEX_TRUSTED_PROXIES");
}

HttpReply TestRateLimits::discoverFrom(const QString &client, const QJsonObject &body)
{
    return m_server->http().send("POST", QStringLiteral("/agent/discover"),
                                 QJsonDocument(body).toJson(QJsonDocument::Compact),
                                 HttpClient::Auth::None,
                                 {{QByteArrayLiteral("X-Forwarded-For"), client.toLatin1()}});
}

HttpReply TestRateLimits::fetchFrom(const QString &client, const QString &token)
{
    return m_server->http().send(
        "GET", QStringLiteral("/project/secrets/app"), {}, HttpClient::Auth::None,
        {{QByteArrayLiteral("X-Forwarded-For"), client.toLatin1()},
         {QByteArrayLiteral("Authorization"), "Bearer " + token.toLatin1()}});
}

void TestRateLimits::discoversPerClientAreLimitedAndRefill()
{
    const QString busy = QStringLiteral("10.0.0.1");
    for (int i = 0; i < 60; ++i) {
        const HttpReply r = discoverFrom(
            busy, m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                       QStringLiteral("app"), QStringLiteral("A=1\n")));
        QVERIFY2(r.status == 403 && r.errorCode() == u"pending_approval", r.describe().constData());
    }
    const HttpReply limited =
        discoverFrom(busy, m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                                QStringLiteral("app"), QStringLiteral("A=1\n")));
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.errorCode(), QStringLiteral("rate_limited"));
    const int retryAfter = limited.header("Retry-After").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 60, limited.describe().constData());

    // Another client is not affected.
    const HttpReply other =
        discoverFrom(QStringLiteral("10.0.0.2"),
                     m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                          QStringLiteral("app"), QStringLiteral("A=1\n")));
    QCOMPARE(other.status, 403);

    // Waiting as long as Retry-After says is enough.
    m_server->clock().advanceSeconds(retryAfter);
    const HttpReply again =
        discoverFrom(busy, m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                                QStringLiteral("app"), QStringLiteral("A=1\n")));
    QCOMPARE(again.status, 403);
}

void TestRateLimits::failedProofsLockOutOnlyThatClient()
{
    const QString attacker = QStringLiteral("10.0.0.3");
    TestAgent impostor{m_agent.id}; // same id, another key: every proof fails
    for (int i = 0; i < 10; ++i) {
        const HttpReply r = discoverFrom(
            attacker, impostor.discoverBody(m_access->now(), m_access->nextNonce(),
                                            QStringLiteral("app"), QStringLiteral("A=1\n")));
        QCOMPARE(r.status, 401);
    }
    // From that client even a correct proof now waits...
    const HttpReply locked = discoverFrom(
        attacker, m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                       QStringLiteral("app"), QStringLiteral("A=1\n")));
    QCOMPARE(locked.status, 429);
    QVERIFY(locked.hasHeader("Retry-After"));
    // ...but the real agent on its own host is not locked out by the stranger.
    const HttpReply real =
        discoverFrom(QStringLiteral("10.0.0.4"),
                     m_agent.discoverBody(m_access->now(), m_access->nextNonce(),
                                          QStringLiteral("app"), QStringLiteral("A=1\n")));
    QCOMPARE(real.status, 403);
    QCOMPARE(real.errorCode(), QStringLiteral("pending_approval"));
}

void TestRateLimits::failedTokensAreLimitedPerClient()
{
    const QString guesser = QStringLiteral("10.0.0.5");
    for (int i = 0; i < 30; ++i)
        QCOMPARE(fetchFrom(guesser, QStringLiteral("cvpt_guess%1").arg(i)).status, 401);
    const HttpReply limited = fetchFrom(guesser, QStringLiteral("cvpt_guess-more"));
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.errorCode(), QStringLiteral("rate_limited"));
    QVERIFY(limited.hasHeader("Retry-After"));
    QCOMPARE(fetchFrom(QStringLiteral("10.0.0.6"), QStringLiteral("cvpt_other")).status, 401);
}

void TestRateLimits::forwardedForIgnoredWithoutTrustedProxy()
{
    cleanup();
    startServer(false);
    for (int i = 0; i < 30; ++i)
        QCOMPARE(
            fetchFrom(QStringLiteral("10.0.1.%1").arg(i), QStringLiteral("cvpt_x%1").arg(i)).status,
            401);
    // A forged X-Forwarded-For does not give a fresh budget: the peer is what counts.
    QCOMPARE(fetchFrom(QStringLiteral("10.0.2.1"), QStringLiteral("cvpt_y")).status, 429);
}

void TestRateLimits::wrongPasswordsAreLimitedPerClient()
{
    // Unseal and change-password need no token and cost an Argon2id derivation each: a client
    // gets 10 wrong passwords a minute, shared by both routes.
    const auto post = [this](const QString &client, const char *path, const QJsonObject &body) {
        return m_server->http().send(
            "POST", QString::fromLatin1(path), QJsonDocument(body).toJson(QJsonDocument::Compact),
            HttpClient::Auth::None, {{QByteArrayLiteral("X-Forwarded-For"), client.toLatin1()}});
    };
    const QString right = QString::fromUtf8(TestServer::password());
    const QString guesser = QStringLiteral("10.0.0.7");
    CHECK_STATUS(m_server->http().post(QStringLiteral("/sys/seal"), {}), 200);
    for (int i = 0; i < 9; ++i)
        CHECK_ERROR(post(guesser, "/sys/unseal",
                         {{QStringLiteral("password"), QStringLiteral("guess-%1").arg(i)}}),
                    401, "invalid_password");
    CHECK_ERROR(post(guesser, "/sys/change-password",
                     {{QStringLiteral("current_password"), QStringLiteral("guess-9")},
                      {QStringLiteral("new_password"), QStringLiteral("a new long password")}}),
                401, "invalid_password");
    // The budget is spent: even the right password waits, and nothing is tried.
    const HttpReply limited = post(guesser, "/sys/unseal", {{QStringLiteral("password"), right}});
    CHECK_ERROR(limited, 429, "rate_limited");
    const int retryAfter = limited.header("Retry-After").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 60, limited.describe().constData());
    CHECK_ERROR(post(guesser, "/sys/change-password",
                     {{QStringLiteral("current_password"), right},
                      {QStringLiteral("new_password"), QStringLiteral("a new long password")}}),
                429, "rate_limited");
    CHECK_ERROR(m_server->http().get(QStringLiteral("/admin/secrets")), 503, "sealed");

    // The operator at another address unseals.
    CHECK_STATUS(
        post(QStringLiteral("10.0.0.8"), "/sys/unseal", {{QStringLiteral("password"), right}}),
        200);
    CHECK_STATUS(m_server->http().get(QStringLiteral("/admin/secrets")), 200);
    // Once Retry-After has passed the guesser may try again (and is told it is wrong).
    m_server->clock().advanceSeconds(retryAfter);
    CHECK_ERROR(post(guesser, "/sys/change-password",
                     {{QStringLiteral("current_password"), QStringLiteral("guess-10")},
                      {QStringLiteral("new_password"), QStringLiteral("a new long password")}}),
                401, "invalid_password");
}

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_rate_limits.moc"
