// /admin/namespaces: list, create and delete over HTTP.

#include "ServiceFixture.h"

#include <QTest>

using namespace cortex::test;

class TestNamespacesApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void defaultNamespaceExists();
    void createAndList();
    void createTrimsName();
    void duplicateIs409();
    void badCreateChangesNothing_data();
    void badCreateChangesNothing();
    void defaultCannotBeDeleted();
    void namespaceInUseCannotBeDeleted();
    void unknownNamespaceDeleteIs404();
    void deleteEmptyNamespace();

private:
    QStringList names();

    TestServer m_server;
};

void TestNamespacesApi::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
}

QStringList TestNamespacesApi::names()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/namespaces"));
    if (r.status != 200)
        qWarning("namespace list failed: %s", r.describe().constData());
    QStringList list;
    for (const QJsonValue &v : r.array())
        list.append(v.toObject().value(QStringLiteral("name")).toString());
    return list;
}

void TestNamespacesApi::defaultNamespaceExists()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/namespaces"));
    CHECK_STATUS(r, 200);
    QVERIFY(r.json().isArray());
    QVERIFY(names().contains(QStringLiteral("default")));
}

void TestNamespacesApi::createAndList()
{
    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/namespaces"),
                             {{QStringLiteral("name"), QStringLiteral("team-a")},
                              {QStringLiteral("description"), QStringLiteral("Team A's secrets")}});
    CHECK_STATUS(r, 201);
    QCOMPARE(r.object().value(QStringLiteral("name")), QJsonValue(QStringLiteral("team-a")));
    QCOMPARE(r.object().value(QStringLiteral("description")),
             QJsonValue(QStringLiteral("Team A's secrets")));
    QVERIFY(r.object().value(QStringLiteral("created_at")).isString());

    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                      {{QStringLiteral("name"), QStringLiteral("Alpha_1.x")}}),
                 201);
    const QStringList listed = names();
    QVERIFY(listed.contains(QStringLiteral("team-a")));
    QVERIFY(listed.contains(QStringLiteral("Alpha_1.x")));
    QStringList sorted = listed;
    sorted.sort();
    QCOMPARE(listed, sorted);

    for (const QJsonValue &v : m_server.http().get(QStringLiteral("/admin/namespaces")).array()) {
        if (v.toObject().value(u"name").toString() == u"team-a")
            QCOMPARE(v.toObject().value(u"description"),
                     QJsonValue(QStringLiteral("Team A's secrets")));
    }

    // A new namespace is immediately usable for secrets.
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/secrets"),
                                      {{QStringLiteral("namespace"), QStringLiteral("team-a")},
                                       {QStringLiteral("key_path"), QStringLiteral("k")},
                                       {QStringLiteral("value"), QStringLiteral("v")}}),
                 201);
}

void TestNamespacesApi::createTrimsName()
{
    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/namespaces"),
                             {{QStringLiteral("name"), QStringLiteral("  padded  ")}});
    CHECK_STATUS(r, 201);
    QCOMPARE(r.object().value(QStringLiteral("name")), QJsonValue(QStringLiteral("padded")));
    QVERIFY(names().contains(QStringLiteral("padded")));
    CHECK_ERROR(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                     {{QStringLiteral("name"), QStringLiteral("padded")}}),
                409, "namespace_exists");
}

void TestNamespacesApi::duplicateIs409()
{
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                      {{QStringLiteral("name"), QStringLiteral("twice")},
                                       {QStringLiteral("description"), QStringLiteral("first")}}),
                 201);
    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/namespaces"),
                             {{QStringLiteral("name"), QStringLiteral("twice")},
                              {QStringLiteral("description"), QStringLiteral("second")}});
    CHECK_ERROR(r, 409, "namespace_exists");
    CHECK_ERROR(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                     {{QStringLiteral("name"), QStringLiteral("default")}}),
                409, "namespace_exists");
    QCOMPARE(names().count(QStringLiteral("twice")), 1);
    for (const QJsonValue &v : m_server.http().get(QStringLiteral("/admin/namespaces")).array()) {
        if (v.toObject().value(u"name").toString() == u"twice")
            QCOMPARE(v.toObject().value(u"description"), QJsonValue(QStringLiteral("first")));
    }
}

void TestNamespacesApi::badCreateChangesNothing_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    const auto named = [](const QString &name) {
        return toJson({{QStringLiteral("name"), name}});
    };
    const QString invalid = QStringLiteral("invalid_namespace");
    QTest::newRow("empty") << named(QString()) << invalid;
    QTest::newRow("blank") << named(QStringLiteral("   ")) << invalid;
    QTest::newRow("inner space") << named(QStringLiteral("a b")) << invalid;
    QTest::newRow("slash") << named(QStringLiteral("a/b")) << invalid;
    QTest::newRow("leading dot") << named(QStringLiteral(".hidden")) << invalid;
    QTest::newRow("leading dash") << named(QStringLiteral("-x")) << invalid;
    QTest::newRow("dot-dot") << named(QStringLiteral("..")) << invalid;
    QTest::newRow("non-ascii") << named(QStringLiteral("\u00e9quipe")) << invalid;
    QTest::newRow("pipe") << named(QStringLiteral("a|b")) << invalid;
    QTest::newRow("65 characters") << named(QString(65, u'n')) << invalid;
    QTest::newRow("name is a number")
        << QByteArray(R"({"name":5})") << QStringLiteral("invalid_field");
    QTest::newRow("description is a number")
        << QByteArray(R"({"name":"okname","description":5})") << QStringLiteral("invalid_field");
    QTest::newRow("no name") << QByteArray(R"({"description":"x"})")
                             << QStringLiteral("missing_field");
    QTest::newRow("unknown field")
        << QByteArray(R"({"name":"okname2","owner":"me"})") << QStringLiteral("unknown_field");
    QTest::newRow("malformed json") << QByteArray(R"({"name":)") << QStringLiteral("invalid_json");
    QTest::newRow("empty body") << QByteArray() << QStringLiteral("invalid_json");
}

void TestNamespacesApi::badCreateChangesNothing()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const QStringList before = names();
    const HttpReply r = m_server.http().send("POST", QStringLiteral("/admin/namespaces"), body);
    CHECK_STATUS(r, 400);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(names(), before);
}

void TestNamespacesApi::defaultCannotBeDeleted()
{
    const HttpReply r = m_server.http().del(QStringLiteral("/admin/namespaces/default"));
    CHECK_ERROR(r, 400, "namespace_protected");
    QVERIFY(names().contains(QStringLiteral("default")));
}

void TestNamespacesApi::namespaceInUseCannotBeDeleted()
{
    const HttpReply created = m_server.http().post(
        QStringLiteral("/admin/secrets"), {{QStringLiteral("namespace"), QStringLiteral("busy")},
                                           {QStringLiteral("key_path"), QStringLiteral("a")},
                                           {QStringLiteral("value"), QStringLiteral("v")}});
    CHECK_STATUS(created, 201);
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/secrets"),
                                      {{QStringLiteral("namespace"), QStringLiteral("busy")},
                                       {QStringLiteral("key_path"), QStringLiteral("b")},
                                       {QStringLiteral("value"), QStringLiteral("v")}}),
                 201);

    const HttpReply r = m_server.http().del(QStringLiteral("/admin/namespaces/busy"));
    CHECK_ERROR(r, 409, "namespace_in_use");
    QCOMPARE(r.object().value(QStringLiteral("details")).toObject().value(u"secrets"),
             QJsonValue(2));
    QVERIFY(names().contains(QStringLiteral("busy")));
    const HttpReply stillThere =
        m_server.http().get(QStringLiteral("/admin/secrets?namespace=busy"));
    QCOMPARE(stillThere.array().size(), 2);

    // Once its secrets are gone, it can be deleted.
    for (const QJsonValue &v : stillThere.array())
        CHECK_STATUS(m_server.http().del(QStringLiteral("/admin/secrets/") +
                                         v.toObject().value(u"id").toString()),
                     200);
    CHECK_STATUS(m_server.http().del(QStringLiteral("/admin/namespaces/busy")), 200);
    QVERIFY(!names().contains(QStringLiteral("busy")));
}

void TestNamespacesApi::unknownNamespaceDeleteIs404()
{
    const QStringList before = names();
    CHECK_ERROR(m_server.http().del(QStringLiteral("/admin/namespaces/no-such-namespace")), 404,
                "namespace_not_found");
    QCOMPARE(names(), before);
}

void TestNamespacesApi::deleteEmptyNamespace()
{
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                      {{QStringLiteral("name"), QStringLiteral("short-lived")}}),
                 201);
    const HttpReply r = m_server.http().del(QStringLiteral("/admin/namespaces/short-lived"));
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("deleted")), QJsonValue(true));
    QCOMPARE(r.object().value(QStringLiteral("name")), QJsonValue(QStringLiteral("short-lived")));
    QVERIFY(!names().contains(QStringLiteral("short-lived")));
    CHECK_ERROR(m_server.http().del(QStringLiteral("/admin/namespaces/short-lived")), 404,
                "namespace_not_found");
    // The name can be used again.
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/namespaces"),
                                      {{QStringLiteral("name"), QStringLiteral("short-lived")}}),
                 201);
}

QTEST_GUILESS_MAIN(TestNamespacesApi)
#include "tst_namespaces_api.moc"
