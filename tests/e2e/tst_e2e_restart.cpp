// A vault survives restarts: everything written over HTTP reads back identically after a clean
// stop; a wrong password or no password at all leaves it running but sealed until
// POST /sys/unseal.

#include "E2eSupport.h"

#include <QJsonDocument>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// What a client can see of one secret: its metadata and every version's value.
struct SecretState
{
    QJsonObject metadata; // as listed by GET /admin/secrets
    QJsonArray versions;  // as listed by GET /admin/secrets/{id}/versions (with created_at)
    QMap<int, QString> values;
    bool operator==(const SecretState &) const = default;
};
using VaultState = QMap<QString, SecretState>; // by id

char *toString(const VaultState &state)
{
    QJsonObject all;
    for (auto it = state.begin(); it != state.end(); ++it) {
        QJsonObject values;
        for (auto v = it->values.begin(); v != it->values.end(); ++v)
            values.insert(QString::number(v.key()), v.value());
        all.insert(it.key(), QJsonObject{{str("metadata"), it->metadata},
                                         {str("versions"), it->versions},
                                         {str("values"), values}});
    }
    return qstrdup(QJsonDocument(all).toJson(QJsonDocument::Compact).constData());
}

} // namespace

class TestE2eRestart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanRestartKeepsEverything();
    void wrongPasswordStaysSealedUntilUnseal();
    void noPasswordSourceStaysSealed();
    void cleanupTestCase();

private:
    // Reads every secret, every version, over HTTP. Fails the test on any non-200.
    VaultState readAll(HttpClient &http);
    QString createSecret(const QString &ns, const QString &keyPath, const QString &value,
                         const QString &type = QStringLiteral("KEY_VALUE"));
    int putValue(const QString &id, const QString &value);
    void expectSealedApi(HttpClient &http);

    QTemporaryDir m_tmp;
    QString m_dataDir;
    QByteArray m_password;
    QByteArray m_token;
    std::unique_ptr<ServerProcess> m_server;
    HttpClient m_http;
    VaultState m_expected; // built from what the writes were told
};

void TestE2eRestart::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_dataDir = m_tmp.filePath(str("data"));
    m_password = "restart-pw-" + randomHex(8).toLatin1();
    m_server = std::make_unique<ServerProcess>(ServerBin, m_dataDir);
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(m_password));
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_token = m_server->printedAdminToken();
    QVERIFY(!m_token.isEmpty());
    m_http.setBaseUrl(m_server->url());
    m_http.setAdminToken(m_token);
}

void TestE2eRestart::cleanupTestCase()
{
    if (m_server && m_server->isRunning())
        QVERIFY(m_server->stop());
}

QString TestE2eRestart::createSecret(const QString &ns, const QString &keyPath,
                                     const QString &value, const QString &type)
{
    const HttpReply reply = m_http.post(str("/admin/secrets"), {{str("namespace"), ns},
                                                                {str("key_path"), keyPath},
                                                                {str("secret_type"), type},
                                                                {str("value"), value}});
    if (reply.status != 201) {
        qWarning("create %s/%s: %s", qPrintable(ns), qPrintable(keyPath),
                 reply.describe().constData());
        return {};
    }
    const QString id = reply.object().value(str("id")).toString();
    m_expected[id].values[1] = value;
    return id;
}

int TestE2eRestart::putValue(const QString &id, const QString &value)
{
    const HttpReply reply = m_http.put(str("/admin/secrets/") + id, {{str("value"), value}});
    if (reply.status != 200) {
        qWarning("put %s: %s", qPrintable(id), reply.describe().constData());
        return 0;
    }
    const int version = reply.object().value(str("version")).toInt();
    m_expected[id].values[version] = value;
    return version;
}

VaultState TestE2eRestart::readAll(HttpClient &http)
{
    VaultState state;
    const HttpReply list = http.get(str("/admin/secrets"));
    if (list.status != 200) {
        qWarning("list: %s", list.describe().constData());
        return {};
    }
    for (const QJsonValue &entry : list.array()) {
        const QJsonObject metadata = entry.toObject();
        const QString id = metadata.value(str("id")).toString();
        SecretState &secret = state[id];
        secret.metadata = metadata;
        const HttpReply versions = http.get(str("/admin/secrets/%1/versions").arg(id));
        if (versions.status != 200) {
            qWarning("versions %s: %s", qPrintable(id), versions.describe().constData());
            return {};
        }
        secret.versions = versions.object().value(str("versions")).toArray();
        for (const QJsonValue &v : std::as_const(secret.versions)) {
            const int version = v.toObject().value(str("version")).toInt();
            const HttpReply value =
                http.get(str("/admin/secrets/%1?version=%2").arg(id).arg(version));
            if (value.status != 200) {
                qWarning("read %s v%d: %s", qPrintable(id), version, value.describe().constData());
                return {};
            }
            secret.values[version] = value.object().value(str("value")).toString();
        }
        // The current value is the one GET without ?version gives.
        const HttpReply current = http.get(str("/admin/secrets/") + id);
        if (current.status != 200 ||
            current.object().value(str("value")).toString() !=
                secret.values.value(metadata.value(str("version")).toInt())) {
            qWarning("current %s: %s", qPrintable(id), current.describe().constData());
            return {};
        }
    }
    return state;
}

void TestE2eRestart::expectSealedApi(HttpClient &http)
{
    const HttpReply status = http.get(str("/sys/seal-status"));
    QCOMPARE(status.status, 200);
    QCOMPARE(status.object().value(str("sealed")).toBool(false), true);
    QCOMPARE(status.object().value(str("initialized")).toBool(false), true);
    QCOMPARE(http.get(str("/health")).status, 503);
    const QString anyId = m_expected.firstKey();
    const QList<HttpReply> replies = {
        http.get(str("/admin/secrets")),
        http.get(str("/admin/secrets/") + anyId),
        http.put(str("/admin/secrets/") + anyId, {{str("value"), str("written while sealed")}}),
        http.post(str("/admin/secrets"),
                  {{str("key_path"), str("sealed/new")}, {str("value"), str("x")}}),
        http.get(str("/admin/namespaces")),
    };
    for (const HttpReply &reply : replies) {
        QVERIFY2(reply.status == 503, reply.describe().constData());
        QCOMPARE(reply.errorCode(), str("sealed"));
        QVERIFY(!reply.body.contains("\"value\""));
    }
}

void TestE2eRestart::cleanRestartKeepsEverything()
{
    QCOMPARE(m_http.post(str("/admin/namespaces"), {{str("name"), str("team-a")}}).status, 201);

    const QString dbPassword = createSecret(str("default"), str("db/password"), str("pw-one"));
    QVERIFY(!dbPassword.isEmpty());
    QCOMPARE(putValue(dbPassword, str("pw-two")), 2);
    QCOMPARE(putValue(dbPassword, str("pw-three")), 3);
    const HttpReply rollback =
        m_http.post(str("/admin/secrets/%1/rollback").arg(dbPassword), {{str("version"), 1}});
    QVERIFY2(rollback.status == 200, rollback.describe().constData());
    QCOMPARE(rollback.object().value(str("version")).toInt(), 4);
    m_expected[dbPassword].values[4] = str("pw-one");

    // The same key path in another namespace is another secret.
    const QString teamPassword = createSecret(str("team-a"), str("db/password"), str("team-pw"));
    QVERIFY(!teamPassword.isEmpty());
    const QString apiKey = createSecret(str("team-a"), str("api/key"), str("k-1"));
    QVERIFY(!apiKey.isEmpty());
    QCOMPARE(putValue(apiKey, str("k-2")), 2);
    const QString config =
        createSecret(str("default"), str("config/app"),
                     str("{\"port\": 8080, \"tags\": [\"a\", \"b\"]}"), str("JSON_CONFIG"));
    QVERIFY(!config.isEmpty());
    const QString unicode =
        createSecret(str("ns-b"), str("multi/line"),
                     str("line one\nline \"two\"\t\u00fcn\u00efc\u00f8d\u00e9 \u2713 \U0001F511"));
    QVERIFY(!unicode.isEmpty());
    const HttpReply described =
        m_http.put(str("/admin/secrets/") + config, {{str("description"), str("app settings")}});
    QCOMPARE(described.status, 200);

    const VaultState before = readAll(m_http);
    QCOMPARE(before.size(), m_expected.size());
    for (auto it = m_expected.begin(); it != m_expected.end(); ++it)
        QCOMPARE(before.value(it.key()).values, it->values);
    QCOMPARE(before.value(dbPassword).metadata.value(str("version")).toInt(), 4);
    QCOMPARE(before.value(config).metadata.value(str("description")).toString(),
             str("app settings"));
    QCOMPARE(before.value(unicode).metadata.value(str("namespace")).toString(), str("ns-b"));

    QVERIFY(m_server->stop());
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    QVERIFY2(m_server->runStdout().contains("vault unsealed"), m_server->runStdout().constData());
    m_http.setBaseUrl(m_server->url());
    QCOMPARE(m_http.get(str("/health")).status, 200);

    const VaultState after = readAll(m_http);
    QCOMPARE(after, before);
    const HttpReply namespaces = m_http.get(str("/admin/namespaces"));
    QCOMPARE(namespaces.status, 200);
    QStringList names;
    for (const QJsonValue &ns : namespaces.array())
        names << ns.toObject().value(str("name")).toString();
    QVERIFY2(names.contains(str("team-a")) && names.contains(str("ns-b")) &&
                 names.contains(str("default")),
             qPrintable(names.join(u',')));
}

void TestE2eRestart::wrongPasswordStaysSealedUntilUnseal()
{
    QVERIFY(!m_expected.isEmpty());
    const VaultState before = readAll(m_http);
    QVERIFY(!before.isEmpty());
    QVERIFY(m_server->stop());

    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), str("not-the-password"));
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    expectSealedApi(m_http);
    QVERIFY2(m_server->isRunning(), "a wrong password must not stop the server");

    const HttpReply wrong =
        m_http.post(str("/sys/unseal"), {{str("password"), str("still-not-the-password")}});
    QCOMPARE(wrong.status, 401);
    expectSealedApi(m_http);

    const HttpReply right =
        m_http.post(str("/sys/unseal"), {{str("password"), QString::fromLatin1(m_password)}});
    QVERIFY2(right.status == 200, right.describe().constData());
    QCOMPARE(right.object().value(str("sealed")).toBool(true), false);
    QCOMPARE(m_http.get(str("/health")).status, 200);
    QCOMPARE(readAll(m_http), before);

    QVERIFY(!m_server->allOutput().contains(m_password));
    QVERIFY(!m_server->allOutput().contains("not-the-password"));
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(m_password));
}

void TestE2eRestart::noPasswordSourceStaysSealed()
{
    const VaultState before = readAll(m_http);
    QVERIFY(!before.isEmpty());
    QVERIFY(m_server->stop());

    // No variable, no file, no credential, and stdin is a pipe, not a terminal.
    m_server->environment().remove(str("CORTEX_KEK_PASSWORD"));
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    expectSealedApi(m_http);
    QVERIFY(m_server->isRunning());

    const HttpReply right =
        m_http.post(str("/sys/unseal"), {{str("password"), QString::fromLatin1(m_password)}});
    QVERIFY2(right.status == 200, right.describe().constData());
    QCOMPARE(readAll(m_http), before);
    QVERIFY(m_server->stop());
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(m_password));
}

QTEST_GUILESS_MAIN(TestE2eRestart)
#include "tst_e2e_restart.moc"
