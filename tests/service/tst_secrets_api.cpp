// /admin/secrets: create, list, read, update, versions, rollback and delete over HTTP.

#include "ServiceFixture.h"

#include <QSet>
#include <QTest>

using namespace cortex::test;

namespace {

QJsonObject secretBody(const QString &keyPath, const QString &value, const QString &ns = QString())
{
    QJsonObject body{{QStringLiteral("key_path"), keyPath}, {QStringLiteral("value"), value}};
    if (!ns.isEmpty())
        body.insert(QStringLiteral("namespace"), ns);
    return body;
}

QStringList keyPathsOf(const QJsonArray &list)
{
    QStringList paths;
    for (const QJsonValue &v : list)
        paths.append(v.toObject().value(QStringLiteral("key_path")).toString());
    return paths;
}

} // namespace

class TestSecretsApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void createReturns201WithMetadata();
    void createAutoCreatesNamespace();
    void sameKeyPathInTwoNamespaces();
    void duplicateInOneNamespaceIs409();
    void rejectedCreateStoresNothing_data();
    void rejectedCreateStoresNothing();
    void valueAtTheLimitIsAccepted();
    void valuesRoundTripExactly_data();
    void valuesRoundTripExactly();
    void jsonConfigAcceptsValidJson();

    void listShowsMetadataOnly();
    void listFiltersByNamespace();
    void listPrefixIsRecursiveOnSegments();

    void getUnknownIdIs404();
    void getRejectsBadVersion_data();
    void getRejectsBadVersion();
    void honeyTokenValueNeverLeaves();

    void putValueAddsVersionAndKeepsOld();
    void putDescriptionOnlyKeepsVersion();
    void putRejectsBadBodies_data();
    void putRejectsBadBodies();
    void putUnknownIdIs404();

    void versionsListNewestFirst();
    void rollbackAppendsOldValue();
    void rollbackRejects_data();
    void rollbackRejects();

    void deleteRemovesSecretAndVersions();
    void noValueReachesTheLog();

private:
    QString create(const QJsonObject &body);
    QJsonArray listAll();
    QJsonArray namespaces();

    TestServer m_server;
};

void TestSecretsApi::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
}

QString TestSecretsApi::create(const QJsonObject &body)
{
    const HttpReply r = m_server.http().post(QStringLiteral("/admin/secrets"), body);
    if (r.status != 201)
        qWarning("create failed: %s", r.describe().constData());
    return r.object().value(QStringLiteral("id")).toString();
}

QJsonArray TestSecretsApi::listAll()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets"));
    if (r.status != 200)
        qWarning("list failed: %s", r.describe().constData());
    return r.array();
}

QJsonArray TestSecretsApi::namespaces()
{
    return m_server.http().get(QStringLiteral("/admin/namespaces")).array();
}

// ---- create -------------------------------------------------------------------------------

void TestSecretsApi::createReturns201WithMetadata()
{
    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/secrets"),
                             {{QStringLiteral("key_path"), QStringLiteral("svc/db/password")},
                              {QStringLiteral("value"), QStringLiteral("hunter2-create")},
                              {QStringLiteral("description"), QStringLiteral("primary database")}});
    CHECK_STATUS(r, 201);
    const QJsonObject o = r.object();
    QVERIFY2(o.value(QStringLiteral("id")).toString().startsWith(u"sec_"), r.body.constData());
    QCOMPARE(o.value(QStringLiteral("key_path")), QJsonValue(QStringLiteral("svc/db/password")));
    QCOMPARE(o.value(QStringLiteral("namespace")), QJsonValue(QStringLiteral("default")));
    QCOMPARE(o.value(QStringLiteral("version")), QJsonValue(1));
    QCOMPARE(o.value(QStringLiteral("secret_type")), QJsonValue(QStringLiteral("KEY_VALUE")));
    QVERIFY(!r.body.contains("hunter2-create"));

    const HttpReply got =
        m_server.http().get(QStringLiteral("/admin/secrets/") + o.value(u"id").toString());
    CHECK_STATUS(got, 200);
    QCOMPARE(got.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("hunter2-create")));
    QCOMPARE(got.object().value(QStringLiteral("description")),
             QJsonValue(QStringLiteral("primary database")));
    QCOMPARE(got.object().value(QStringLiteral("version")), QJsonValue(1));
}

void TestSecretsApi::createAutoCreatesNamespace()
{
    const auto hasNamespace = [this](const QString &name) {
        for (const QJsonValue &v : namespaces()) {
            if (v.toObject().value(QStringLiteral("name")).toString() == name)
                return true;
        }
        return false;
    };
    QVERIFY(!hasNamespace(QStringLiteral("auto-created")));
    const HttpReply r = m_server.http().post(
        QStringLiteral("/admin/secrets"),
        secretBody(QStringLiteral("k"), QStringLiteral("v"), QStringLiteral("auto-created")));
    CHECK_STATUS(r, 201);
    QCOMPARE(r.object().value(QStringLiteral("namespace")),
             QJsonValue(QStringLiteral("auto-created")));
    QVERIFY(hasNamespace(QStringLiteral("auto-created")));
}

void TestSecretsApi::sameKeyPathInTwoNamespaces()
{
    const QString a = create(secretBody(QStringLiteral("shared/key"), QStringLiteral("value-in-a"),
                                        QStringLiteral("two-a")));
    const QString b = create(secretBody(QStringLiteral("shared/key"), QStringLiteral("value-in-b"),
                                        QStringLiteral("two-b")));
    QVERIFY(!a.isEmpty());
    QVERIFY(!b.isEmpty());
    QVERIFY(a != b);
    QCOMPARE(m_server.http().get(QStringLiteral("/admin/secrets/") + a).object().value(u"value"),
             QJsonValue(QStringLiteral("value-in-a")));
    QCOMPARE(m_server.http().get(QStringLiteral("/admin/secrets/") + b).object().value(u"value"),
             QJsonValue(QStringLiteral("value-in-b")));
}

void TestSecretsApi::duplicateInOneNamespaceIs409()
{
    const QString id = create(secretBody(QStringLiteral("dup/key"), QStringLiteral("dup-first")));
    QVERIFY(!id.isEmpty());
    const QJsonArray before = listAll();
    const HttpReply r =
        m_server.http().post(QStringLiteral("/admin/secrets"),
                             secretBody(QStringLiteral("dup/key"), QStringLiteral("dup-second")));
    CHECK_ERROR(r, 409, "secret_exists");
    QVERIFY(!r.body.contains("dup-second"));
    QCOMPARE(listAll(), before);
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(got.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("dup-first")));
    QCOMPARE(got.object().value(QStringLiteral("current_version")), QJsonValue(1));
}

void TestSecretsApi::rejectedCreateStoresNothing_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    // Each body names a namespace that does not exist yet, so a half-done create would show
    // up in the namespace list too.
    const auto withPath = [](const QString &keyPath) {
        return toJson({{QStringLiteral("key_path"), keyPath},
                       {QStringLiteral("value"), QStringLiteral("v")},
                       {QStringLiteral("namespace"), QStringLiteral("never-created")}});
    };
    const QString badPath = QStringLiteral("invalid_key_path");
    QTest::newRow("dot-dot first") << withPath(QStringLiteral("../x")) << 400 << badPath;
    QTest::newRow("dot-dot inside") << withPath(QStringLiteral("a/../b")) << 400 << badPath;
    QTest::newRow("dot segment") << withPath(QStringLiteral("a/./b")) << 400 << badPath;
    QTest::newRow("absolute") << withPath(QStringLiteral("/abs")) << 400 << badPath;
    QTest::newRow("trailing slash") << withPath(QStringLiteral("a/")) << 400 << badPath;
    QTest::newRow("empty segment") << withPath(QStringLiteral("a//b")) << 400 << badPath;
    QTest::newRow("empty") << withPath(QString()) << 400 << badPath;
    QTest::newRow("space") << withPath(QStringLiteral("a b")) << 400 << badPath;
    QTest::newRow("backslash") << withPath(QStringLiteral("a\\b")) << 400 << badPath;
    QTest::newRow("non-ascii") << withPath(QStringLiteral("cl\u00e9")) << 400 << badPath;
    QTest::newRow("pipe") << withPath(QStringLiteral("a|b")) << 400 << badPath;
    QTest::newRow("too long") << withPath(QString(513, u'a')) << 400 << badPath;

    const auto withNamespace = [](const QJsonValue &ns) {
        return toJson({{QStringLiteral("key_path"), QStringLiteral("ok/path")},
                       {QStringLiteral("value"), QStringLiteral("v")},
                       {QStringLiteral("namespace"), ns}});
    };
    const QString badNs = QStringLiteral("invalid_namespace");
    QTest::newRow("namespace with space")
        << withNamespace(QStringLiteral("bad ns")) << 400 << badNs;
    QTest::newRow("namespace with slash") << withNamespace(QStringLiteral("a/b")) << 400 << badNs;
    QTest::newRow("namespace starting with dot")
        << withNamespace(QStringLiteral(".hidden")) << 400 << badNs;
    QTest::newRow("empty namespace") << withNamespace(QString()) << 400 << badNs;
    QTest::newRow("namespace too long") << withNamespace(QString(65, u'n')) << 400 << badNs;
    QTest::newRow("namespace is a number")
        << withNamespace(7) << 400 << QStringLiteral("invalid_field");

    const QString field = QStringLiteral("invalid_field");
    QTest::newRow("value is a number")
        << QByteArray(R"({"key_path":"t/num","value":42,"namespace":"never-created"})") << 400
        << field;
    QTest::newRow("value is an object")
        << QByteArray(R"({"key_path":"t/obj","value":{"a":1},"namespace":"never-created"})") << 400
        << field;
    QTest::newRow("key_path is an array")
        << QByteArray(R"({"key_path":["a"],"value":"v","namespace":"never-created"})") << 400
        << field;
    QTest::newRow("is_honey_token is a string")
        << QByteArray(
               R"({"key_path":"t/h","value":"v","is_honey_token":"yes","namespace":"never-created"})")
        << 400 << field;
    QTest::newRow("description is a number")
        << QByteArray(
               R"({"key_path":"t/d","value":"v","description":1,"namespace":"never-created"})")
        << 400 << field;

    const QString missing = QStringLiteral("missing_field");
    QTest::newRow("no value") << QByteArray(R"({"key_path":"t/nv","namespace":"never-created"})")
                              << 400 << missing;
    QTest::newRow("null value")
        << QByteArray(R"({"key_path":"t/nullv","value":null,"namespace":"never-created"})") << 400
        << missing;
    QTest::newRow("no key_path") << QByteArray(R"({"value":"v","namespace":"never-created"})")
                                 << 400 << missing;

    QTest::newRow("unknown field")
        << QByteArray(R"({"key_path":"t/u","value":"v","namespace":"never-created","ttl":5})")
        << 400 << QStringLiteral("unknown_field");
    QTest::newRow("JSON_CONFIG with invalid JSON")
        << QByteArray(R"({"key_path":"t/j","value":"{not json","secret_type":"JSON_CONFIG",)"
                      R"("namespace":"never-created"})")
        << 400 << QStringLiteral("invalid_value");
    QTest::newRow("unknown secret_type")
        << QByteArray(R"({"key_path":"t/st","value":"v","secret_type":"PASSWORD",)"
                      R"("namespace":"never-created"})")
        << 400 << QStringLiteral("invalid_secret_type");
    QTest::newRow("lower-case secret_type")
        << QByteArray(R"({"key_path":"t/st2","value":"v","secret_type":"key_value",)"
                      R"("namespace":"never-created"})")
        << 400 << QStringLiteral("invalid_secret_type");
    QTest::newRow("value over 1 MiB")
        << toJson({{QStringLiteral("key_path"), QStringLiteral("t/big")},
                   {QStringLiteral("value"), QString(1024 * 1024 + 1, u'x')},
                   {QStringLiteral("namespace"), QStringLiteral("never-created")}})
        << 413 << QStringLiteral("value_too_large");
    QTest::newRow("multi-byte value over 1 MiB")
        << toJson({{QStringLiteral("key_path"), QStringLiteral("t/big2")},
                   // 524,289 characters of two UTF-8 bytes each: 1 MiB + 2 bytes.
                   {QStringLiteral("value"), QString(512 * 1024 + 1, QChar(0x00e9))},
                   {QStringLiteral("namespace"), QStringLiteral("never-created")}})
        << 413 << QStringLiteral("value_too_large");

    const QString json = QStringLiteral("invalid_json");
    QTest::newRow("malformed json") << QByteArray(R"({"key_path":"t/m","value":)") << 400 << json;
    QTest::newRow("empty body") << QByteArray() << 400 << json;
    QTest::newRow("array body") << QByteArray(R"([{"key_path":"t/a","value":"v"}])") << 400 << json;
    QTest::newRow("string body") << QByteArray(R"("t/s")") << 400 << json;
    QTest::newRow("trailing garbage")
        << QByteArray(R"({"key_path":"t/g","value":"v"} x)") << 400 << json;
}

void TestSecretsApi::rejectedCreateStoresNothing()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);

    const QJsonArray secretsBefore = listAll();
    const QJsonArray namespacesBefore = namespaces();
    const HttpReply r = m_server.http().send("POST", QStringLiteral("/admin/secrets"), body);
    CHECK_STATUS(r, status);
    QCOMPARE(r.errorCode(), code);
    QVERIFY(r.object().value(QStringLiteral("error")).isString());
    QCOMPARE(listAll(), secretsBefore);
    QCOMPARE(namespaces(), namespacesBefore);
}

void TestSecretsApi::valueAtTheLimitIsAccepted()
{
    const QString value(1024 * 1024, u'L');
    const QString id = create(secretBody(QStringLiteral("limits/exactly-1mib"), value));
    QVERIFY(!id.isEmpty());
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    CHECK_STATUS(got, 200);
    QCOMPARE(got.object().value(QStringLiteral("value")).toString(), value);
}

void TestSecretsApi::valuesRoundTripExactly_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("unicode") << QStringLiteral("h\u00e9llo \u4e16\u754c \U0001F511");
    QTest::newRow("quotes and backslashes") << QStringLiteral(R"(it's "quoted" \ back\slash)");
    QTest::newRow("newlines and tabs") << QStringLiteral("line1\nline2\r\n\tindented\n");
    QTest::newRow("leading and trailing spaces") << QStringLiteral("  padded  ");
    QTest::newRow("hash and equals") << QStringLiteral("a#b=c # d");
    QTest::newRow("json text") << QStringLiteral(R"({"user":"u","pass":"p"})");
    QTest::newRow("empty") << QString();
}

void TestSecretsApi::valuesRoundTripExactly()
{
    QFETCH(QString, value);
    const QString keyPath = QStringLiteral("roundtrip/") +
                            QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-');
    const QString id = create(secretBody(keyPath, value));
    QVERIFY(!id.isEmpty());
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    CHECK_STATUS(got, 200);
    QVERIFY(got.object().value(QStringLiteral("value")).isString());
    QCOMPARE(got.object().value(QStringLiteral("value")).toString(), value);
}

void TestSecretsApi::jsonConfigAcceptsValidJson()
{
    const HttpReply r = m_server.http().post(
        QStringLiteral("/admin/secrets"),
        {{QStringLiteral("key_path"), QStringLiteral("cfg/json")},
         {QStringLiteral("value"), QStringLiteral(R"({"host":"db","port":5432})")},
         {QStringLiteral("secret_type"), QStringLiteral("JSON_CONFIG")}});
    CHECK_STATUS(r, 201);
    QCOMPARE(r.object().value(QStringLiteral("secret_type")),
             QJsonValue(QStringLiteral("JSON_CONFIG")));
    // A new version of a JSON_CONFIG secret must be JSON too.
    const QString id = r.object().value(QStringLiteral("id")).toString();
    CHECK_ERROR(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                    {{QStringLiteral("value"), QStringLiteral("port=5432")}}),
                400, "invalid_value");
    CHECK_STATUS(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                     {{QStringLiteral("value"), QStringLiteral("[1,2]")}}),
                 200);
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(got.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("[1,2]")));
    QCOMPARE(got.object().value(QStringLiteral("current_version")), QJsonValue(2));
}

// ---- list ---------------------------------------------------------------------------------

void TestSecretsApi::listShowsMetadataOnly()
{
    const QString id =
        create(secretBody(QStringLiteral("list/meta"), QStringLiteral("list-secret-value")));
    QVERIFY(!id.isEmpty());
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets"));
    CHECK_STATUS(r, 200);
    QVERIFY(r.json().isArray());
    QVERIFY(!containsKeyDeep(r.json(), QStringLiteral("value")));
    QVERIFY(!r.body.contains("list-secret-value"));
    bool found = false;
    for (const QJsonValue &v : r.array()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("id")).toString() != id)
            continue;
        found = true;
        QCOMPARE(o.value(QStringLiteral("key_path")), QJsonValue(QStringLiteral("list/meta")));
        QCOMPARE(o.value(QStringLiteral("namespace")), QJsonValue(QStringLiteral("default")));
        QCOMPARE(o.value(QStringLiteral("version")), QJsonValue(1));
        QCOMPARE(o.value(QStringLiteral("is_honey_token")), QJsonValue(false));
    }
    QVERIFY(found);
}

void TestSecretsApi::listFiltersByNamespace()
{
    QVERIFY(
        !create(secretBody(QStringLiteral("one"), QStringLiteral("1"), QStringLiteral("filter-a")))
             .isEmpty());
    QVERIFY(
        !create(secretBody(QStringLiteral("two"), QStringLiteral("2"), QStringLiteral("filter-a")))
             .isEmpty());
    QVERIFY(
        !create(secretBody(QStringLiteral("one"), QStringLiteral("3"), QStringLiteral("filter-b")))
             .isEmpty());

    const HttpReply a = m_server.http().get(QStringLiteral("/admin/secrets?namespace=filter-a"));
    CHECK_STATUS(a, 200);
    QCOMPARE(keyPathsOf(a.array()), (QStringList{QStringLiteral("one"), QStringLiteral("two")}));
    for (const QJsonValue &v : a.array())
        QCOMPARE(v.toObject().value(u"namespace"), QJsonValue(QStringLiteral("filter-a")));

    const HttpReply b = m_server.http().get(QStringLiteral("/admin/secrets?namespace=filter-b"));
    QCOMPARE(keyPathsOf(b.array()), QStringList{QStringLiteral("one")});

    const HttpReply none =
        m_server.http().get(QStringLiteral("/admin/secrets?namespace=no-such-ns"));
    CHECK_STATUS(none, 200);
    QCOMPARE(none.array().size(), 0);
}

void TestSecretsApi::listPrefixIsRecursiveOnSegments()
{
    const QString ns = QStringLiteral("prefixes");
    for (const QString &path :
         {QStringLiteral("app"), QStringLiteral("app/x"), QStringLiteral("app/x/y"),
          QStringLiteral("apple"), QStringLiteral("app2/z"), QStringLiteral("aXp/q")})
        QVERIFY(!create(secretBody(path, QStringLiteral("v"), ns)).isEmpty());
    // The same key path in another namespace must not leak into a namespaced listing.
    QVERIFY(!create(secretBody(QStringLiteral("app/other-ns"), QStringLiteral("v"))).isEmpty());

    const auto listed = [&](const QString &prefix) {
        const HttpReply r = m_server.http().get(
            QStringLiteral("/admin/secrets?namespace=%1&prefix=%2").arg(ns, prefix));
        if (r.status != 200)
            qWarning("prefix list failed: %s", r.describe().constData());
        QStringList paths = keyPathsOf(r.array());
        paths.sort();
        return paths;
    };
    QCOMPARE(
        listed(QStringLiteral("app")),
        (QStringList{QStringLiteral("app"), QStringLiteral("app/x"), QStringLiteral("app/x/y")}));
    QCOMPARE(listed(QStringLiteral("app/x")),
             (QStringList{QStringLiteral("app/x"), QStringLiteral("app/x/y")}));
    QCOMPARE(listed(QStringLiteral("app/")),
             (QStringList{QStringLiteral("app/x"), QStringLiteral("app/x/y")}));
    QCOMPARE(listed(QStringLiteral("apple")), QStringList{QStringLiteral("apple")});
    QCOMPARE(listed(QStringLiteral("ap")), QStringList());
    // No wildcard semantics: '_' and '%' are plain characters.
    QCOMPARE(listed(QStringLiteral("a_p")), QStringList());
    QCOMPARE(listed(QStringLiteral("a%25")), QStringList());

    // Without a namespace the prefix applies across namespaces.
    const HttpReply all = m_server.http().get(QStringLiteral("/admin/secrets?prefix=app/other-ns"));
    QCOMPARE(keyPathsOf(all.array()), QStringList{QStringLiteral("app/other-ns")});
}

// ---- get ----------------------------------------------------------------------------------

void TestSecretsApi::getUnknownIdIs404()
{
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/sec_doesnotexist")), 404,
                "secret_not_found");
}

void TestSecretsApi::getRejectsBadVersion_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("zero") << QStringLiteral("version=0") << 400
                          << QStringLiteral("invalid_version");
    QTest::newRow("negative") << QStringLiteral("version=-1") << 400
                              << QStringLiteral("invalid_version");
    QTest::newRow("text") << QStringLiteral("version=abc") << 400
                          << QStringLiteral("invalid_version");
    QTest::newRow("fraction") << QStringLiteral("version=1.5") << 400
                              << QStringLiteral("invalid_version");
    QTest::newRow("empty") << QStringLiteral("version=") << 400
                           << QStringLiteral("invalid_version");
    QTest::newRow("huge") << QStringLiteral("version=99999999999999999999") << 400
                          << QStringLiteral("invalid_version");
    QTest::newRow("not there yet")
        << QStringLiteral("version=2") << 404 << QStringLiteral("version_not_found");
}

void TestSecretsApi::getRejectsBadVersion()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(QString, code);
    const QString id =
        create(secretBody(QStringLiteral("badversion/") +
                              QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'),
                          QStringLiteral("bad-version-value")));
    QVERIFY(!id.isEmpty());
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets/%1?%2").arg(id, query));
    CHECK_STATUS(r, status);
    QCOMPARE(r.errorCode(), code);
    QVERIFY(!r.body.contains("bad-version-value"));
}

void TestSecretsApi::honeyTokenValueNeverLeaves()
{
    const HttpReply created =
        m_server.http().post(QStringLiteral("/admin/secrets"),
                             {{QStringLiteral("key_path"), QStringLiteral("decoy/aws")},
                              {QStringLiteral("value"), QStringLiteral("AKIA-HONEY-DECOY")},
                              {QStringLiteral("is_honey_token"), true}});
    CHECK_STATUS(created, 201);
    QVERIFY(!created.body.contains("AKIA-HONEY-DECOY"));
    const QString id = created.object().value(QStringLiteral("id")).toString();

    for (const QString &path : {QStringLiteral("/admin/secrets/%1").arg(id),
                                QStringLiteral("/admin/secrets/%1?version=1").arg(id)}) {
        const HttpReply r = m_server.http().get(path);
        CHECK_STATUS(r, 401);
        QVERIFY2(!r.body.contains("AKIA-HONEY-DECOY"), r.body.constData());
        QVERIFY(!r.object().contains(QStringLiteral("value")));
    }

    const HttpReply list = m_server.http().get(QStringLiteral("/admin/secrets?prefix=decoy"));
    QCOMPARE(list.array().size(), 1);
    QCOMPARE(list.array().first().toObject().value(QStringLiteral("is_honey_token")),
             QJsonValue(true));
    QVERIFY(!list.body.contains("AKIA-HONEY-DECOY"));
}

// ---- update -------------------------------------------------------------------------------

void TestSecretsApi::putValueAddsVersionAndKeepsOld()
{
    const QString id = create(secretBody(QStringLiteral("put/value"), QStringLiteral("v1-value")));
    QVERIFY(!id.isEmpty());
    const HttpReply r =
        m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                            {{QStringLiteral("value"), QStringLiteral("v2-value")}});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("version")), QJsonValue(2));
    QVERIFY(!r.body.contains("v2-value"));

    const HttpReply current = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(current.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("v2-value")));
    QCOMPARE(current.object().value(QStringLiteral("version")), QJsonValue(2));
    QCOMPARE(current.object().value(QStringLiteral("current_version")), QJsonValue(2));

    const HttpReply old =
        m_server.http().get(QStringLiteral("/admin/secrets/%1?version=1").arg(id));
    CHECK_STATUS(old, 200);
    QCOMPARE(old.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("v1-value")));
    QCOMPARE(old.object().value(QStringLiteral("version")), QJsonValue(1));
    QCOMPARE(old.object().value(QStringLiteral("current_version")), QJsonValue(2));
}

void TestSecretsApi::putDescriptionOnlyKeepsVersion()
{
    const QString id =
        create(secretBody(QStringLiteral("put/description"), QStringLiteral("same")));
    QVERIFY(!id.isEmpty());
    const HttpReply r =
        m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                            {{QStringLiteral("description"), QStringLiteral("now described")}});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("version")), QJsonValue(1));
    QCOMPARE(r.object().value(QStringLiteral("description")),
             QJsonValue(QStringLiteral("now described")));

    const HttpReply versions =
        m_server.http().get(QStringLiteral("/admin/secrets/%1/versions").arg(id));
    QCOMPARE(versions.object().value(QStringLiteral("versions")).toArray().size(), 1);
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(got.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("same")));
    QCOMPARE(got.object().value(QStringLiteral("description")),
             QJsonValue(QStringLiteral("now described")));
}

void TestSecretsApi::putRejectsBadBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("empty object") << QByteArray("{}") << 400 << QStringLiteral("nothing_to_update");
    QTest::newRow("only nulls") << QByteArray(R"({"description":null})") << 400
                                << QStringLiteral("nothing_to_update");
    QTest::newRow("unknown field") << QByteArray(R"({"value":"x","key_path":"renamed"})") << 400
                                   << QStringLiteral("unknown_field");
    QTest::newRow("value is a number")
        << QByteArray(R"({"value":5})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("value null") << QByteArray(R"({"value":null})") << 400
                                << QStringLiteral("missing_field");
    // The description must not change when the value in the same request is rejected.
    QTest::newRow("good description, bad value")
        << QByteArray(R"({"description":"should not stick","value":[1]})") << 400
        << QStringLiteral("invalid_field");
    QTest::newRow("malformed json")
        << QByteArray(R"({"value":)") << 400 << QStringLiteral("invalid_json");
    QTest::newRow("empty body") << QByteArray() << 400 << QStringLiteral("invalid_json");
    QTest::newRow("value over 1 MiB")
        << toJson({{QStringLiteral("value"), QString(1024 * 1024 + 1, u'x')}}) << 413
        << QStringLiteral("value_too_large");
}

void TestSecretsApi::putRejectsBadBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const QString id =
        create({{QStringLiteral("key_path"),
                 QStringLiteral("put/bad/") +
                     QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-').remove(u',')},
                {QStringLiteral("value"), QStringLiteral("original")},
                {QStringLiteral("description"), QStringLiteral("original description")}});
    QVERIFY(!id.isEmpty());

    const HttpReply r = m_server.http().send("PUT", QStringLiteral("/admin/secrets/") + id, body);
    CHECK_STATUS(r, status);
    QCOMPARE(r.errorCode(), code);

    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(got.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("original")));
    QCOMPARE(got.object().value(QStringLiteral("description")),
             QJsonValue(QStringLiteral("original description")));
    QCOMPARE(got.object().value(QStringLiteral("current_version")), QJsonValue(1));
}

void TestSecretsApi::putUnknownIdIs404()
{
    const HttpReply r = m_server.http().put(QStringLiteral("/admin/secrets/sec_nope"),
                                            {{QStringLiteral("value"), QStringLiteral("x")}});
    CHECK_ERROR(r, 404, "secret_not_found");
}

// ---- versions and rollback ------------------------------------------------------------------

void TestSecretsApi::versionsListNewestFirst()
{
    const QString id = create(secretBody(QStringLiteral("versions/list"), QStringLiteral("a"),
                                         QStringLiteral("versions-ns")));
    QVERIFY(!id.isEmpty());
    CHECK_STATUS(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                     {{QStringLiteral("value"), QStringLiteral("b")}}),
                 200);
    CHECK_STATUS(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                     {{QStringLiteral("value"), QStringLiteral("c")}}),
                 200);

    const HttpReply r = m_server.http().get(QStringLiteral("/admin/secrets/%1/versions").arg(id));
    CHECK_STATUS(r, 200);
    const QJsonObject o = r.object();
    QCOMPARE(o.value(QStringLiteral("id")), QJsonValue(id));
    QCOMPARE(o.value(QStringLiteral("key_path")), QJsonValue(QStringLiteral("versions/list")));
    QCOMPARE(o.value(QStringLiteral("namespace")), QJsonValue(QStringLiteral("versions-ns")));
    QCOMPARE(o.value(QStringLiteral("current_version")), QJsonValue(3));
    const QJsonArray versions = o.value(QStringLiteral("versions")).toArray();
    QCOMPARE(versions.size(), 3);
    QList<int> numbers;
    for (const QJsonValue &v : versions) {
        numbers.append(v.toObject().value(u"version").toInt());
        QCOMPARE(v.toObject().value(u"current").toBool(),
                 v.toObject().value(u"version").toInt() == 3);
        QVERIFY(v.toObject().value(u"created_at").isString());
    }
    QCOMPARE(numbers, (QList<int>{3, 2, 1}));
    QVERIFY(!containsKeyDeep(r.json(), QStringLiteral("value")));

    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/sec_nope/versions")), 404,
                "secret_not_found");
}

void TestSecretsApi::rollbackAppendsOldValue()
{
    const QString id =
        create(secretBody(QStringLiteral("rollback/ok"), QStringLiteral("rollback-one")));
    QVERIFY(!id.isEmpty());
    CHECK_STATUS(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                     {{QStringLiteral("value"), QStringLiteral("rollback-two")}}),
                 200);

    const HttpReply r = m_server.http().post(QStringLiteral("/admin/secrets/%1/rollback").arg(id),
                                             {{QStringLiteral("version"), 1}});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("version")), QJsonValue(3));
    QCOMPARE(r.object().value(QStringLiteral("rolled_back_to")), QJsonValue(1));
    QVERIFY(!r.body.contains("rollback-one"));

    const HttpReply current = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(current.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("rollback-one")));
    QCOMPARE(current.object().value(QStringLiteral("current_version")), QJsonValue(3));
    // History is kept: version 2 still holds the value that was rolled back.
    const HttpReply v2 = m_server.http().get(QStringLiteral("/admin/secrets/%1?version=2").arg(id));
    QCOMPARE(v2.object().value(QStringLiteral("value")),
             QJsonValue(QStringLiteral("rollback-two")));
    const HttpReply versions =
        m_server.http().get(QStringLiteral("/admin/secrets/%1/versions").arg(id));
    QCOMPARE(versions.object().value(u"versions").toArray().size(), 3);
}

void TestSecretsApi::rollbackRejects_data()
{
    QTest::addColumn<bool>("unknownId");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("missing version")
        << false << QByteArray(R"({"version":99})") << 404 << QStringLiteral("version_not_found");
    QTest::newRow("version zero") << false << QByteArray(R"({"version":0})") << 400
                                  << QStringLiteral("invalid_version");
    QTest::newRow("negative version")
        << false << QByteArray(R"({"version":-3})") << 400 << QStringLiteral("invalid_version");
    QTest::newRow("version as string")
        << false << QByteArray(R"({"version":"1"})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("fractional version")
        << false << QByteArray(R"({"version":1.5})") << 400 << QStringLiteral("invalid_field");
    QTest::newRow("no version") << false << QByteArray("{}") << 400
                                << QStringLiteral("missing_field");
    QTest::newRow("unknown field") << false << QByteArray(R"({"version":1,"force":true})") << 400
                                   << QStringLiteral("unknown_field");
    QTest::newRow("malformed json")
        << false << QByteArray("{") << 400 << QStringLiteral("invalid_json");
    QTest::newRow("unknown secret")
        << true << QByteArray(R"({"version":1})") << 404 << QStringLiteral("secret_not_found");
}

void TestSecretsApi::rollbackRejects()
{
    QFETCH(bool, unknownId);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const QString id =
        create(secretBody(QStringLiteral("rollback/bad/") +
                              QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'),
                          QStringLiteral("kept")));
    QVERIFY(!id.isEmpty());
    const QString target = unknownId ? QStringLiteral("sec_unknown") : id;
    const HttpReply r = m_server.http().send(
        "POST", QStringLiteral("/admin/secrets/%1/rollback").arg(target), body);
    CHECK_STATUS(r, status);
    QCOMPARE(r.errorCode(), code);
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") + id);
    QCOMPARE(got.object().value(QStringLiteral("current_version")), QJsonValue(1));
    QCOMPARE(got.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("kept")));
}

// ---- delete -------------------------------------------------------------------------------

void TestSecretsApi::deleteRemovesSecretAndVersions()
{
    const QString id = create(secretBody(QStringLiteral("delete/me"), QStringLiteral("first")));
    QVERIFY(!id.isEmpty());
    CHECK_STATUS(m_server.http().put(QStringLiteral("/admin/secrets/") + id,
                                     {{QStringLiteral("value"), QStringLiteral("second")}}),
                 200);

    const HttpReply r = m_server.http().del(QStringLiteral("/admin/secrets/") + id);
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(QStringLiteral("deleted")), QJsonValue(true));
    QCOMPARE(r.object().value(QStringLiteral("id")), QJsonValue(id));
    QCOMPARE(r.object().value(QStringLiteral("versions_destroyed")), QJsonValue(2));

    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/") + id), 404,
                "secret_not_found");
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/%1?version=1").arg(id)), 404,
                "secret_not_found");
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/%1/versions").arg(id)), 404,
                "secret_not_found");
    CHECK_ERROR(m_server.http().post(QStringLiteral("/admin/secrets/%1/rollback").arg(id),
                                     {{QStringLiteral("version"), 1}}),
                404, "secret_not_found");
    CHECK_ERROR(m_server.http().del(QStringLiteral("/admin/secrets/") + id), 404,
                "secret_not_found");
    QVERIFY(!keyPathsOf(listAll()).contains(QStringLiteral("delete/me")));

    // The key path is free again, and the new secret has none of the old history.
    const QString again = create(secretBody(QStringLiteral("delete/me"), QStringLiteral("fresh")));
    QVERIFY(!again.isEmpty());
    QVERIFY(again != id);
    const HttpReply fresh = m_server.http().get(QStringLiteral("/admin/secrets/") + again);
    QCOMPARE(fresh.object().value(QStringLiteral("value")), QJsonValue(QStringLiteral("fresh")));
    QCOMPARE(fresh.object().value(QStringLiteral("current_version")), QJsonValue(1));
    CHECK_ERROR(m_server.http().get(QStringLiteral("/admin/secrets/%1?version=2").arg(again)), 404,
                "version_not_found");
}

void TestSecretsApi::noValueReachesTheLog()
{
    QVERIFY(!capturedLog().isEmpty());
    for (const QString &value :
         {QStringLiteral("hunter2-create"), QStringLiteral("value-in-a"),
          QStringLiteral("dup-second"), QStringLiteral("list-secret-value"),
          QStringLiteral("AKIA-HONEY-DECOY"), QStringLiteral("rollback-one"),
          QStringLiteral("rollback-two"), QStringLiteral("bad-version-value"),
          QStringLiteral("should not stick"), QString::fromLatin1(m_server.adminToken())})
        QVERIFY2(!logContains(value), qPrintable(value));
}

QTEST_GUILESS_MAIN(TestSecretsApi)
#include "tst_secrets_api.moc"
