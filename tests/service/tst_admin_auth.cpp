// The X-Admin-Token check on every admin route (each route the server registers, not a list
// kept by hand): missing, wrong, and checked before the body is looked at, so an
// unauthenticated caller learns nothing and changes nothing; and exactly which routes are open.

#include "ServiceFixture.h"

#include <QSet>
#include <QTest>

using namespace cortex::test;
using Auth = HttpClient::Auth;

class TestAdminAuth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void everyAdminRouteNeedsTheToken_data();
    void everyAdminRouteNeedsTheToken();
    void onlyTheseRoutesAreOpen();
    void headerNameIsCaseInsensitive();
    void tokenIsCaseSensitive();
    void nothingChangedWithoutTheToken();
    void noTokenReachesTheLog();

private:
    TestServer m_server;
    QString m_secretId;
};

void TestAdminAuth::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    QVERIFY(m_server.adminToken().startsWith("cvadm_"));
    const HttpReply created =
        m_server.http().post(QStringLiteral("/admin/secrets"),
                             {{QStringLiteral("namespace"), QStringLiteral("guarded")},
                              {QStringLiteral("key_path"), QStringLiteral("guarded/key")},
                              {QStringLiteral("value"), QStringLiteral("guarded-value")}});
    CHECK_STATUS(created, 201);
    m_secretId = created.object().value(QStringLiteral("id")).toString();
}

void TestAdminAuth::everyAdminRouteNeedsTheToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("validBody");

    const QString secret = QStringLiteral("/admin/secrets/%1");
    QTest::newRow("list secrets") << QByteArray("GET") << QStringLiteral("/admin/secrets")
                                  << QByteArray();
    QTest::newRow("create secret") << QByteArray("POST") << QStringLiteral("/admin/secrets")
                                   << QByteArray(R"({"key_path":"auth/new","value":"v"})");
    QTest::newRow("get secret") << QByteArray("GET") << secret << QByteArray();
    QTest::newRow("update secret")
        << QByteArray("PUT") << secret << QByteArray(R"({"value":"overwritten"})");
    QTest::newRow("delete secret") << QByteArray("DELETE") << secret << QByteArray();
    QTest::newRow("versions") << QByteArray("GET") << secret + QStringLiteral("/versions")
                              << QByteArray();
    QTest::newRow("rollback") << QByteArray("POST") << secret + QStringLiteral("/rollback")
                              << QByteArray(R"({"version":1})");
    QTest::newRow("list namespaces")
        << QByteArray("GET") << QStringLiteral("/admin/namespaces") << QByteArray();
    QTest::newRow("create namespace") << QByteArray("POST") << QStringLiteral("/admin/namespaces")
                                      << QByteArray(R"({"name":"auth-ns"})");
    QTest::newRow("delete namespace")
        << QByteArray("DELETE") << QStringLiteral("/admin/namespaces/guarded") << QByteArray();
    QTest::newRow("import dotenv") << QByteArray("POST") << QStringLiteral("/admin/import/dotenv")
                                   << QByteArray(R"({"content":"AUTH_IMPORT=1"})");
    QTest::newRow("seal") << QByteArray("POST") << QStringLiteral("/sys/seal") << QByteArray("{}");

    // And every route the server has that asks for the token, as registered: a route added
    // later is covered without being listed here.
    for (const cortex::http::Route &route : m_server.server().router().routes())
        if (route.options.requiresAdmin)
            QTest::addRow("%s", qPrintable(routeName(route)))
                << route.method << pathMatching(route) << QByteArray("{}");
}

void TestAdminAuth::onlyTheseRoutesAreOpen()
{
    // Routes that answer without the admin token, each for a reason. A new route is refused
    // here until it either asks for the token or is added with its reason.
    const QSet<QString> expected{
        // Liveness and the seal state, for load balancers and the console before it logs in.
        QStringLiteral("GET /health"),
        QStringLiteral("GET /sys/seal-status"),
        // Public keys: anyone may verify a project token or an audit checkpoint offline.
        QStringLiteral("GET /.well-known/jwks.json"),
        QStringLiteral("GET /.well-known/audit-jwks.json"),
        // Holders of a password or a share need not be admins; init works only once.
        QStringLiteral("POST /sys/init"),
        QStringLiteral("POST /sys/unseal"),
        QStringLiteral("POST /sys/change-password"), // current_password, or the admin token
        QStringLiteral("GET /sys/rekey/init"),       // progress only
        QStringLiteral("POST /sys/rekey/update"),
        QStringLiteral("POST /sys/rekey/verify"),
        // The agents' own API: a signed proof, then a project token.
        QStringLiteral("POST /agent/discover"),
        QStringLiteral("GET /project/secrets/{project}"),
        QStringLiteral("GET /project/config/{project}/{template}"),
    };
    const QString difference = setDifference(
        routeNames(m_server.server().router().routes(),
                   [](const cortex::http::Route &route) { return !route.options.requiresAdmin; }),
        expected);
    QVERIFY2(difference.isEmpty(), qPrintable(QStringLiteral("open routes: ") + difference));
}

void TestAdminAuth::everyAdminRouteNeedsTheToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, validBody);
    if (path.contains(u'%'))
        path = path.arg(m_secretId);
    const QByteArray wrongToken = "cvadm_" + QByteArray(43, 'A');

    struct Attempt
    {
        const char *what;
        QByteArray body;
        HeaderList headers;
        const char *code;
    };
    const QList<Attempt> attempts{
        {"no header, valid body", validBody, {}, "missing_admin_token"},
        {"empty header", validBody, {{"X-Admin-Token", ""}}, "missing_admin_token"},
        {"wrong token, valid body",
         validBody,
         {{"X-Admin-Token", wrongToken}},
         "invalid_admin_token"},
        {"token with a suffix",
         validBody,
         {{"X-Admin-Token", m_server.adminToken() + "x"}},
         "invalid_admin_token"},
        {"token prefix only",
         validBody,
         {{"X-Admin-Token", m_server.adminToken().left(20)}},
         "invalid_admin_token"},
        // Authentication comes before any look at the body.
        {"no header, malformed body", QByteArray("{\"broken"), {}, "missing_admin_token"},
        {"wrong token, malformed body",
         QByteArray("{\"broken"),
         {{"X-Admin-Token", wrongToken}},
         "invalid_admin_token"},
        {"no header, unknown field", QByteArray(R"({"nonsense":true})"), {}, "missing_admin_token"},
    };
    for (const Attempt &a : attempts) {
        const HttpReply r = m_server.http().send(method, path, a.body, Auth::None, a.headers);
        QVERIFY2(r.status == 401 && r.errorCode() == QString::fromLatin1(a.code),
                 QByteArray(QByteArray(a.what) + ": " + r.describe()).constData());
        QVERIFY(r.hasHeader("X-Request-Id"));
        // The presented token is never echoed back.
        QVERIFY(!r.body.contains(wrongToken));
        QVERIFY(!r.body.contains("guarded-value"));
    }
}

void TestAdminAuth::headerNameIsCaseInsensitive()
{
    const HttpReply r =
        m_server.http().send("GET", QStringLiteral("/admin/secrets/") + m_secretId, {}, Auth::None,
                             {{"x-admin-token", m_server.adminToken()}});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("guarded-value")));
}

void TestAdminAuth::tokenIsCaseSensitive()
{
    QByteArray flipped = m_server.adminToken();
    // Flip the case of the first letter after the "cvadm_" prefix that has a case.
    for (qsizetype i = 6; i < flipped.size(); ++i) {
        const char c = flipped[i];
        if (c >= 'a' && c <= 'z') {
            flipped[i] = char(c - 'a' + 'A');
            break;
        }
        if (c >= 'A' && c <= 'Z') {
            flipped[i] = char(c - 'A' + 'a');
            break;
        }
    }
    QVERIFY(flipped != m_server.adminToken());
    const HttpReply r = m_server.http().send("GET", QStringLiteral("/admin/secrets"), {},
                                             Auth::None, {{"X-Admin-Token", flipped}});
    CHECK_ERROR(r, 401, "invalid_admin_token");
}

void TestAdminAuth::nothingChangedWithoutTheToken()
{
    // Runs after the data-driven attempts above: none of them may have changed anything.
    const HttpReply secret = m_server.http().get(QStringLiteral("/admin/secrets/") + m_secretId);
    CHECK_STATUS(secret, 200);
    QCOMPARE(secret.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("guarded-value")));
    QCOMPARE(secret.object().value(QStringLiteral("current_version")), QJsonValue(1));
    const HttpReply list = m_server.http().get(QStringLiteral("/admin/secrets"));
    QCOMPARE(list.array().size(), 1);
    QStringList names;
    for (const QJsonValue &v : m_server.http().get(QStringLiteral("/admin/namespaces")).array())
        names.append(v.toObject().value(u"name").toString());
    QCOMPARE(names, (QStringList{QStringLiteral("default"), QStringLiteral("guarded")}));
    const HttpReply status = m_server.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    QCOMPARE(status.object().value(QStringLiteral("sealed")), QJsonValue(false));
}

void TestAdminAuth::noTokenReachesTheLog()
{
    QVERIFY(!capturedLog().isEmpty());
    QVERIFY(!logContains(QString::fromLatin1(m_server.adminToken())));
    QVERIFY(!logContains(QString::fromLatin1(m_server.adminToken().left(20))));
    QVERIFY(!logContains(QStringLiteral("cvadm_AAAAAAAA")));
    QVERIFY(!logContains(QStringLiteral("guarded-value")));
}

QTEST_GUILESS_MAIN(TestAdminAuth)
#include "tst_admin_auth.moc"
