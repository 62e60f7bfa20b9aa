// Shamir shares over HTTP, as officers and operators see them: POST /sys/init with a share set,
// share-by-share unseal (any quorum opens, fewer never do, bad shares are refused without losing
// progress), the recovery_boot alarm, rekey with and without verification, and password change.
// The shares are cross-checked with gfcombine (libgfshare-bin) on their raw form.

#include "HttpReceiver.h"
#include "ServiceFixture.h"
#include "shares/ShareCodec.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <variant>
#include <vector>

using namespace cortex;
using namespace cortex::test;
using Auth = HttpClient::Auth;

namespace {

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

// Every k-subset of {0..n-1}, in lexicographic order.
QList<QList<int>> subsets(int n, int k)
{
    QList<QList<int>> out;
    QList<int> current;
    const std::function<void(int)> walk = [&](int from) {
        if (current.size() == k) {
            out.append(current);
            return;
        }
        for (int i = from; i < n; ++i) {
            current.append(i);
            walk(i + 1);
            current.removeLast();
        }
    };
    walk(0);
    return out;
}

QString describeSubset(const QList<int> &subset)
{
    QStringList parts;
    for (int i : subset)
        parts.append(QString::number(i + 1));
    return parts.join(u',');
}

// The result of a POST /sys/init.
struct InitResult
{
    QJsonObject response;
    QStringList shares;
    QStringList groups;
    QString keyId;
};

InitResult initResultOf(const QJsonObject &response)
{
    return {response, stringsOf(response.value(str("shares"))),
            stringsOf(response.value(str("shares_groups"))),
            response.value(str("key_id")).toString()};
}

QJsonObject sealStatusOf(HttpClient &http)
{
    return http.get(str("/sys/seal-status"), Auth::None).object();
}

HttpReply submitShare(HttpClient &http, const QString &share, const QString &nonce = {})
{
    QJsonObject body{{str("share"), share}};
    if (!nonce.isEmpty())
        body.insert(str("nonce"), nonce);
    return http.post(str("/sys/unseal"), body, Auth::None);
}

// Gives the shares in order; the reply to the last one.
HttpReply submitShares(HttpClient &http, const QStringList &shares)
{
    HttpReply last;
    for (const QString &share : shares) {
        last = submitShare(http, share);
        if (last.status != 200)
            break;
    }
    return last;
}

QStringList pick(const QStringList &all, const QList<int> &indexes)
{
    QStringList out;
    for (int i : indexes)
        out.append(all.at(i));
    return out;
}

shares::Share parsed(const QString &text)
{
    auto result = shares::parse(text);
    if (auto *error = std::get_if<shares::ParseError>(&result)) {
        qWarning("share does not parse: %s", qPrintable(error->code));
        return {};
    }
    return std::move(std::get<shares::Share>(result));
}

// Replaces the character at `position` by another one of the same kind (base64url or hex).
QString corruptAt(QString text, qsizetype position)
{
    const QChar c = text.at(position);
    QChar replacement = c == u'A' ? u'B' : u'A';
    if ((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))
        replacement = c == u'0' ? u'1' : u'0';
    text[position] = replacement;
    return text;
}

// The raw bytes of POST /sys/unseal {password} and POST /sys/change-password, for tests that
// keep several requests in flight on connections of their own.
QByteArray rawUnseal(const QString &password)
{
    return rawRequest("POST", "/sys/unseal", {{"Content-Type", "application/json"}},
                      toJson({{str("password"), password}}));
}

QByteArray rawChangePassword(const QString &current, const QString &replacement)
{
    return rawRequest(
        "POST", "/sys/change-password", {{"Content-Type", "application/json"}},
        toJson({{str("current_password"), current}, {str("new_password"), replacement}}));
}

} // namespace

class TestShamirUnseal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void initRejectsBadBodies_data();
    void initRejectsBadBodies();
    void initAcceptsTheBounds_data();
    void initAcceptsTheBounds();
    void initAnswersWithASealedVaultAndOnce();
    void uninitializedVaultRefusesShares();
    void everyQuorumUnseals();
    void noPairUnseals();
    void groupsFormUnseals();
    void badSharesKeepProgress_data();
    void badSharesKeepProgress();
    void wrongThresholdShareIsRefused();
    void forgedShareDoesNotCombine();
    void resetDiscardsProgress();
    void nonceMismatchKeepsProgress();
    void progressExpires();
    void gfcombineAgrees();
    void recoveryBootIsAuditedAlarmedAndNotified();
    void passwordAndSharesBothUnseal();
    void rekeyWithoutVerification();
    void rekeyWithVerification();
    void rekeyCancelAndErrors();
    void rekeyProgressExpires();
    void firstShareSetThroughRekey();
    void firstShareSetThroughRekeyWithVerification();
    void changePasswordSealedWithCurrent();
    void changePasswordAsAdmin();
    void changePasswordRefusals();
    void changePasswordHoldsUpNoOneElse();
    void unsealWithPasswordHoldsUpNoOneElse();
    void aReplacedPasswordUnsealsNothing();
    void aFullDerivationQueueAnswersBusy();
    void adminAddsAPasswordToASharesOnlyVault();

private:
    // A server that was started uninitialised and then given POST /sys/init `body` (cheap
    // Argon2id for any password). Its client carries the admin token.
    std::unique_ptr<TestServer> initServer(const QJsonObject &body, InitResult *result);
    // A password-only vault (TestServer::start), unsealed.
    std::unique_ptr<TestServer> passwordServer();
    void seal(HttpClient &http);
    void expectProgress(HttpClient &http, int progress, const char *where);
    QString createSecret(HttpClient &http, const QString &keyPath, const QString &value);
    QString readSecret(HttpClient &http, const QString &id);
    // True when no share text (nor its payload) appears in the audit export.
    void expectNoShareInAudit(HttpClient &http, const QStringList &shareTexts);

    std::unique_ptr<TestServer> m_main; // 3 of 5, no password
    InitResult m_mainInit;
    std::unique_ptr<TestServer> m_other; // 3 of 5 too: its shares are of another key
    InitResult m_otherInit;
};

std::unique_ptr<TestServer> TestShamirUnseal::initServer(const QJsonObject &body,
                                                         InitResult *result)
{
    auto server = std::make_unique<TestServer>();
    QString error;
    if (!server->startUninitialized(&error)) {
        qWarning("startUninitialized: %s", qPrintable(error));
        return nullptr;
    }
    server->server().setKdfProfile(crypto::KdfProfile::Interactive);
    const HttpReply reply = server->http().post(str("/sys/init"), body, Auth::None);
    if (reply.status != 200) {
        qWarning("/sys/init: %s", reply.describe().constData());
        return nullptr;
    }
    *result = initResultOf(reply.object());
    server->http().setAdminToken(reply.object().value(str("admin_token")).toString().toUtf8());
    return server;
}

std::unique_ptr<TestServer> TestShamirUnseal::passwordServer()
{
    auto server = std::make_unique<TestServer>();
    QString error;
    if (!server->start(&error)) {
        qWarning("start: %s", qPrintable(error));
        return nullptr;
    }
    server->server().setKdfProfile(crypto::KdfProfile::Interactive);
    return server;
}

void TestShamirUnseal::seal(HttpClient &http)
{
    const HttpReply r = http.post(str("/sys/seal"), {});
    CHECK_STATUS(r, 200);
    QCOMPARE(r.object().value(str("sealed")).toBool(), true);
}

void TestShamirUnseal::expectProgress(HttpClient &http, int progress, const char *where)
{
    const QJsonObject status = sealStatusOf(http);
    QVERIFY2(status.value(str("sealed")).toBool(), where);
    QVERIFY2(status.value(str("progress")).toInt() == progress,
             qPrintable(QStringLiteral("%1: progress %2, expected %3")
                            .arg(QString::fromUtf8(where))
                            .arg(status.value(str("progress")).toInt())
                            .arg(progress)));
}

QString TestShamirUnseal::createSecret(HttpClient &http, const QString &keyPath,
                                       const QString &value)
{
    const HttpReply r =
        http.post(str("/admin/secrets"), {{str("key_path"), keyPath}, {str("value"), value}});
    if (r.status != 201)
        qWarning("create secret: %s", r.describe().constData());
    return r.object().value(str("id")).toString();
}

QString TestShamirUnseal::readSecret(HttpClient &http, const QString &id)
{
    const HttpReply r = http.get(str("/admin/secrets/") + id);
    if (r.status != 200)
        qWarning("read secret: %s", r.describe().constData());
    return r.object().value(str("value")).toString();
}

void TestShamirUnseal::expectNoShareInAudit(HttpClient &http, const QStringList &shareTexts)
{
    const HttpReply exported = http.get(str("/admin/audit/export"));
    CHECK_STATUS(exported, 200);
    QVERIFY(!exported.body.isEmpty());
    for (const QString &text : shareTexts) {
        const QString payload = text.section(u':', 4, 4);
        QVERIFY(!payload.isEmpty());
        QVERIFY2(!exported.body.contains(payload.toUtf8()), "a share payload is in the audit log");
    }
}

void TestShamirUnseal::initTestCase()
{
    m_main = initServer({{str("secret_shares"), 5}, {str("secret_threshold"), 3}}, &m_mainInit);
    QVERIFY(m_main);
    QCOMPARE(m_mainInit.shares.size(), 5);
    m_other = initServer({{str("secret_shares"), 5}, {str("secret_threshold"), 3}}, &m_otherInit);
    QVERIFY(m_other);
    QVERIFY(m_mainInit.keyId != m_otherInit.keyId);
}

void TestShamirUnseal::cleanup()
{
    // Every test starts with the main vault sealed and no progress.
    HttpClient &http = m_main->http();
    if (!sealStatusOf(http).value(str("sealed")).toBool(true))
        http.post(str("/sys/seal"), {});
    http.post(str("/sys/unseal"), {{str("reset"), true}}, Auth::None);
}

void TestShamirUnseal::initRejectsBadBodies_data()
{
    QTest::addColumn<QJsonObject>("body");
    QTest::addColumn<QString>("code");
    const auto row = [](const char *name, const QJsonObject &body, const char *code) {
        QTest::newRow(name) << body << QString::fromUtf8(code);
    };
    row("empty", {}, "missing_field");
    row("shares without threshold", {{str("secret_shares"), 3}}, "missing_field");
    row("threshold without shares", {{str("secret_threshold"), 2}}, "missing_field");
    row("threshold 1", {{str("secret_shares"), 3}, {str("secret_threshold"), 1}}, "invalid_field");
    row("threshold 0", {{str("secret_shares"), 3}, {str("secret_threshold"), 0}}, "invalid_field");
    row("threshold above shares", {{str("secret_shares"), 3}, {str("secret_threshold"), 4}},
        "invalid_field");
    row("256 shares", {{str("secret_shares"), 256}, {str("secret_threshold"), 2}}, "invalid_field");
    row("threshold 256", {{str("secret_shares"), 256}, {str("secret_threshold"), 256}},
        "invalid_field");
    row("negative", {{str("secret_shares"), -3}, {str("secret_threshold"), -2}}, "invalid_field");
    row("password of 7 bytes", {{str("password"), str("1234567")}}, "invalid_field");
    row("short password beside shares",
        {{str("secret_shares"), 3}, {str("secret_threshold"), 2}, {str("password"), str("short")}},
        "invalid_field");
}

void TestShamirUnseal::initRejectsBadBodies()
{
    QFETCH(QJsonObject, body);
    QFETCH(QString, code);
    TestServer server;
    QString error;
    QVERIFY2(server.startUninitialized(&error), qPrintable(error));
    const HttpReply r = server.http().post(str("/sys/init"), body, Auth::None);
    CHECK_STATUS(r, 400);
    QCOMPARE(r.errorCode(), code);
    // Nothing was created: the vault still waits for a good /sys/init.
    QCOMPARE(sealStatusOf(server.http()).value(str("initialized")).toBool(true), false);
    QVERIFY(!server.server().isInitialized());
}

void TestShamirUnseal::initAcceptsTheBounds_data()
{
    QTest::addColumn<int>("threshold");
    QTest::addColumn<int>("count");
    QTest::newRow("2 of 2") << 2 << 2;
    QTest::newRow("2 of 255") << 2 << 255;
    QTest::newRow("255 of 255") << 255 << 255;
}

void TestShamirUnseal::initAcceptsTheBounds()
{
    QFETCH(int, threshold);
    QFETCH(int, count);
    InitResult init;
    auto server =
        initServer({{str("secret_shares"), count}, {str("secret_threshold"), threshold}}, &init);
    QVERIFY(server);
    QCOMPARE(init.shares.size(), count);
    QCOMPARE(init.groups.size(), count);
    QSet<int> indexes;
    for (const QString &text : init.shares) {
        const shares::Share share = parsed(text);
        QCOMPARE(shares::keyIdText(share.keyId), init.keyId);
        QCOMPARE(int(share.threshold), threshold);
        indexes.insert(share.index);
    }
    QCOMPARE(indexes.size(), count); // every index once
    // The quorum at the threshold unseals.
    const HttpReply last = submitShares(server->http(), init.shares.mid(count - threshold));
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::initAnswersWithASealedVaultAndOnce()
{
    const QJsonObject r = m_mainInit.response;
    QCOMPARE(r.value(str("initialized")).toBool(), true);
    QCOMPARE(r.value(str("sealed")).toBool(), true);
    QCOMPARE(r.value(str("secret_threshold")).toInt(), 3);
    QCOMPARE(r.value(str("secret_shares")).toInt(), 5);
    QCOMPARE(r.value(str("threshold")).toInt(), 3);
    QCOMPARE(r.value(str("progress")).toInt(), 0);
    QCOMPARE(r.value(str("share_key_id")).toString(), m_mainInit.keyId);
    QCOMPARE(r.value(str("key_id")).toString().size(), 16);
    QCOMPARE(r.value(str("admin_token_source")).toString(), str("generated"));
    QVERIFY(r.value(str("admin_token")).toString().startsWith(u"cvadm_"));
    QCOMPARE(stringsOf(r.value(str("unseal_methods"))), QStringList{str("shares")});
    QVERIFY(r.value(str("version")).isString());
    QCOMPARE(m_mainInit.groups.size(), 5);
    for (qsizetype i = 0; i < m_mainInit.shares.size(); ++i) {
        QVERIFY(m_mainInit.shares.at(i).startsWith(str("cvshare1:") + m_mainInit.keyId + u':'));
        // The groups form is the same share.
        const shares::Share text = parsed(m_mainInit.shares.at(i));
        const shares::Share groups = parsed(m_mainInit.groups.at(i));
        QCOMPARE(groups.index, text.index);
        QCOMPARE(groups.keyId, text.keyId);
        QCOMPARE(groups.payload.view().toByteArray(), text.payload.view().toByteArray());
    }

    // The vault is sealed: the admin API is closed until a quorum unseals it.
    CHECK_STATUS(m_main->http().get(str("/admin/secrets")), 503);
    // Once only, with or without a body that would be valid.
    CHECK_ERROR(m_main->http().post(str("/sys/init"),
                                    {{str("secret_shares"), 5}, {str("secret_threshold"), 3}},
                                    Auth::None),
                409, "already_initialized");
    CHECK_ERROR(m_main->http().post(str("/sys/init"),
                                    {{str("password"), str("a long enough password")}}, Auth::None),
                409, "already_initialized");
    // The share set did not change.
    QCOMPARE(sealStatusOf(m_main->http()).value(str("share_key_id")).toString(), m_mainInit.keyId);
    // A vault started with a password (not through /sys/init) refuses it too.
    auto password = passwordServer();
    QVERIFY(password);
    CHECK_ERROR(password->http().post(str("/sys/init"),
                                      {{str("secret_shares"), 3}, {str("secret_threshold"), 2}},
                                      Auth::None),
                409, "already_initialized");
}

void TestShamirUnseal::uninitializedVaultRefusesShares()
{
    TestServer server;
    QString error;
    QVERIFY2(server.startUninitialized(&error), qPrintable(error));
    CHECK_ERROR(submitShare(server.http(), m_mainInit.shares.at(0)), 400, "not_initialized");
    const QJsonObject status = sealStatusOf(server.http());
    QCOMPARE(status.value(str("initialized")).toBool(true), false);
    QCOMPARE(status.value(str("sealed")).toBool(), true);
}

void TestShamirUnseal::everyQuorumUnseals()
{
    HttpClient &http = m_main->http();
    const QList<QList<int>> triples = subsets(5, 3);
    QCOMPARE(triples.size(), 10);
    for (const QList<int> &triple : triples) {
        const QByteArray which = describeSubset(triple).toUtf8();
        QString nonce;
        for (qsizetype step = 0; step < triple.size(); ++step) {
            const HttpReply r = submitShare(http, m_mainInit.shares.at(triple.at(step)), nonce);
            QVERIFY2(r.status == 200, (which + ": " + r.describe()).constData());
            const QJsonObject status = r.object();
            const bool last = step == triple.size() - 1;
            QVERIFY2(status.value(str("sealed")).toBool() == !last, which.constData());
            QCOMPARE(status.value(str("threshold")).toInt(), 3);
            if (!last) {
                QCOMPARE(status.value(str("progress")).toInt(), int(step + 1));
                if (nonce.isEmpty())
                    nonce = status.value(str("nonce")).toString();
                QVERIFY(!nonce.isEmpty());
                QCOMPARE(status.value(str("nonce")).toString(), nonce);
            } else {
                QCOMPARE(status.value(str("progress")).toInt(), 0);
            }
        }
        // Unsealed for real: the admin API answers.
        CHECK_STATUS(http.get(str("/admin/secrets")), 200);
        seal(http);
        if (QTest::currentTestFailed())
            return;
    }
}

void TestShamirUnseal::noPairUnseals()
{
    HttpClient &http = m_main->http();
    const QList<QList<int>> pairs = subsets(5, 2);
    QCOMPARE(pairs.size(), 10);
    for (const QList<int> &pair : pairs) {
        const QByteArray which = describeSubset(pair).toUtf8();
        const HttpReply r = submitShares(http, pick(m_mainInit.shares, pair));
        QVERIFY2(r.status == 200, (which + ": " + r.describe()).constData());
        QCOMPARE(r.object().value(str("sealed")).toBool(), true);
        QCOMPARE(r.object().value(str("progress")).toInt(), 2);
        expectProgress(http, 2, which.constData());
        CHECK_STATUS(http.get(str("/admin/secrets")), 503);
        // The same two again do not count twice.
        CHECK_ERROR(submitShare(http, m_mainInit.shares.at(pair.at(0))), 400, "share_duplicate");
        expectProgress(http, 2, which.constData());
        CHECK_STATUS(http.post(str("/sys/unseal"), {{str("reset"), true}}, Auth::None), 200);
        expectProgress(http, 0, which.constData());
    }
}

void TestShamirUnseal::groupsFormUnseals()
{
    HttpClient &http = m_main->http();
    const QStringList given{m_mainInit.groups.at(0), m_mainInit.groups.at(2).toLower(),
                            // as typed with dashes instead of spaces
                            QString(m_mainInit.groups.at(4)).replace(u' ', u'-')};
    const HttpReply first = submitShare(http, given.at(0));
    CHECK_STATUS(first, 200);
    QCOMPARE(first.object().value(str("progress")).toInt(), 1);
    const HttpReply second = submitShare(http, given.at(1));
    CHECK_STATUS(second, 200);
    QCOMPARE(second.object().value(str("progress")).toInt(), 2);
    const HttpReply third = submitShare(http, given.at(2));
    CHECK_STATUS(third, 200);
    QCOMPARE(third.object().value(str("sealed")).toBool(), false);

    // Text and groups forms mix, and the same share in both forms is a duplicate.
    seal(http);
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(1)), 200);
    CHECK_ERROR(submitShare(http, m_mainInit.groups.at(1).toLower()), 400, "share_duplicate");
    CHECK_STATUS(submitShare(http, m_mainInit.groups.at(3)), 200);
    const HttpReply last = submitShare(http, m_mainInit.shares.at(4));
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::badSharesKeepProgress_data()
{
    QTest::addColumn<QString>("share");
    QTest::addColumn<QString>("code");
    // m_mainInit is filled in initTestCase, which runs before the _data functions.
    const QString good = m_mainInit.shares.at(1);
    const QString groups = m_mainInit.groups.at(1);
    const qsizetype payloadStart = good.indexOf(u':', good.indexOf(u':', 26) + 1) + 1;
    const qsizetype checksumStart = good.lastIndexOf(u':') + 1;
    const auto row = [](const char *name, const QString &share, const char *code) {
        QTest::newRow(name) << share << QString::fromUtf8(code);
    };
    row("another vault's share", m_otherInit.shares.at(1), "share_wrong_key");
    row("another vault's share (groups)", m_otherInit.groups.at(3), "share_wrong_key");
    row("duplicate", m_mainInit.shares.at(0), "share_duplicate");
    row("duplicate in groups form", m_mainInit.groups.at(0), "share_duplicate");
    row("payload character changed", corruptAt(good, payloadStart + 5), "share_checksum_mismatch");
    row("key id character changed", corruptAt(good, 10), "share_checksum_mismatch");
    row("checksum character changed", corruptAt(good, checksumStart + 3),
        "share_checksum_mismatch");
    row("checksum cut short", good.chopped(3), "share_truncated");
    row("checksum missing", good.left(checksumStart - 1), "share_truncated");
    row("only the start", good.left(9), "share_truncated");
    row("last group cut short", groups.chopped(2), "share_truncated");
    // The check character of the first group.
    QString mistyped = groups;
    mistyped[4] = mistyped.at(4) == u'0' ? u'1' : u'0';
    row("groups form mistyped", mistyped, "share_group_mistyped");
    row("version 2", QString(good).replace(0, 9, str("cvshare2:")), "share_unsupported_version");
    row("not a share", str("{not: a share}"), "share_malformed");
    // Well formed with a good checksum, but index 0 is where the secret itself lies.
    shares::Share zero = parsed(good);
    zero.index = 0;
    row("index 0", shares::toText(zero), "share_invalid_index");
}

void TestShamirUnseal::badSharesKeepProgress()
{
    QFETCH(QString, share);
    QFETCH(QString, code);
    HttpClient &http = m_main->http();
    const HttpReply first = submitShare(http, m_mainInit.shares.at(0));
    CHECK_STATUS(first, 200);
    const QString nonce = first.object().value(str("nonce")).toString();
    QVERIFY(!nonce.isEmpty());

    const HttpReply refused = submitShare(http, share, nonce);
    CHECK_STATUS(refused, 400);
    QCOMPARE(refused.errorCode(), code);
    QVERIFY(!refused.object().value(str("error")).toString().isEmpty());
    // The refusal never echoes the share.
    const QString payload = share.section(u':', 4, 4);
    if (payload.size() > 8)
        QVERIFY(!refused.body.contains(payload.toUtf8()));

    // Nothing was lost: same attempt, same progress, and two good shares finish it.
    const QJsonObject status = sealStatusOf(http);
    QCOMPARE(status.value(str("progress")).toInt(), 1);
    QCOMPARE(status.value(str("nonce")).toString(), nonce);
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(2), nonce), 200);
    const HttpReply last = submitShare(http, m_mainInit.shares.at(3), nonce);
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::wrongThresholdShareIsRefused()
{
    // A well-formed share (good checksum) that claims another threshold.
    shares::Share share = parsed(m_mainInit.shares.at(1));
    share.threshold = 2;
    const QString altered = shares::toText(share);
    HttpClient &http = m_main->http();
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(0)), 200);
    CHECK_ERROR(submitShare(http, altered), 400, "share_wrong_threshold");
    expectProgress(http, 1, "after a wrong threshold");
}

void TestShamirUnseal::forgedShareDoesNotCombine()
{
    // Well formed, the right set and threshold, a good checksum, but not a real share: the
    // quorum it completes does not open the vault, and the attempt starts over.
    shares::Share forged = parsed(m_mainInit.shares.at(2));
    forged.payload.data()[0] ^= 0x01;
    HttpClient &http = m_main->http();
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(0)), 200);
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(1)), 200);
    CHECK_ERROR(submitShare(http, shares::toText(forged)), 400, "shares_do_not_combine");
    expectProgress(http, 0, "after shares that do not combine");
    CHECK_STATUS(http.get(str("/admin/secrets")), 503);
    const HttpReply last = submitShares(http, m_mainInit.shares.mid(0, 3));
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::resetDiscardsProgress()
{
    HttpClient &http = m_main->http();
    const HttpReply first = submitShare(http, m_mainInit.shares.at(0));
    CHECK_STATUS(first, 200);
    const QString nonce = first.object().value(str("nonce")).toString();
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(1), nonce), 200);
    expectProgress(http, 2, "before the reset");

    const HttpReply reset = http.post(str("/sys/unseal"), {{str("reset"), true}}, Auth::None);
    CHECK_STATUS(reset, 200);
    QCOMPARE(reset.object().value(str("progress")).toInt(), 0);
    QCOMPARE(reset.object().value(str("sealed")).toBool(), true);
    QCOMPARE(reset.object().value(str("nonce")).toString(), QString());
    expectProgress(http, 0, "after the reset");
    // reset goes alone
    CHECK_ERROR(http.post(str("/sys/unseal"),
                          {{str("reset"), true}, {str("share"), m_mainInit.shares.at(2)}},
                          Auth::None),
                400, "invalid_field");

    // The old attempt's nonce is gone with it.
    CHECK_ERROR(submitShare(http, m_mainInit.shares.at(2), nonce), 400, "unseal_nonce_mismatch");
    // One share after the reset is not enough with the two before it.
    const HttpReply again = submitShare(http, m_mainInit.shares.at(2));
    CHECK_STATUS(again, 200);
    QCOMPARE(again.object().value(str("progress")).toInt(), 1);
    QVERIFY(again.object().value(str("nonce")).toString() != nonce);
    // and the shares given before the reset count again as new ones
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(0)), 200);
    const HttpReply last = submitShare(http, m_mainInit.shares.at(1));
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::nonceMismatchKeepsProgress()
{
    HttpClient &http = m_main->http();
    const HttpReply first = submitShare(http, m_mainInit.shares.at(4));
    CHECK_STATUS(first, 200);
    const QString nonce = first.object().value(str("nonce")).toString();
    const HttpReply wrong =
        submitShare(http, m_mainInit.shares.at(3), str("0123456789abcdef0123456789abcdef"));
    CHECK_ERROR(wrong, 400, "unseal_nonce_mismatch");
    expectProgress(http, 1, "after a nonce mismatch");
    QCOMPARE(sealStatusOf(http).value(str("nonce")).toString(), nonce);
    CHECK_STATUS(submitShare(http, m_mainInit.shares.at(3), nonce), 200);
    const HttpReply last = submitShare(http, m_mainInit.shares.at(2), nonce);
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::progressExpires()
{
    qputenv("CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS", "10");
    InitResult init;
    auto server = initServer({{str("secret_shares"), 5}, {str("secret_threshold"), 3}}, &init);
    qunsetenv("CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS");
    QVERIFY(server);
    HttpClient &http = server->http();

    const HttpReply first = submitShare(http, init.shares.at(0));
    const QString nonce = first.object().value(str("nonce")).toString();
    CHECK_STATUS(submitShare(http, init.shares.at(1), nonce), 200);
    server->clock().advanceSeconds(8);
    expectProgress(http, 2, "8 s later");
    server->clock().advanceSeconds(3);
    expectProgress(http, 0, "11 s later");
    QCOMPARE(sealStatusOf(http).value(str("nonce")).toString(), QString());
    // The third share with the old attempt's nonce is told so; without it, it starts over.
    CHECK_ERROR(submitShare(http, init.shares.at(2), nonce), 400, "unseal_nonce_mismatch");
    const HttpReply restarted = submitShare(http, init.shares.at(2));
    CHECK_STATUS(restarted, 200);
    QCOMPARE(restarted.object().value(str("sealed")).toBool(), true);
    QCOMPARE(restarted.object().value(str("progress")).toInt(), 1);

    // Within the timeout a slow quorum still unseals.
    server->clock().advanceSeconds(6);
    CHECK_STATUS(submitShare(http, init.shares.at(3)), 200);
    server->clock().advanceSeconds(3);
    const HttpReply last = submitShare(http, init.shares.at(4));
    CHECK_STATUS(last, 200);
    QCOMPARE(last.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::gfcombineAgrees()
{
    const QString gfcombine = QStandardPaths::findExecutable(str("gfcombine"));
    if (gfcombine.isEmpty())
        QSKIP("gfcombine (libgfshare-bin) is not installed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // The raw form, as gfsplit writes it: NAME.NNN holds the payload of share NNN.
    QStringList files;
    for (const QString &text : m_mainInit.shares) {
        const shares::Share share = parsed(text);
        const QString path =
            dir.filePath(str("key.%1").arg(int(share.index), 3, 10, QLatin1Char('0')));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(share.payload.view().toByteArray()), qint64(share.payload.size()));
        file.close();
        files.append(path);
    }
    const auto combine = [&](const QStringList &inputs, const QString &out) -> QString {
        QProcess process;
        process.start(gfcombine, QStringList{str("-o"), out} + inputs);
        if (!process.waitForFinished(WaitLimitMs) || process.exitCode() != 0) {
            qWarning("gfcombine failed: %s", process.readAllStandardError().constData());
            return {};
        }
        QFile result(out);
        if (!result.open(QIODevice::ReadOnly))
            return {};
        const QByteArray key = result.readAll();
        return shares::keyIdText(shares::keyIdOf(crypto::SecureBytes::copyOf(key)));
    };
    for (const QList<int> &triple : subsets(5, 3)) {
        const QString out = dir.filePath(str("out-") + describeSubset(triple));
        QCOMPARE(combine(pick(files, triple), out), m_mainInit.keyId);
    }
    const QString fromTwo = combine(pick(files, {0, 3}), dir.filePath(str("out-two")));
    QVERIFY(!fromTwo.isEmpty());
    QVERIFY(fromTwo != m_mainInit.keyId);
}

void TestShamirUnseal::recoveryBootIsAuditedAlarmedAndNotified()
{
    HttpReceiver receiver;
    QVERIFY(receiver.listen());
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    // A first recovery boot, to reach the admin API and add a webhook channel.
    CHECK_STATUS(submitShares(http, init.shares.mid(0, 2)), 200);
    CHECK_STATUS(http.get(str("/admin/secrets")), 200);
    CHECK_STATUS(
        http.post(str("/admin/notification-channels"),
                  {{str("channel_type"), str("webhook")},
                   {str("name"), str("pager")},
                   {str("config"), QJsonObject{{str("url"), receiver.url(str("/hook"))}}}}),
        201);
    // A second enabled channel hears of it too; a disabled one does not.
    for (const char *path : {"/hook2", "/off"}) {
        CHECK_STATUS(
            http.post(str("/admin/notification-channels"),
                      {{str("channel_type"), str("webhook")},
                       {str("name"), str(path).mid(1)},
                       {str("enabled"), str(path) != str("/off")},
                       {str("config"), QJsonObject{{str("url"), receiver.url(str(path))}}}}),
            201);
    }
    const auto auditRows = [&](const QString &query) {
        return http.get(str("/admin/audit-logs?") + query).object().value(str("rows")).toArray();
    };
    const qsizetype rowsBefore = auditRows(str("action=recovery_boot")).size();
    QCOMPARE(rowsBefore, 1);
    const qsizetype alarmsBefore =
        http.get(str("/admin/alarms")).object().value(str("alarms")).toArray().size();
    seal(http);

    CHECK_STATUS(submitShare(http, init.shares.at(2)), 200);
    const HttpReply opening = submitShare(http, init.shares.at(0));
    CHECK_STATUS(opening, 200);
    QCOMPARE(opening.object().value(str("sealed")).toBool(), false);
    const QByteArray requestId = opening.header("X-Request-Id");
    QVERIFY(!requestId.isEmpty());

    // One audit row for the request that completed the quorum: the alarm.
    const QJsonArray forRequest = auditRows(str("request_id=") + QString::fromLatin1(requestId));
    QCOMPARE(forRequest.size(), 1);
    const QJsonArray rows = auditRows(str("action=recovery_boot"));
    QCOMPARE(rows.size(), rowsBefore + 1);
    const QJsonObject row = rows.at(0).toObject();
    QCOMPARE(row, forRequest.at(0).toObject());
    QCOMPARE(row.value(str("action")).toString(), str("recovery_boot"));
    QCOMPARE(row.value(str("status")).toString(), str("alarm"));
    const QJsonObject detail = row.value(str("detail")).toObject();
    QCOMPARE(detail.value(str("method")).toString(), str("shares"));
    QCOMPARE(detail.value(str("share_key_id")).toString(), init.keyId);
    QCOMPARE(detail.value(str("threshold")).toInt(), 2);
    QVERIFY(!detail.value(str("hostname")).toString().isEmpty());
    const QString alarmId = detail.value(str("alarm_id")).toString();
    QVERIFY(!alarmId.isEmpty());

    const QJsonArray alarms =
        http.get(str("/admin/alarms")).object().value(str("alarms")).toArray();
    QCOMPARE(alarms.size(), alarmsBefore + 1);
    const QJsonObject alarm = alarms.at(0).toObject();
    QCOMPARE(alarm.value(str("id")).toString(), alarmId);
    QCOMPARE(alarm.value(str("kind")).toString(), str("recovery_boot"));
    QCOMPARE(alarm.value(str("acknowledged")).toBool(), false);
    QCOMPARE(alarm.value(str("request_id")).toString().toLatin1(), requestId);
    QCOMPARE(alarm.value(str("audit_seq")).toInteger(), row.value(str("seq")).toInteger());

    // The channel hears of it (delivery is asynchronous).
    const auto notification = [&](const QString &path = QStringLiteral("/hook")) -> QJsonObject {
        for (const HttpReceiver::Request &r : receiver.requestsTo(path)) {
            const QJsonObject json = r.json();
            if (json.value(str("event")).toString() == str("recovery_boot") &&
                json.value(str("alarm_id")).toString() == alarmId)
                return json;
        }
        return {};
    };
    QVERIFY2(QTest::qWaitFor([&] { return !notification().isEmpty(); }, WaitLimitMs),
             "no recovery_boot notification arrived");
    const QJsonObject note = notification();
    QCOMPARE(note.value(str("severity")).toString(), str("critical"));
    QCOMPARE(note.value(str("request_id")).toString().toLatin1(), requestId);
    QCOMPARE(note.value(str("share_key_id")).toString(), init.keyId);
    QVERIFY2(QTest::qWaitFor([&] { return !notification(str("/hook2")).isEmpty(); }, WaitLimitMs),
             "the second channel was not notified");
    QVERIFY(receiver.requestsTo(str("/off")).isEmpty());
    expectNoShareInAudit(http, init.shares);
}

void TestShamirUnseal::passwordAndSharesBothUnseal()
{
    const QString password = str("both kinds of keyslot");
    InitResult init;
    auto server = initServer(
        {{str("secret_shares"), 3}, {str("secret_threshold"), 2}, {str("password"), password}},
        &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    const QStringList methods = stringsOf(init.response.value(str("unseal_methods")));
    QVERIFY(methods.contains(str("password")));
    QVERIFY(methods.contains(str("shares")));
    QCOMPARE(init.shares.size(), 3);

    const HttpReply byPassword =
        http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None);
    CHECK_STATUS(byPassword, 200);
    QCOMPARE(byPassword.object().value(str("sealed")).toBool(), false);
    const QString id = createSecret(http, str("both/one"), str("value one"));
    QVERIFY(!id.isEmpty());
    // A password unseal raises no recovery_boot alarm.
    QCOMPARE(http.get(str("/admin/alarms")).object().value(str("alarms")).toArray().size(), 0);
    seal(http);

    const HttpReply byShares = submitShares(http, {init.shares.at(2), init.shares.at(0)});
    CHECK_STATUS(byShares, 200);
    QCOMPARE(byShares.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("value one"));
    seal(http);

    // A share started, then the password: open, and the half attempt is gone.
    CHECK_STATUS(submitShare(http, init.shares.at(1)), 200);
    CHECK_ERROR(
        http.post(str("/sys/unseal"), {{str("password"), str("not the password")}}, Auth::None),
        401, "invalid_password");
    expectProgress(http, 1, "after a wrong password");
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 200);
    QCOMPARE(readSecret(http, id), str("value one"));
    seal(http);
    expectProgress(http, 0, "after the password unseal and a seal");
}

void TestShamirUnseal::rekeyWithoutVerification()
{
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    CHECK_STATUS(submitShares(http, init.shares.mid(1, 2)), 200);
    const QString id = createSecret(http, str("rekey/kept"), str("made before the rekey"));
    QVERIFY(!id.isEmpty());

    const HttpReply started = http.post(str("/sys/rekey/init"),
                                        {{str("secret_shares"), 5}, {str("secret_threshold"), 3}});
    CHECK_STATUS(started, 200);
    const QJsonObject s = started.object();
    QCOMPARE(s.value(str("started")).toBool(), true);
    QCOMPARE(s.value(str("complete")).toBool(), false);
    QCOMPARE(s.value(str("required")).toInt(), 2);
    QCOMPARE(s.value(str("threshold")).toInt(), 2);
    QCOMPARE(s.value(str("progress")).toInt(), 0);
    QCOMPARE(s.value(str("secret_threshold")).toInt(), 3);
    QCOMPARE(s.value(str("secret_shares")).toInt(), 5);
    QCOMPARE(s.value(str("verification_required")).toBool(), false);
    QCOMPARE(s.value(str("key_id")).toString(), init.keyId);
    QVERIFY(!s.contains(str("shares")));
    const QString nonce = s.value(str("nonce")).toString();
    QVERIFY(!nonce.isEmpty());
    // The status is open to the share holders.
    const HttpReply status = http.get(str("/sys/rekey/init"), Auth::None);
    CHECK_STATUS(status, 200);
    QCOMPARE(status.object().value(str("started")).toBool(), true);
    QCOMPARE(status.object().value(str("nonce")).toString(), nonce);

    const HttpReply one =
        http.post(str("/sys/rekey/update"),
                  {{str("nonce"), nonce}, {str("share"), init.shares.at(0)}}, Auth::None);
    CHECK_STATUS(one, 200);
    QCOMPARE(one.object().value(str("complete")).toBool(), false);
    QCOMPARE(one.object().value(str("progress")).toInt(), 1);
    CHECK_ERROR(http.post(str("/sys/rekey/update"),
                          {{str("nonce"), nonce}, {str("share"), init.groups.at(0)}}, Auth::None),
                400, "share_duplicate");
    CHECK_ERROR(http.post(str("/sys/rekey/update"),
                          {{str("nonce"), nonce}, {str("share"), m_mainInit.shares.at(0)}},
                          Auth::None),
                400, "share_wrong_key");
    const HttpReply done =
        http.post(str("/sys/rekey/update"),
                  {{str("nonce"), nonce}, {str("share"), init.groups.at(2)}}, Auth::None);
    CHECK_STATUS(done, 200);
    const QJsonObject d = done.object();
    QCOMPARE(d.value(str("complete")).toBool(), true);
    const QStringList fresh = stringsOf(d.value(str("shares")));
    QCOMPARE(fresh.size(), 5);
    QCOMPARE(stringsOf(d.value(str("shares_groups"))).size(), 5);
    const QString newKeyId = d.value(str("key_id")).toString();
    QVERIFY(!newKeyId.isEmpty());
    QVERIFY(newKeyId != init.keyId);
    QVERIFY(fresh.at(0).startsWith(str("cvshare1:") + newKeyId + u':'));
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             false);
    QCOMPARE(readSecret(http, id), str("made before the rekey"));
    const QJsonObject afterStatus = sealStatusOf(http);
    QCOMPARE(afterStatus.value(str("share_key_id")).toString(), newKeyId);
    QCOMPARE(afterStatus.value(str("secret_shares")).toInt(), 5);
    QCOMPARE(afterStatus.value(str("threshold")).toInt(), 3);

    seal(http);
    // The old shares stopped working at once.
    CHECK_ERROR(submitShare(http, init.shares.at(0)), 400, "share_wrong_key");
    CHECK_ERROR(submitShare(http, init.groups.at(1)), 400, "share_wrong_key");
    expectProgress(http, 0, "after old shares");
    // Any 3 of the 5 new ones open it; 2 do not.
    CHECK_STATUS(submitShares(http, {fresh.at(4), fresh.at(1)}), 200);
    expectProgress(http, 2, "two new shares");
    const HttpReply opened = submitShare(http, fresh.at(2));
    CHECK_STATUS(opened, 200);
    QCOMPARE(opened.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("made before the rekey"));

    // The new set is the stored one: after a restart too, old refused, new open.
    QString error;
    QVERIFY2(server->restart(&error), qPrintable(error));
    CHECK_ERROR(submitShare(http, init.shares.at(2)), 400, "share_wrong_key");
    const HttpReply afterRestart = submitShares(http, {fresh.at(0), fresh.at(3), fresh.at(2)});
    CHECK_STATUS(afterRestart, 200);
    QCOMPARE(afterRestart.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("made before the rekey"));

    // The audit log tells the story, without a share.
    for (const char *action : {"rekey_init", "rekey_update"}) {
        const QJsonArray rows = http.get(str("/admin/audit-logs?action=") + str(action))
                                    .object()
                                    .value(str("rows"))
                                    .toArray();
        QVERIFY2(!rows.isEmpty(), action);
    }
    expectNoShareInAudit(http, init.shares + fresh);
}

void TestShamirUnseal::rekeyWithVerification()
{
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    CHECK_STATUS(submitShares(http, init.shares.mid(0, 2)), 200);
    const QString id = createSecret(http, str("rekey/verified"), str("still here"));
    QVERIFY(!id.isEmpty());

    // No verification round to answer yet.
    CHECK_ERROR(http.post(str("/sys/rekey/verify"),
                          {{str("nonce"), str("x")}, {str("share"), init.shares.at(0)}},
                          Auth::None),
                409, "no_rekey_verification");

    const auto runUpdates = [&](int threshold, int count) -> QJsonObject {
        const HttpReply started =
            http.post(str("/sys/rekey/init"), {{str("secret_shares"), count},
                                               {str("secret_threshold"), threshold},
                                               {str("require_verification"), true}});
        if (started.status != 200) {
            qWarning("rekey/init: %s", started.describe().constData());
            return {};
        }
        const QString nonce = started.object().value(str("nonce")).toString();
        if (!started.object().value(str("verification_required")).toBool())
            qWarning("verification_required is not true");
        HttpReply last;
        for (const QString &share : {init.shares.at(2), init.shares.at(1)})
            last = http.post(str("/sys/rekey/update"),
                             {{str("nonce"), nonce}, {str("share"), share}}, Auth::None);
        if (last.status != 200)
            qWarning("rekey/update: %s", last.describe().constData());
        return last.object();
    };

    // First attempt: new shares handed out, never verified, then the vault is sealed.
    const QJsonObject handedOut = runUpdates(2, 4);
    QCOMPARE(handedOut.value(str("complete")).toBool(), false);
    QCOMPARE(handedOut.value(str("verification_required")).toBool(), true);
    const QStringList unverified = stringsOf(handedOut.value(str("shares")));
    QCOMPARE(unverified.size(), 4);
    QVERIFY(!handedOut.value(str("verification_nonce")).toString().isEmpty());
    // Mid-way the current set is still the old one.
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), init.keyId);
    const QJsonObject midway = http.get(str("/sys/rekey/init"), Auth::None).object();
    QCOMPARE(midway.value(str("started")).toBool(), true);
    QCOMPARE(midway.value(str("complete")).toBool(), false);
    // The current-share round is over.
    CHECK_ERROR(http.post(str("/sys/rekey/update"),
                          {{str("nonce"), handedOut.value(str("nonce")).toString()},
                           {str("share"), init.shares.at(0)}},
                          Auth::None),
                409, "no_rekey");
    seal(http);
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             false);
    CHECK_ERROR(submitShare(http, unverified.at(0)), 400, "share_wrong_key");
    const HttpReply oldStillWorks = submitShares(http, {init.shares.at(0), init.shares.at(2)});
    CHECK_STATUS(oldStillWorks, 200);
    QCOMPARE(oldStillWorks.object().value(str("sealed")).toBool(), false);

    // Second attempt, verified by the new holders.
    const QJsonObject second = runUpdates(3, 5);
    QCOMPARE(second.value(str("complete")).toBool(), false);
    const QStringList fresh = stringsOf(second.value(str("shares")));
    QCOMPARE(fresh.size(), 5);
    QCOMPARE(stringsOf(second.value(str("shares_groups"))).size(), 5);
    const QString newKeyId = second.value(str("key_id")).toString();
    QVERIFY(newKeyId != init.keyId);
    const QString vnonce = second.value(str("verification_nonce")).toString();
    const auto verify = [&](const QString &nonce, const QString &share) {
        return http.post(str("/sys/rekey/verify"), {{str("nonce"), nonce}, {str("share"), share}},
                         Auth::None);
    };
    CHECK_ERROR(verify(str("0123456789abcdef"), fresh.at(0)), 400, "rekey_nonce_mismatch");
    CHECK_ERROR(verify(vnonce, init.shares.at(0)), 400, "share_wrong_key");
    CHECK_ERROR(verify(vnonce, unverified.at(0)), 400, "share_wrong_key");
    const HttpReply v1 = verify(vnonce, fresh.at(3));
    CHECK_STATUS(v1, 200);
    QCOMPARE(v1.object().value(str("complete")).toBool(), false);
    QCOMPARE(v1.object().value(str("progress")).toInt(), 1);
    CHECK_ERROR(verify(vnonce, fresh.at(3)), 400, "share_duplicate");
    const HttpReply v2 = verify(vnonce, stringsOf(second.value(str("shares_groups"))).at(0));
    CHECK_STATUS(v2, 200);
    QCOMPARE(v2.object().value(str("complete")).toBool(), false);
    // Still the old set until the last verifying share.
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), init.keyId);
    const HttpReply v3 = verify(vnonce, fresh.at(1));
    CHECK_STATUS(v3, 200);
    QCOMPARE(v3.object().value(str("complete")).toBool(), true);
    QVERIFY(!v3.object().contains(str("shares"))); // handed out once, before verification
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), newKeyId);
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             false);
    QVERIFY(!http.get(str("/admin/audit-logs?action=rekey_verify"))
                 .object()
                 .value(str("rows"))
                 .toArray()
                 .isEmpty());
    expectNoShareInAudit(http, init.shares + unverified + fresh);

    seal(http);
    CHECK_ERROR(submitShare(http, init.shares.at(0)), 400, "share_wrong_key");
    const HttpReply opened = submitShares(http, {fresh.at(0), fresh.at(2), fresh.at(4)});
    CHECK_STATUS(opened, 200);
    QCOMPARE(opened.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("still here"));
}

void TestShamirUnseal::rekeyCancelAndErrors()
{
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    const QJsonObject body{{str("secret_shares"), 4}, {str("secret_threshold"), 2}};
    // Sealed: no rekey.
    CHECK_STATUS(http.post(str("/sys/rekey/init"), body), 503);
    CHECK_STATUS(submitShares(http, init.shares.mid(0, 2)), 200);

    CHECK_ERROR(http.post(str("/sys/rekey/update"),
                          {{str("nonce"), str("x")}, {str("share"), init.shares.at(0)}},
                          Auth::None),
                409, "no_rekey");
    CHECK_ERROR(http.post(str("/sys/rekey/init"), body, Auth::None), 401, "missing_admin_token");
    CHECK_ERROR(http.post(str("/sys/rekey/init"),
                          {{str("secret_shares"), 2}, {str("secret_threshold"), 3}}),
                400, "invalid_field");
    CHECK_ERROR(http.post(str("/sys/rekey/init"),
                          {{str("secret_shares"), 3}, {str("secret_threshold"), 1}}),
                400, "invalid_field");

    const HttpReply started = http.post(str("/sys/rekey/init"), body);
    CHECK_STATUS(started, 200);
    const QString nonce = started.object().value(str("nonce")).toString();
    CHECK_ERROR(http.post(str("/sys/rekey/init"), body), 409, "rekey_in_progress");

    const auto update = [&](const QString &n, const QString &share) {
        return http.post(str("/sys/rekey/update"), {{str("nonce"), n}, {str("share"), share}},
                         Auth::None);
    };
    CHECK_ERROR(update(str("0123456789abcdef"), init.shares.at(0)), 400, "rekey_nonce_mismatch");
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("progress")).toInt(),
             0);
    const HttpReply one = update(nonce, init.shares.at(0));
    CHECK_STATUS(one, 200);
    QCOMPARE(one.object().value(str("progress")).toInt(), 1);
    CHECK_ERROR(update(str("0123456789abcdef"), init.shares.at(1)), 400, "rekey_nonce_mismatch");
    CHECK_ERROR(update(nonce, str("cvshare1:00")), 400, "share_truncated");
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("progress")).toInt(),
             1);

    // Cancel is for the admin.
    CHECK_ERROR(http.del(str("/sys/rekey/init"), Auth::None), 401, "missing_admin_token");
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             true);
    const HttpReply cancelled = http.del(str("/sys/rekey/init"));
    CHECK_STATUS(cancelled, 200);
    QCOMPARE(cancelled.object().value(str("started")).toBool(), false);
    CHECK_ERROR(update(nonce, init.shares.at(1)), 409, "no_rekey");
    QVERIFY(!http.get(str("/admin/audit-logs?action=rekey_cancel"))
                 .object()
                 .value(str("rows"))
                 .toArray()
                 .isEmpty());
    // The set did not change.
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), init.keyId);

    // Sealing cancels a rekey too.
    const HttpReply again = http.post(str("/sys/rekey/init"), body);
    CHECK_STATUS(again, 200);
    const QString nonce2 = again.object().value(str("nonce")).toString();
    QVERIFY(nonce2 != nonce);
    CHECK_STATUS(update(nonce2, init.shares.at(2)), 200);
    seal(http);
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             false);
    const HttpReply reopened = submitShares(http, {init.shares.at(2), init.shares.at(1)});
    CHECK_STATUS(reopened, 200);
    QCOMPARE(reopened.object().value(str("sealed")).toBool(), false);
    CHECK_ERROR(update(nonce2, init.shares.at(0)), 409, "no_rekey");
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), init.keyId);
}

void TestShamirUnseal::rekeyProgressExpires()
{
    qputenv("CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS", "10");
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    qunsetenv("CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS");
    QVERIFY(server);
    HttpClient &http = server->http();
    CHECK_STATUS(submitShares(http, init.shares.mid(0, 2)), 200);
    const HttpReply started = http.post(str("/sys/rekey/init"),
                                        {{str("secret_shares"), 3}, {str("secret_threshold"), 2}});
    CHECK_STATUS(started, 200);
    const QString nonce = started.object().value(str("nonce")).toString();
    CHECK_STATUS(http.post(str("/sys/rekey/update"),
                           {{str("nonce"), nonce}, {str("share"), init.shares.at(0)}}, Auth::None),
                 200);
    server->clock().advanceSeconds(11);
    QCOMPARE(http.get(str("/sys/rekey/init"), Auth::None).object().value(str("started")).toBool(),
             false);
    CHECK_ERROR(http.post(str("/sys/rekey/update"),
                          {{str("nonce"), nonce}, {str("share"), init.shares.at(1)}}, Auth::None),
                409, "no_rekey");
    QCOMPARE(sealStatusOf(http).value(str("share_key_id")).toString(), init.keyId);
    // A new rekey can begin.
    CHECK_STATUS(http.post(str("/sys/rekey/init"),
                           {{str("secret_shares"), 3}, {str("secret_threshold"), 2}}),
                 200);
}

void TestShamirUnseal::firstShareSetThroughRekey()
{
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    const QString id = createSecret(http, str("first/set"), str("password vault secret"));
    QVERIFY(!id.isEmpty());
    QCOMPARE(stringsOf(sealStatusOf(http).value(str("unseal_methods"))),
             QStringList{str("password")});
    seal(http);
    CHECK_ERROR(submitShare(http, m_mainInit.shares.at(0)), 400, "no_share_set");
    CHECK_STATUS(http.post(str("/sys/unseal"),
                           {{str("password"), QString::fromUtf8(TestServer::password())}},
                           Auth::None),
                 200);

    const HttpReply made = http.post(str("/sys/rekey/init"),
                                     {{str("secret_shares"), 3}, {str("secret_threshold"), 2}});
    CHECK_STATUS(made, 200);
    QCOMPARE(made.object().value(str("complete")).toBool(), true);
    const QStringList fresh = stringsOf(made.object().value(str("shares")));
    QCOMPARE(fresh.size(), 3);
    QCOMPARE(stringsOf(made.object().value(str("shares_groups"))).size(), 3);
    const QString keyId = made.object().value(str("key_id")).toString();
    const QJsonObject status = sealStatusOf(http);
    QCOMPARE(status.value(str("share_key_id")).toString(), keyId);
    const QStringList methods = stringsOf(status.value(str("unseal_methods")));
    QVERIFY(methods.contains(str("password")));
    QVERIFY(methods.contains(str("shares")));

    seal(http);
    const HttpReply opened = submitShares(http, {fresh.at(2), fresh.at(0)});
    CHECK_STATUS(opened, 200);
    QCOMPARE(opened.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("password vault secret"));
    seal(http);
    CHECK_STATUS(http.post(str("/sys/unseal"),
                           {{str("password"), QString::fromUtf8(TestServer::password())}},
                           Auth::None),
                 200);
    QCOMPARE(readSecret(http, id), str("password vault secret"));
    expectNoShareInAudit(http, fresh);
}

void TestShamirUnseal::firstShareSetThroughRekeyWithVerification()
{
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    const HttpReply made = http.post(str("/sys/rekey/init"), {{str("secret_shares"), 3},
                                                              {str("secret_threshold"), 2},
                                                              {str("require_verification"), true}});
    CHECK_STATUS(made, 200);
    QCOMPARE(made.object().value(str("complete")).toBool(), false);
    QCOMPARE(made.object().value(str("verification_required")).toBool(), true);
    const QStringList fresh = stringsOf(made.object().value(str("shares")));
    QCOMPARE(fresh.size(), 3);
    const QString vnonce = made.object().value(str("verification_nonce")).toString();
    QVERIFY(!vnonce.isEmpty());
    // Not installed until verified.
    QVERIFY(!sealStatusOf(http).contains(str("share_key_id")));
    const auto verify = [&](const QString &share) {
        return http.post(str("/sys/rekey/verify"), {{str("nonce"), vnonce}, {str("share"), share}},
                         Auth::None);
    };
    CHECK_STATUS(verify(fresh.at(1)), 200);
    const HttpReply done = verify(fresh.at(2));
    CHECK_STATUS(done, 200);
    QCOMPARE(done.object().value(str("complete")).toBool(), true);
    seal(http);
    const HttpReply opened = submitShares(http, {fresh.at(0), fresh.at(1)});
    CHECK_STATUS(opened, 200);
    QCOMPARE(opened.object().value(str("sealed")).toBool(), false);
}

void TestShamirUnseal::changePasswordSealedWithCurrent()
{
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    const QString id = createSecret(http, str("pw/kept"), str("survives a password change"));
    QVERIFY(!id.isEmpty());
    seal(http);
    const QString oldPassword = QString::fromUtf8(TestServer::password());
    const QString newPassword = str("a brand new unseal password");

    const HttpReply changed = http.post(
        str("/sys/change-password"),
        {{str("current_password"), oldPassword}, {str("new_password"), newPassword}}, Auth::None);
    CHECK_STATUS(changed, 200);
    QCOMPARE(changed.object().value(str("changed")).toBool(), true);
    QCOMPARE(changed.object().value(str("password_keyslots")).toInt(), 1);
    QVERIFY(!changed.body.contains(newPassword.toUtf8()));
    QCOMPARE(sealStatusOf(http).value(str("sealed")).toBool(), true); // still sealed

    CHECK_ERROR(http.post(str("/sys/unseal"), {{str("password"), oldPassword}}, Auth::None), 401,
                "invalid_password");
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), newPassword}}, Auth::None), 200);
    QCOMPARE(readSecret(http, id), str("survives a password change"));

    // With the current password it works unsealed too, without the admin token.
    const QString third = str("third password of this vault");
    CHECK_STATUS(http.post(str("/sys/change-password"),
                           {{str("current_password"), newPassword}, {str("new_password"), third}},
                           Auth::None),
                 200);
    seal(http);
    CHECK_ERROR(http.post(str("/sys/unseal"), {{str("password"), newPassword}}, Auth::None), 401,
                "invalid_password");
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), third}}, Auth::None), 200);
    QCOMPARE(readSecret(http, id), str("survives a password change"));
}

void TestShamirUnseal::changePasswordAsAdmin()
{
    // A vault with a password and shares: the admin replaces the password, the shares stay.
    const QString password = str("first password here");
    InitResult init;
    auto server = initServer(
        {{str("secret_shares"), 3}, {str("secret_threshold"), 2}, {str("password"), password}},
        &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 200);
    const QString id = createSecret(http, str("pw/admin"), str("admin changed it"));

    const QString replacement = str("replacement password");
    CHECK_ERROR(
        http.post(str("/sys/change-password"), {{str("new_password"), replacement}}, Auth::None),
        401, "missing_admin_token");
    CHECK_ERROR(http.send("POST", str("/sys/change-password"),
                          toJson({{str("new_password"), replacement}}), Auth::None,
                          {{"X-Admin-Token", "cvadm_not-the-token"}}),
                401, "invalid_admin_token");
    const HttpReply changed =
        http.post(str("/sys/change-password"), {{str("new_password"), replacement}});
    CHECK_STATUS(changed, 200);
    QCOMPARE(changed.object().value(str("changed")).toBool(), true);
    QCOMPARE(changed.object().value(str("password_keyslots")).toInt(), 1);
    seal(http);
    CHECK_ERROR(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 401,
                "invalid_password");
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), replacement}}, Auth::None), 200);
    QCOMPARE(readSecret(http, id), str("admin changed it"));
    seal(http);
    const HttpReply byShares = submitShares(http, init.shares.mid(1, 2));
    CHECK_STATUS(byShares, 200);
    QCOMPARE(byShares.object().value(str("sealed")).toBool(), false);
    QCOMPARE(readSecret(http, id), str("admin changed it"));
}

void TestShamirUnseal::changePasswordRefusals()
{
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    const QString password = QString::fromUtf8(TestServer::password());
    seal(http);
    CHECK_ERROR(http.post(str("/sys/change-password"),
                          {{str("current_password"), str("not the current one")},
                           {str("new_password"), str("whatever it would be")}},
                          Auth::None),
                401, "invalid_password");
    CHECK_ERROR(
        http.post(str("/sys/change-password"),
                  {{str("current_password"), password}, {str("new_password"), str("short")}},
                  Auth::None),
        400, "invalid_field");
    CHECK_ERROR(
        http.post(str("/sys/change-password"),
                  {{str("current_password"), password}, {str("new_password"), str("1234567")}},
                  Auth::None),
        400, "invalid_field");
    // Sealed, without the current password: not even the admin token will do.
    CHECK_ERROR(http.post(str("/sys/change-password"),
                          {{str("new_password"), str("long enough password")}}),
                400, "missing_field");
    // None of it changed anything.
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 200);
    CHECK_ERROR(http.post(str("/sys/change-password"), {{str("new_password"), str("short")}}), 400,
                "invalid_field");
    seal(http);
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 200);
}

void TestShamirUnseal::changePasswordHoldsUpNoOneElse()
{
    // New slots at the "moderate" cost (256 MiB, most of a second here): while one is derived
    // the server goes on answering, and a second change begun meanwhile from the same password
    // finds the slots changed when its own derivation ends, and changes nothing.
    auto server = passwordServer();
    QVERIFY(server);
    server->server().setKdfProfile(crypto::KdfProfile::Moderate);
    const QByteArray password = TestServer::password();
    const auto change = [&password](const QByteArray &replacement) {
        return rawChangePassword(QString::fromUtf8(password), QString::fromUtf8(replacement));
    };
    RawConnection first(server->port());
    RawConnection health(server->port());
    RawConnection second(server->port());
    QVERIFY(first.isConnected() && health.isConnected() && second.isConnected());

    first.write(change("the first new password"));
    first.pump(100); // the derivation is under way
    health.write(rawRequest("GET", "/health"));
    const std::optional<RawResponse> healthy = health.readResponse();
    QVERIFY(healthy);
    QCOMPARE(healthy->status, 200);
    QVERIFY2(first.unread().isEmpty(), first.unread().constData()); // still deriving

    second.write(change("the second new password"));
    const std::optional<RawResponse> firstDone = first.readResponse();
    QVERIFY(firstDone);
    QVERIFY2(firstDone->status == 200, firstDone->describe().constData());
    const std::optional<RawResponse> secondDone = second.readResponse();
    QVERIFY(secondDone);
    QVERIFY2(secondDone->status == 409 && secondDone->errorCode() == u"keyslots_changed",
             secondDone->describe().constData());

    // Only the first change took: one slot, opened by the first new password alone.
    HttpClient &http = server->http();
    seal(http);
    for (const char *wrong : {"correct horse battery staple", "the second new password"})
        CHECK_ERROR(http.post(str("/sys/unseal"), {{str("password"), str(wrong)}}, Auth::None), 401,
                    "invalid_password");
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), str("the first new password")}},
                           Auth::None),
                 200);
    const QJsonArray rows = http.get(str("/admin/audit-logs?action=change_password&limit=10"))
                                .object()
                                .value(str("rows"))
                                .toArray();
    QCOMPARE(rows.size(), 2); // one row per request: the change, and the refused one
}

void TestShamirUnseal::unsealWithPasswordHoldsUpNoOneElse()
{
    // A password slot at the "moderate" cost (256 MiB, most of a second here): while an unseal
    // derives from it, the sealed server goes on answering its status, and a wrong password sent
    // meanwhile waits its turn and then finds the vault unsealed.
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    server->server().setKdfProfile(crypto::KdfProfile::Moderate);
    const QString password = str("a password with a costly slot");
    CHECK_STATUS(http.post(str("/sys/change-password"), {{str("new_password"), password}}), 200);
    seal(http);
    RawConnection first(server->port());
    RawConnection status(server->port());
    RawConnection second(server->port());
    QVERIFY(first.isConnected() && status.isConnected() && second.isConnected());

    first.write(rawUnseal(password));
    first.pump(100); // the derivation is under way
    status.write(rawRequest("GET", "/sys/seal-status"));
    const std::optional<RawResponse> sealed = status.readResponse();
    QVERIFY(sealed);
    QCOMPARE(sealed->status, 200);
    QCOMPARE(sealed->object().value(str("sealed")).toBool(), true);
    QVERIFY2(first.unread().isEmpty(), first.unread().constData()); // still deriving

    second.write(rawUnseal(str("not the password")));
    const std::optional<RawResponse> firstDone = first.readResponse();
    QVERIFY(firstDone);
    QVERIFY2(firstDone->status == 200, firstDone->describe().constData());
    QCOMPARE(firstDone->object().value(str("sealed")).toBool(), false);
    const std::optional<RawResponse> secondDone = second.readResponse();
    QVERIFY(secondDone);
    QVERIFY2(secondDone->status == 200, secondDone->describe().constData());
    QCOMPARE(sealStatusOf(http).value(str("sealed")).toBool(), false);

    // One row per request, and only the first says it unsealed with a password.
    const QJsonArray rows = http.get(str("/admin/audit-logs?action=unseal&limit=10"))
                                .object()
                                .value(str("rows"))
                                .toArray();
    QCOMPARE(rows.size(), 2);
    int byPassword = 0;
    for (const QJsonValue &row : rows)
        byPassword +=
            row.toObject().value(str("detail")).toObject().value(str("method")) == str("password");
    QCOMPARE(byPassword, 1);
    CHECK_STATUS(http.get(str("/admin/secrets")), 200);
}

void TestShamirUnseal::aReplacedPasswordUnsealsNothing()
{
    // A sealed vault's password is changed (a moderate-cost new slot, most of a second to
    // derive) and, while that change is derived, an unseal with the old password comes in. The
    // change completes first; the unseal then finds the slot its password opened gone, and the
    // vault stays sealed: no unseal that ends after a change succeeds with the password it
    // replaced.
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    seal(http);
    server->server().setKdfProfile(crypto::KdfProfile::Moderate);
    const QString old = QString::fromUtf8(TestServer::password());
    const QString replacement = str("the replacement password");
    RawConnection change(server->port());
    RawConnection unseal(server->port());
    QVERIFY(change.isConnected() && unseal.isConnected());

    change.write(rawChangePassword(old, replacement));
    change.pump(100); // the change is being derived
    unseal.write(rawUnseal(old));
    const std::optional<RawResponse> changed = change.readResponse();
    QVERIFY(changed);
    QVERIFY2(changed->status == 200, changed->describe().constData());
    const std::optional<RawResponse> refused = unseal.readResponse();
    QVERIFY(refused);
    QVERIFY2(refused->status == 401 && refused->errorCode() == u"invalid_password",
             refused->describe().constData());
    QCOMPARE(sealStatusOf(http).value(str("sealed")).toBool(), true);
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), replacement}}, Auth::None), 200);
}

void TestShamirUnseal::aFullDerivationQueueAnswersBusy()
{
    // A moderate-cost slot (most of a second per derivation): four unseals wait or run, a fifth
    // is refused at once with 503 busy and Retry-After, and the four are answered in turn.
    auto server = passwordServer();
    QVERIFY(server);
    HttpClient &http = server->http();
    server->server().setKdfProfile(crypto::KdfProfile::Moderate);
    CHECK_STATUS(http.post(str("/sys/change-password"), {{str("new_password"), str("costly one")}}),
                 200);
    seal(http);
    const QByteArray guess = rawUnseal(str("a wrong guess"));
    std::vector<std::unique_ptr<RawConnection>> waiting;
    for (int i = 0; i < 4; ++i) {
        waiting.push_back(std::make_unique<RawConnection>(server->port()));
        QVERIFY(waiting.back()->isConnected());
        waiting.back()->write(guess);
        waiting.back()->pump(50); // in the queue before the next one comes
    }
    RawConnection fifth(server->port());
    QVERIFY(fifth.isConnected());
    fifth.write(guess);
    const std::optional<RawResponse> busy = fifth.readResponse();
    QVERIFY(busy);
    QVERIFY2(busy->status == 503 && busy->errorCode() == u"busy", busy->describe().constData());
    QCOMPARE(busy->header("Retry-After"), QByteArray("1"));
    for (const auto &connection : waiting) {
        const std::optional<RawResponse> refused = connection->readResponse();
        QVERIFY(refused);
        QVERIFY2(refused->status == 401 && refused->errorCode() == u"invalid_password",
                 refused->describe().constData());
    }
    QCOMPARE(sealStatusOf(http).value(str("sealed")).toBool(), true);
}

void TestShamirUnseal::adminAddsAPasswordToASharesOnlyVault()
{
    InitResult init;
    auto server = initServer({{str("secret_shares"), 3}, {str("secret_threshold"), 2}}, &init);
    QVERIFY(server);
    HttpClient &http = server->http();
    CHECK_STATUS(submitShares(http, init.shares.mid(0, 2)), 200);
    const QString password = str("a password beside the shares");
    // No password to give as the current one.
    CHECK_ERROR(http.post(str("/sys/change-password"),
                          {{str("current_password"), str("there is none")},
                           {str("new_password"), password}},
                          Auth::None),
                401, "invalid_password");
    const HttpReply added =
        http.post(str("/sys/change-password"), {{str("new_password"), password}});
    CHECK_STATUS(added, 200);
    QCOMPARE(added.object().value(str("password_keyslots")).toInt(), 1);
    seal(http);
    const QStringList methods = stringsOf(sealStatusOf(http).value(str("unseal_methods")));
    QVERIFY(methods.contains(str("password")));
    QVERIFY(methods.contains(str("shares")));
    CHECK_STATUS(http.post(str("/sys/unseal"), {{str("password"), password}}, Auth::None), 200);
    seal(http);
    const HttpReply byShares = submitShares(http, init.shares.mid(1, 2));
    CHECK_STATUS(byShares, 200);
    QCOMPARE(byShares.object().value(str("sealed")).toBool(), false);
}

QTEST_GUILESS_MAIN(TestShamirUnseal)
#include "tst_shamir_unseal.moc"
