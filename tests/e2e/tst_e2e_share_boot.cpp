// Headless recovery with Shamir shares, as an operator does it with the real cortex-server: a
// server started on an empty data dir with no password and no terminal waits for
// POST /sys/init; the share set it hands out unseals later restarts through --share-file (a
// quorum opens the vault and raises the recovery_boot alarm, fewer leave it sealed for
// POST /sys/unseal to finish, a bad file is named and skipped); ADMIN_TOKEN given to a waiting
// server becomes the admin token of the vault /sys/init creates.

#include "E2eSupport.h"

#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QStringList stringsOf(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray())
        out.append(item.toString());
    return out;
}

const QByteArray WaitingLine = "vault is not initialized: waiting for POST ";

} // namespace

class TestE2eShareBoot : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void emptyDirWithoutPasswordWaitsForInit();
    void initCreatesASealedVaultWithShares();
    void shareFilesUnsealAtBoot();
    void twoShareFilesLeaveItSealedUntilTheThird();
    void badShareFileIsNamedAndSkipped();
    void adminTokenFromEnvironmentIsUsedByInit();

private:
    QString writeShareFile(const QString &name, const QString &share);
    QJsonObject sealStatus();
    QJsonArray recoveryAlarms();

    QTemporaryDir m_tmp;
    QString m_dataDir;
    std::unique_ptr<ServerProcess> m_server;
    HttpClient m_http;
    QStringList m_shares;
    QStringList m_groups;
    QString m_keyId;
    QString m_secretId;
};

void TestE2eShareBoot::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_dataDir = m_tmp.filePath(str("data"));
    m_server = std::make_unique<ServerProcess>(ServerBin, m_dataDir);
}

void TestE2eShareBoot::cleanup()
{
    if (QTest::currentTestFailed() && m_server)
        qWarning("server output:\n%s", m_server->runStdout().constData());
}

QString TestE2eShareBoot::writeShareFile(const QString &name, const QString &share)
{
    const QString path = m_tmp.filePath(name);
    if (!writeFile(path, share.toUtf8() + '\n'))
        qWarning("cannot write %s", qPrintable(path));
    return path;
}

QJsonObject TestE2eShareBoot::sealStatus()
{
    return m_http.get(str("/sys/seal-status")).object();
}

QJsonArray TestE2eShareBoot::recoveryAlarms()
{
    QJsonArray out;
    for (const QJsonValue &alarm :
         m_http.get(str("/admin/alarms")).object().value(str("alarms")).toArray()) {
        if (alarm.toObject().value(str("kind")).toString() == str("recovery_boot"))
            out.append(alarm);
    }
    return out;
}

void TestE2eShareBoot::emptyDirWithoutPasswordWaitsForInit()
{
    // No password variable, file or credential, and stdin is a pipe.
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    QVERIFY2(m_server->waitForOutputLine({WaitingLine, "/sys/init"}),
             m_server->allOutput().constData());
    const QByteArray line = m_server->lineContaining(WaitingLine);
    QVERIFY2(line.contains(m_server->url().toString().toUtf8() + "/sys/init"), line.constData());
    m_http.setBaseUrl(m_server->url());

    // It keeps running and answers, uninitialised.
    QTest::qWait(500);
    QVERIFY(m_server->isRunning());
    const HttpReply status = m_http.get(str("/sys/seal-status"));
    QVERIFY2(status.status == 200, status.describe().constData());
    QCOMPARE(status.object().value(str("initialized")).toBool(true), false);
    QCOMPARE(status.object().value(str("sealed")).toBool(), true);
    // No admin token was made up and printed for a vault that does not exist yet.
    QVERIFY(m_server->printedAdminToken().isEmpty());
}

void TestE2eShareBoot::initCreatesASealedVaultWithShares()
{
    QVERIFY(m_server->isRunning());
    const HttpReply bad =
        m_http.post(str("/sys/init"), {{str("secret_shares"), 2}, {str("secret_threshold"), 3}});
    QCOMPARE(bad.status, 400);

    const HttpReply init =
        m_http.post(str("/sys/init"), {{str("secret_shares"), 5}, {str("secret_threshold"), 3}});
    QVERIFY2(init.status == 200, init.describe().constData());
    const QJsonObject r = init.object();
    m_shares = stringsOf(r.value(str("shares")));
    m_groups = stringsOf(r.value(str("shares_groups")));
    m_keyId = r.value(str("key_id")).toString();
    QCOMPARE(m_shares.size(), 5);
    QCOMPARE(m_groups.size(), 5);
    QCOMPARE(r.value(str("sealed")).toBool(), true);
    QCOMPARE(r.value(str("initialized")).toBool(), true);
    QCOMPARE(r.value(str("admin_token_source")).toString(), str("generated"));
    const QByteArray token = r.value(str("admin_token")).toString().toUtf8();
    QVERIFY(token.startsWith("cvadm_"));
    m_http.setAdminToken(token);

    const HttpReply again =
        m_http.post(str("/sys/init"), {{str("secret_shares"), 5}, {str("secret_threshold"), 3}});
    QCOMPARE(again.status, 409);
    QCOMPARE(again.errorCode(), str("already_initialized"));

    // Open it once over HTTP to leave a secret behind for the restarts.
    for (int i : {0, 1, 2}) {
        const HttpReply r2 = m_http.post(str("/sys/unseal"), {{str("share"), m_shares.at(i)}});
        QVERIFY2(r2.status == 200, r2.describe().constData());
    }
    QCOMPARE(sealStatus().value(str("sealed")).toBool(), false);
    const HttpReply created =
        m_http.post(str("/admin/secrets"), {{str("key_path"), str("boot/kept")},
                                            {str("value"), str("opened by officers")}});
    QVERIFY2(created.status == 201, created.describe().constData());
    m_secretId = created.object().value(str("id")).toString();
    QVERIFY(m_server->stop());
}

void TestE2eShareBoot::shareFilesUnsealAtBoot()
{
    QVERIFY(!m_shares.isEmpty());
    const QStringList files{writeShareFile(str("officer1.share"), m_shares.at(0)),
                            writeShareFile(str("officer3.share"), m_groups.at(2)),
                            writeShareFile(str("officer5.share"), m_shares.at(4))};
    QStringList arguments;
    for (const QString &file : files)
        arguments << str("--share-file") << file;
    QVERIFY2(m_server->start(arguments), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    QVERIFY2(!m_server
                  ->lineContaining("vault unsealed with shares (recovery boot: the alarm was "
                                   "raised)")
                  .isEmpty(),
             m_server->allOutput().constData());

    QCOMPARE(sealStatus().value(str("sealed")).toBool(), false);
    const HttpReply secret = m_http.get(str("/admin/secrets/") + m_secretId);
    QVERIFY2(secret.status == 200, secret.describe().constData());
    QCOMPARE(secret.object().value(str("value")).toString(), str("opened by officers"));

    // The recovery boot is on record: the alarm and its audit row, raised by the startup.
    const QJsonArray alarms = recoveryAlarms();
    QCOMPARE(alarms.size(), 2); // the HTTP unseal in the previous test, and this boot
    const QJsonArray rows = m_http.get(str("/admin/audit-logs?action=recovery_boot"))
                                .object()
                                .value(str("rows"))
                                .toArray();
    QCOMPARE(rows.size(), 2);
    const QJsonObject row = rows.at(0).toObject();
    QCOMPARE(row.value(str("status")).toString(), str("alarm"));
    QCOMPARE(row.value(str("actor_type")).toString(), str("system"));
    const QJsonObject detail = row.value(str("detail")).toObject();
    QCOMPARE(detail.value(str("method")).toString(), str("shares"));
    QCOMPARE(detail.value(str("share_key_id")).toString(), m_keyId);
    QCOMPARE(detail.value(str("alarm_id")).toString(),
             alarms.at(0).toObject().value(str("id")).toString());
    // No share reached the output.
    for (const QString &share : m_shares)
        QVERIFY(!m_server->allOutput().contains(share.section(u':', 4, 4).toUtf8()));
    QVERIFY(m_server->stop());
}

void TestE2eShareBoot::twoShareFilesLeaveItSealedUntilTheThird()
{
    QVERIFY(!m_shares.isEmpty());
    const QString two = writeShareFile(str("officer2.share"), m_shares.at(1));
    const QString four = writeShareFile(str("officer4.share"), m_groups.at(3).toLower());
    QVERIFY2(m_server->start({str("--share-file"), two, str("--share-file"), four}),
             m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    QVERIFY(m_server->lineContaining("vault unsealed with shares").isEmpty());
    QVERIFY2(!m_server->lineContaining("stays sealed").isEmpty(),
             m_server->allOutput().constData());

    const QJsonObject status = sealStatus();
    QCOMPARE(status.value(str("sealed")).toBool(), true);
    QCOMPARE(status.value(str("progress")).toInt(), 2);
    QCOMPARE(status.value(str("threshold")).toInt(), 3);
    const HttpReply sealedRead = m_http.get(str("/admin/secrets/") + m_secretId);
    QCOMPARE(sealedRead.status, 503);

    // The third officer, over HTTP, with the attempt's nonce.
    const HttpReply third =
        m_http.post(str("/sys/unseal"), {{str("share"), m_shares.at(0)},
                                         {str("nonce"), status.value(str("nonce")).toString()}});
    QVERIFY2(third.status == 200, third.describe().constData());
    QCOMPARE(third.object().value(str("sealed")).toBool(), false);
    const HttpReply secret = m_http.get(str("/admin/secrets/") + m_secretId);
    QVERIFY2(secret.status == 200, secret.describe().constData());
    QCOMPARE(secret.object().value(str("value")).toString(), str("opened by officers"));
    QCOMPARE(recoveryAlarms().size(), 3);
    QVERIFY(m_server->stop());
}

void TestE2eShareBoot::badShareFileIsNamedAndSkipped()
{
    QVERIFY(!m_shares.isEmpty());
    const QString garbage =
        writeShareFile(str("garbage-share.txt"), str("this is not a share at all"));
    QString damaged = m_shares.at(2);
    const qsizetype last = damaged.size() - 1;
    damaged[last] = damaged.at(last) == u'0' ? u'1' : u'0'; // checksum no longer matches
    const QString damagedFile = writeShareFile(str("damaged.share"), damaged);
    const QString missing = m_tmp.filePath(str("no-such.share"));
    const QString good = writeShareFile(str("officer2.share"), m_shares.at(1));
    QVERIFY2(m_server->start({str("--share-file"), garbage, str("--share-file"), damagedFile,
                              str("--share-file"), missing, str("--share-file"), good}),
             m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    QVERIFY(m_server->isRunning());
    for (const QString &path : {garbage, damagedFile, missing})
        QVERIFY2(!m_server->lineContaining(path.toUtf8()).isEmpty(),
                 qPrintable(path + str(" is not named in:\n") +
                            QString::fromUtf8(m_server->allOutput())));
    // The damaged share is not echoed.
    QVERIFY(!m_server->allOutput().contains(damaged.section(u':', 4, 4).toUtf8()));

    const QJsonObject status = sealStatus();
    QCOMPARE(status.value(str("sealed")).toBool(), true);
    QCOMPARE(status.value(str("progress")).toInt(), 1); // the good file counted
    QCOMPARE(m_http.get(str("/admin/secrets/") + m_secretId).status, 503);
    QVERIFY(m_server->stop());
}

void TestE2eShareBoot::adminTokenFromEnvironmentIsUsedByInit()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerProcess server(ServerBin, dir.filePath(str("data")));
    const QByteArray token = "operator-chosen-token-" + randomHex(12).toLatin1();
    server.environment().insert(str("ADMIN_TOKEN"), QString::fromLatin1(token));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY2(server.waitForOutputLine({WaitingLine}), server.allOutput().constData());
    QVERIFY(!server.allOutput().contains(token));
    HttpClient http;
    http.setBaseUrl(server.url());

    const QString password = str("officers-and-a-password");
    // A refused /sys/init does not use the token up.
    const HttpReply refused = http.post(str("/sys/init"), {{str("password"), str("short")}});
    QCOMPARE(refused.status, 400);
    const HttpReply init = http.post(
        str("/sys/init"),
        {{str("secret_shares"), 3}, {str("secret_threshold"), 2}, {str("password"), password}});
    QVERIFY2(init.status == 200, init.describe().constData());
    QCOMPARE(init.object().value(str("admin_token_source")).toString(), str("ADMIN_TOKEN"));
    QVERIFY(!init.object().contains(str("admin_token")));
    QVERIFY(!init.body.contains(token));
    QCOMPARE(stringsOf(init.object().value(str("shares"))).size(), 3);

    const HttpReply unsealed = http.post(str("/sys/unseal"), {{str("password"), password}});
    QVERIFY2(unsealed.status == 200, unsealed.describe().constData());
    QCOMPARE(unsealed.object().value(str("sealed")).toBool(), false);
    http.setAdminToken("cvadm_some-other-token-entirely");
    QCOMPARE(http.get(str("/admin/secrets")).status, 401);
    http.setAdminToken(token);
    const HttpReply listed = http.get(str("/admin/secrets"));
    QVERIFY2(listed.status == 200, listed.describe().constData());

    // It stays the token across a restart (here unsealed by two share files).
    QVERIFY(server.stop());
    const QStringList shares = stringsOf(init.object().value(str("shares")));
    const QString a = dir.filePath(str("a.share"));
    const QString b = dir.filePath(str("b.share"));
    QVERIFY(writeFile(a, shares.at(0).toUtf8()));
    QVERIFY(writeFile(b, shares.at(2).toUtf8()));
    server.environment().remove(str("ADMIN_TOKEN"));
    QVERIFY2(server.start({str("--share-file"), a, str("--share-file"), b}),
             server.allOutput().constData());
    http.setBaseUrl(server.url());
    const HttpReply afterRestart = http.get(str("/admin/secrets"));
    QVERIFY2(afterRestart.status == 200, afterRestart.describe().constData());
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestE2eShareBoot)
#include "tst_e2e_share_boot.moc"
