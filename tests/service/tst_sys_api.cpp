// /sys/seal-status, /sys/unseal, /sys/seal and /health over HTTP, as an operator sees them.

#include "ServiceFixture.h"

#include <QSet>
#include <QTest>

using namespace cortex::test;
using Auth = HttpClient::Auth;

class TestSysApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void sealStatusWhenUnsealed();
    void healthWhenUnsealed();
    void sealNeedsAdminToken();
    void sealClosesEveryAdminRoute_data();
    void sealClosesEveryAdminRoute();
    void sealClosesEveryRegisteredRoute();
    void sealedHealthAndStatus();
    void unsealWithWrongPasswordStaysSealed();
    void unsealRejectsBadBodies_data();
    void unsealRejectsBadBodies();
    void unsealWithRightPasswordRestoresData();
    void sealIsIdempotent();
    void restartStartsSealedAndKeepsData();
    void uninitializedVaultCannotBeUnsealed();
    void noPasswordOrTokenIsLogged();

private:
    void seal();
    void unseal();
    bool isSealed();

    TestServer m_server;
    QString m_secretId;
};

void TestSysApi::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    const HttpReply created = m_server.http().post(
        QStringLiteral("/admin/secrets"),
        {{QStringLiteral("key_path"), QStringLiteral("sys/kept")},
         {QStringLiteral("value"), QStringLiteral("survives sealing \u00e9\u4e16")}});
    CHECK_STATUS(created, 201);
    m_secretId = created.object().value(QStringLiteral("id")).toString();
}

void TestSysApi::cleanup()
{
    // Every test starts unsealed, whatever the previous one left.
    if (isSealed())
        unseal();
}

void TestSysApi::seal()
{
    const HttpReply r = m_server.http().post(QStringLiteral("/sys/seal"), {});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("sealed")).toBool(), true);
}

void TestSysApi::unseal()
{
    const HttpReply r = m_server.http().post(
        QStringLiteral("/sys/unseal"),
        {{QStringLiteral("password"), QString::fromUtf8(TestServer::password())}}, Auth::None);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("sealed")).toBool(), false);
}

bool TestSysApi::isSealed()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    return r.object().value(QStringLiteral("sealed")).toBool(true);
}

void TestSysApi::sealStatusWhenUnsealed()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    const QJsonObject status = r.object();
    QCOMPARE(status.value(QStringLiteral("initialized")), QJsonValue(true));
    QCOMPARE(status.value(QStringLiteral("sealed")), QJsonValue(false));
    QVERIFY(status.value(QStringLiteral("version")).isString());
    QVERIFY(status.value(QStringLiteral("unseal_methods"))
                .toArray()
                .contains(QJsonValue(QStringLiteral("password"))));
}

void TestSysApi::healthWhenUnsealed()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/health"), Auth::None);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("sealed")), QJsonValue(false));
    QCOMPARE(r.object().value(QStringLiteral("status")), QJsonValue(QStringLiteral("ok")));
}

void TestSysApi::sealNeedsAdminToken()
{
    const HttpReply none = m_server.http().post(QStringLiteral("/sys/seal"), {}, Auth::None);
    CHECK_ERROR(none, 401, "missing_admin_token");
    const HttpReply wrong =
        m_server.http().send("POST", QStringLiteral("/sys/seal"), "{}", Auth::None,
                             {{"X-Admin-Token", "cvadm_not-the-token"}});
    CHECK_ERROR(wrong, 401, "invalid_admin_token");
    QVERIFY(!isSealed());
    CHECK_STATUS(m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId), 200);
}

void TestSysApi::sealClosesEveryAdminRoute_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");

    const QString secret = QStringLiteral("/admin/secrets/%1");
    QTest::newRow("list secrets") << QByteArray("GET") << QStringLiteral("/admin/secrets")
                                  << QByteArray();
    QTest::newRow("create secret") << QByteArray("POST") << QStringLiteral("/admin/secrets")
                                   << QByteArray(R"({"key_path":"sealed/new","value":"v"})");
    QTest::newRow("get secret") << QByteArray("GET") << secret << QByteArray();
    QTest::newRow("update secret")
        << QByteArray("PUT") << secret << QByteArray(R"({"value":"changed while sealed"})");
    QTest::newRow("delete secret") << QByteArray("DELETE") << secret << QByteArray();
    QTest::newRow("versions") << QByteArray("GET") << secret + QStringLiteral("/versions")
                              << QByteArray();
    QTest::newRow("rollback") << QByteArray("POST") << secret + QStringLiteral("/rollback")
                              << QByteArray(R"({"version":1})");
    QTest::newRow("list namespaces")
        << QByteArray("GET") << QStringLiteral("/admin/namespaces") << QByteArray();
    QTest::newRow("create namespace") << QByteArray("POST") << QStringLiteral("/admin/namespaces")
                                      << QByteArray(R"({"name":"sealed-ns"})");
    QTest::newRow("delete namespace")
        << QByteArray("DELETE") << QStringLiteral("/admin/namespaces/default") << QByteArray();
    QTest::newRow("import dotenv") << QByteArray("POST") << QStringLiteral("/admin/import/dotenv")
                                   << QByteArray(R"({"content":"SEALED_IMPORT=1"})");
}

void TestSysApi::sealClosesEveryAdminRoute()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    if (path.contains(u'%'))
        path = path.arg(m_secretId);

    seal();
    const HttpReply r = m_server.http().send(method, path, body);
    CHECK_ERROR(r, 503, "sealed");
    QCOMPARE(r.object().value(QStringLiteral("error")),
             QJsonValue(QStringLiteral("vault is sealed")));
    QVERIFY(r.hasHeader("X-Request-Id"));

    // Nothing happened while sealed: the secret is still there with its single version.
    unseal();
    const HttpReply kept = m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId);
    CHECK_STATUS(kept, 200);
    QCOMPARE(kept.object().value(QStringLiteral("current_version")), QJsonValue(1));
    const HttpReply list = m_server.http().get(QStringLiteral("/admin/secrets"));
    QCOMPARE(list.array().size(), 1);
    const HttpReply namespaces = m_server.http().get(QStringLiteral("/admin/namespaces"));
    QCOMPARE(namespaces.array().size(), 1);
}

void TestSysApi::sealClosesEveryRegisteredRoute()
{
    // Every route the server registers, not a list kept by hand: those not meant for a sealed
    // vault answer 503 sealed (before the token or the body is looked at), and the ones that
    // stay open are exactly these.
    const QSet<QString> openWhileSealed{
        QStringLiteral("GET /health"),
        QStringLiteral("GET /sys/seal-status"),
        QStringLiteral("POST /sys/init"),
        QStringLiteral("POST /sys/unseal"),
        QStringLiteral("POST /sys/seal"),            // idempotent
        QStringLiteral("POST /sys/change-password"), // with current_password
        QStringLiteral("GET /sys/rekey/init"),       // progress: none while sealed
        // Public keys are not secret: tokens and audit exports verify while the vault is sealed.
        QStringLiteral("GET /.well-known/jwks.json"),
        QStringLiteral("GET /.well-known/audit-jwks.json"),
    };
    seal();
    for (const cortex::http::Route &route : m_server.server().router().routes()) {
        if (route.options.allowedWhileSealed)
            continue;
        const HttpReply r = m_server.http().send(route.method, pathMatching(route), "{}");
        QVERIFY2(
            r.status == 503 && r.errorCode() == u"sealed",
            qPrintable(routeName(route) + QStringLiteral(": ") + QString::fromUtf8(r.describe())));
    }
    unseal();
    const QString difference = setDifference(routeNames(m_server.server().router().routes(),
                                                        [](const cortex::http::Route &route) {
                                                            return route.options.allowedWhileSealed;
                                                        }),
                                             openWhileSealed);
    QVERIFY2(difference.isEmpty(), qPrintable(QStringLiteral("open while sealed: ") + difference));
}

void TestSysApi::sealedHealthAndStatus()
{
    seal();
    const HttpReply status = m_server.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    CHECK_STATUS(status, 200);
    QCOMPARE(status.object().value(QStringLiteral("sealed")), QJsonValue(true));
    QCOMPARE(status.object().value(QStringLiteral("initialized")), QJsonValue(true));

    const HttpReply health = m_server.http().get(QStringLiteral("/health"), Auth::None);
    CHECK_ERROR(health, 503, "sealed");
    QCOMPARE(health.object().value(QStringLiteral("sealed")), QJsonValue(true));
}

void TestSysApi::unsealWithWrongPasswordStaysSealed()
{
    seal();
    const HttpReply r = m_server.http().post(
        QStringLiteral("/sys/unseal"),
        {{QStringLiteral("password"), QStringLiteral("wrong horse")}}, Auth::None);
    CHECK_ERROR(r, 401, "invalid_password");
    QVERIFY(!r.body.contains("wrong horse"));
    QVERIFY(isSealed());
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets")), 503, "sealed");
    CHECK_ERROR(m_server.http().get(QStringLiteral("/health"), Auth::None), 503, "sealed");
}

void TestSysApi::unsealRejectsBadBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    QTest::newRow("empty password")
        << QByteArray(R"({"password":""})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("no password") << QByteArray("{}") << 400 << QStringLiteral("missing_field");
    QTest::newRow("null password")
        << QByteArray(R"({"password":null})") << 400 << QStringLiteral("missing_field");
    QTest::newRow("empty body") << QByteArray() << 400 << QStringLiteral("invalid_json");
    QTest::newRow("malformed json")
        << QByteArray(R"({"password":)") << 400 << QStringLiteral("invalid_json");
    QTest::newRow("not an object")
        << QByteArray(R"(["password"])") << 400 << QStringLiteral("invalid_json");
    QTest::newRow("password is a number")
        << QByteArray(R"({"password":12345})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("password is an array")
        << QByteArray(R"({"password":["a"]})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("unknown field")
        << QByteArray(R"({"password":"correct horse battery staple","pasword":"x"})") << 400
        << QStringLiteral("unknown_field");
    QTest::newRow("password and share")
        << QByteArray(R"({"password":"correct horse battery staple","share":"x"})") << 400
        << QStringLiteral("invalid_field");
}

void TestSysApi::unsealRejectsBadBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);

    seal();
    const HttpReply r =
        m_server.http().send("POST", QStringLiteral("/sys/unseal"), body, Auth::None);
    CHECK_STATUS(r, status);
    QCOMPARE(r.errorCode(), code);
    // A rejected body never unseals, even when it carries the right password.
    QVERIFY(isSealed());
}

void TestSysApi::unsealWithRightPasswordRestoresData()
{
    seal();
    unseal();
    QVERIFY(!isSealed());
    CHECK_STATUS(m_server.http().get(QStringLiteral("/health"), Auth::None), 200);
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("value")).toString(),
             QStringLiteral("survives sealing \u00e9\u4e16"));
}

void TestSysApi::sealIsIdempotent()
{
    seal();
    seal(); // sealing a sealed vault is fine and keeps it sealed
    QVERIFY(isSealed());
    unseal();
    // Unsealing an unsealed vault is fine too.
    unseal();
    QVERIFY(!isSealed());
}

void TestSysApi::restartStartsSealedAndKeepsData()
{
    QString error;
    QVERIFY2(m_server.restart(&error), qPrintable(error));
    QVERIFY(isSealed());
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId), 503, "sealed");
    unseal();
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("value")).toString(),
             QStringLiteral("survives sealing \u00e9\u4e16"));
    // The admin token is the one issued at initialisation.
    CHECK_STATUS(m_server.http().get(QStringLiteral("/admin/namespaces")), 200);
}

void TestSysApi::uninitializedVaultCannotBeUnsealed()
{
    TestServer fresh;
    QString error;
    QVERIFY2(fresh.startUninitialized(&error), qPrintable(error));
    const HttpReply status = fresh.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    CHECK_STATUS(status, 200);
    QCOMPARE(status.object().value(QStringLiteral("initialized")), QJsonValue(false));
    QCOMPARE(status.object().value(QStringLiteral("sealed")), QJsonValue(true));
    CHECK_ERROR(fresh.http().post(QStringLiteral("/sys/unseal"),
                                  {{QStringLiteral("password"), QStringLiteral("anything")}},
                                  Auth::None),
                400, "not_initialized");
    CHECK_ERROR(fresh.http().get(QStringLiteral("/health"), Auth::None), 503, "sealed");
    CHECK_ERROR(fresh.http().get(QStringLiteral("/admin/secrets"), Auth::None), 503, "sealed");
}

void TestSysApi::noPasswordOrTokenIsLogged()
{
    QVERIFY(!capturedLog().isEmpty()); // requests are logged, so there is something to check
    QVERIFY(!logContains(QString::fromUtf8(TestServer::password())));
    QVERIFY(!logContains(QStringLiteral("wrong horse")));
    QVERIFY(!logContains(QString::fromLatin1(m_server.adminToken())));
    QVERIFY(!logContains(QStringLiteral("cvadm_not-the-token")));
    QVERIFY(!logContains(QStringLiteral("survives sealing")));
}

QTEST_GUILESS_MAIN(TestSysApi)
#include "tst_sys_api.moc"
