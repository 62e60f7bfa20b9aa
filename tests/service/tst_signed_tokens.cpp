// Signed project tokens (EdDSA JWTs): what discover returns with signed_token:true, that the JWT
// is bound to the same token row as the opaque token (kill switch, expiry, project binding),
// the JWKS, server key rotation and restarts, the sealed key row, and PyJWT as an independent
// verifier given only the JWKS fetched over HTTP.

#include "AgentHelpers.h"
#include "access/ServerKeys.h"
#include "crypto/Jwks.h"
#include "vault/Envelope.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace cortex;
using namespace cortex::test;

namespace {

// Debian installs python3-jwt and python3-cryptography for /usr/bin/python3; a pyenv or venv
// python3 earlier on PATH does not see them, so the system interpreter is tried first.
QString pythonWithPyJwt()
{
    QStringList candidates{QStringLiteral("/usr/bin/python3")};
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (!onPath.isEmpty())
        candidates.append(onPath);
    for (const QString &candidate : std::as_const(candidates)) {
        if (!QFileInfo(candidate).isExecutable())
            continue;
        QProcess probe;
        probe.start(candidate, {QStringLiteral("-c"), QStringLiteral("import jwt, cryptography")});
        if (probe.waitForFinished(30'000) && probe.exitStatus() == QProcess::NormalExit &&
            probe.exitCode() == 0)
            return candidate;
    }
    return {};
}

// PyJWT checks a token against a JWKS document: exit 0 and the claims, or 3 and the name of
// the PyJWT exception.
constexpr auto PyJwtVerify = R"PY(
import json, sys
import jwt

jwks = json.load(open(sys.argv[1]))
token = open(sys.argv[2]).read().strip()
try:
    kid = jwt.get_unverified_header(token)["kid"]
    matches = [k for k in jwks["keys"] if k["kid"] == kid]
    if not matches:
        raise jwt.InvalidTokenError("unknown kid")
    key = jwt.PyJWK(matches[0]).key
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience=sys.argv[3],
                        issuer=sys.argv[4], options={"require": ["exp", "iss", "aud", "jti"]})
except jwt.InvalidTokenError as e:
    print(type(e).__name__)
    sys.exit(3)
print(json.dumps(claims, sort_keys=True))
)PY";

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QJsonObject jwtPart(const QString &jwt, int index)
{
    const auto bytes = crypto::base64UrlDecode(jwt.section(u'.', index, index).toLatin1());
    return bytes ? QJsonDocument::fromJson(*bytes).object() : QJsonObject();
}

QString signedTokenOf(const HttpReply &r)
{
    return r.object().value(QStringLiteral("signed_project_token")).toString();
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const QJsonObject SignedToken{{QStringLiteral("signed_token"), true}};

} // namespace

class TestSignedTokens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void discoverReturnsAJwt();
    void jwksPublishesTheKeyAndPyJwtVerifies();
    void tamperedAndForeignJwtsAreInvalid();
    void killSwitchRevokesTheJwt();
    void serverKeyIsStoredSealed();
    void rotationKeepsOldTokensValid();
    void jwtExpires();
    void keySurvivesARestart();

private:
    // A registered agent with one approved project holding KEY=value; the discover reply
    // that asked for a signed token.
    HttpReply setUp(const TestAgent &agent, const QString &project, const QString &value);
    QJsonObject jwks();
    // The kids of the server keys in the store file, active or retired.
    QStringList storedKids();
    // PyJWT's verdict on jwt given the JWKS served now: {exit code, output}.
    QPair<int, QByteArray> pyjwt(const QString &jwt,
                                 const QString &audience = QStringLiteral("cortex-cli"));

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
    QTemporaryDir m_dir;
    QString m_python;
};

void TestSignedTokens::initTestCase()
{
    // PyJWT checks exp against the real clock, so the manual clock starts at the real time.
    m_server.clock().advanceSeconds(QDateTime::currentSecsSinceEpoch() -
                                    m_server.clock().now().toSecsSinceEpoch());
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
    QVERIFY(m_dir.isValid());
    m_python = pythonWithPyJwt();
    if (!m_python.isEmpty())
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("verify.py")), PyJwtVerify));
}

HttpReply TestSignedTokens::setUp(const TestAgent &agent, const QString &project,
                                  const QString &value)
{
    if (m_access->registerAgent(agent).status != 201)
        return {};
    const QString secret = m_access->createSecret(project + QStringLiteral("/key"), value);
    m_access->grant(project, secret);
    const HttpReply first = m_access->discover(agent, project, QStringLiteral("KEY=\n"));
    if (m_access->approve(grantIdOf(first)).status != 200)
        return {};
    return m_access->discover(agent, project, QStringLiteral("KEY=\n"), SignedToken);
}

QJsonObject TestSignedTokens::jwks()
{
    return m_access->http()
        .get(QStringLiteral("/.well-known/jwks.json"), HttpClient::Auth::None)
        .object();
}

QPair<int, QByteArray> TestSignedTokens::pyjwt(const QString &jwt, const QString &audience)
{
    const QString jwksPath = m_dir.filePath(QStringLiteral("jwks.json"));
    const QString tokenPath = m_dir.filePath(QStringLiteral("token.txt"));
    if (!writeFile(jwksPath, toJson(jwks())) || !writeFile(tokenPath, jwt.toLatin1()))
        return {-1, {}};
    QProcess python;
    python.start(m_python, {m_dir.filePath(QStringLiteral("verify.py")), jwksPath, tokenPath,
                            audience, QStringLiteral("cortex-vault")});
    if (!python.waitForFinished(60'000) || python.exitStatus() != QProcess::NormalExit)
        return {-1, {}};
    const QByteArray errors = python.readAllStandardError();
    if (!errors.isEmpty())
        qWarning("python: %s", errors.constData());
    return {python.exitCode(), python.readAllStandardOutput().trimmed()};
}

void TestSignedTokens::discoverReturnsAJwt()
{
    const TestAgent agent{QStringLiteral("jwt-agent")};
    const HttpReply r = setUp(agent, QStringLiteral("jwt"), QStringLiteral("signed-value"));
    CHECK_STATUS(r, 200);
    const QString jwt = signedTokenOf(r);
    QCOMPARE(jwt.count(u'.'), 2);

    const QJsonObject header = jwtPart(jwt, 0);
    QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("EdDSA"));
    QCOMPARE(header.value(QStringLiteral("typ")).toString(), QStringLiteral("JWT"));
    const QString kid = header.value(QStringLiteral("kid")).toString();
    QCOMPARE(kid.size(), 43); // an RFC 7638 thumbprint

    const QJsonObject claims = jwtPart(jwt, 1);
    const qint64 now = m_access->now();
    QCOMPARE(claims.value(QStringLiteral("iss")).toString(), QStringLiteral("cortex-vault"));
    QCOMPARE(claims.value(QStringLiteral("sub")).toString(), QStringLiteral("jwt"));
    QCOMPARE(claims.value(QStringLiteral("aud")).toString(), QStringLiteral("cortex-cli"));
    QCOMPARE(claims.value(QStringLiteral("iat")).toInteger(), now);
    QCOMPARE(claims.value(QStringLiteral("nbf")).toInteger(), now);
    const QDateTime expiresAt = QDateTime::fromString(
        r.object().value(QStringLiteral("token_expires_at")).toString(), Qt::ISODateWithMs);
    QCOMPARE(claims.value(QStringLiteral("exp")).toInteger(), expiresAt.toSecsSinceEpoch());
    QVERIFY(claims.value(QStringLiteral("jti")).toString().size() >= 16);
    QCOMPARE(claims.value(QStringLiteral("scope")).toArray(),
             QJsonArray{QStringLiteral("jwt/key")});
    QCOMPARE(claims.value(QStringLiteral("namespace")).toString(), QStringLiteral("default"));
    QCOMPARE(claims.value(QStringLiteral("project_id")).toString(), QStringLiteral("jwt"));

    // Both tokens fetch; a second signed discover gets another jti.
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("jwt"), jwt)).value(QStringLiteral("KEY")),
             QJsonValue(QStringLiteral("signed-value")));
    CHECK_STATUS(m_access->fetch(QStringLiteral("jwt"), tokenOf(r)), 200);
    const HttpReply again =
        m_access->discover(agent, QStringLiteral("jwt"), QStringLiteral("KEY="), SignedToken);
    CHECK_STATUS(again, 200);
    QVERIFY(jwtPart(signedTokenOf(again), 1).value(QStringLiteral("jti")) !=
            claims.value(QStringLiteral("jti")));
    CHECK_STATUS(m_access->fetch(QStringLiteral("jwt"), jwt), 200);
    // Without signed_token there is no JWT in the reply.
    const HttpReply plain =
        m_access->discover(agent, QStringLiteral("jwt"), QStringLiteral("KEY="));
    CHECK_STATUS(plain, 200);
    QVERIFY(!plain.object().contains(QStringLiteral("signed_project_token")));
}

void TestSignedTokens::jwksPublishesTheKeyAndPyJwtVerifies()
{
    const HttpReply reply =
        m_access->http().get(QStringLiteral("/.well-known/jwks.json"), HttpClient::Auth::None);
    CHECK_STATUS(reply, 200);
    QVERIFY(reply.header("Cache-Control").contains("max-age"));
    const QJsonArray keys = reply.object().value(QStringLiteral("keys")).toArray();
    QCOMPARE(keys.size(), 1);
    const QJsonObject key = keys.at(0).toObject();
    QCOMPARE(key.value(QStringLiteral("kty")).toString(), QStringLiteral("OKP"));
    QCOMPARE(key.value(QStringLiteral("crv")).toString(), QStringLiteral("Ed25519"));
    QVERIFY(!key.contains(QStringLiteral("d")));

    const TestAgent agent{QStringLiteral("py-agent")};
    const QString jwt = signedTokenOf(setUp(agent, QStringLiteral("py"), QStringLiteral("p")));
    QVERIFY(!jwt.isEmpty());
    QCOMPARE(jwtPart(jwt, 0).value(QStringLiteral("kid")), key.value(QStringLiteral("kid")));

    if (m_python.isEmpty())
        QSKIP("no python3 with PyJWT and cryptography (Debian: python3-jwt python3-cryptography)");
    const auto ok = pyjwt(jwt);
    QVERIFY2(ok.first == 0, ok.second.constData());
    const QJsonObject claims = QJsonDocument::fromJson(ok.second).object();
    QCOMPARE(claims.value(QStringLiteral("sub")).toString(), QStringLiteral("py"));
    // PyJWT checks the audience too: a token for the CLI is not one for the daemon.
    const auto wrongAudience = pyjwt(jwt, QStringLiteral("cortex-daemon"));
    QCOMPARE(wrongAudience.first, 3);
    QCOMPARE(wrongAudience.second, QByteArray("InvalidAudienceError"));
    // And the signature: one flipped payload character fails.
    QString tampered = jwt;
    const qsizetype at = jwt.indexOf(u'.') + 5;
    tampered[at] = tampered[at] == u'A' ? u'B' : u'A';
    QCOMPARE(pyjwt(tampered).first, 3);
}

void TestSignedTokens::tamperedAndForeignJwtsAreInvalid()
{
    const QString a = signedTokenOf(
        setUp(TestAgent{QStringLiteral("ta-agent")}, QStringLiteral("ta"), QStringLiteral("a")));
    const QString b = signedTokenOf(
        setUp(TestAgent{QStringLiteral("tb-agent")}, QStringLiteral("tb"), QStringLiteral("b")));
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    CHECK_STATUS(m_access->fetch(QStringLiteral("ta"), a), 200);

    // Another project's JWT, and a JWT for a project that does not exist: the same answer.
    CHECK_ERROR(m_access->fetch(QStringLiteral("ta"), b), 401, "invalid_token");
    CHECK_ERROR(m_access->fetch(QStringLiteral("nope"), a), 401, "invalid_token");

    // A claim changed (sub → the other project), signature kept.
    QJsonObject claims = jwtPart(a, 1);
    claims.insert(QStringLiteral("sub"), QStringLiteral("tb"));
    const QString forged = a.section(u'.', 0, 0) + u'.' +
                           QString::fromLatin1(crypto::base64UrlEncode(toJson(claims))) + u'.' +
                           a.section(u'.', 2, 2);
    CHECK_ERROR(m_access->fetch(QStringLiteral("tb"), forged), 401, "invalid_token");
    // A flipped signature character.
    QString badSig = a;
    badSig[badSig.size() - 3] = badSig[badSig.size() - 3] == u'A' ? u'B' : u'A';
    CHECK_ERROR(m_access->fetch(QStringLiteral("ta"), badSig), 401, "invalid_token");
    // alg "none", no signature.
    const QString none =
        QString::fromLatin1(crypto::base64UrlEncode(R"({"alg":"none","typ":"JWT"})")) + u'.' +
        a.section(u'.', 1, 1) + u'.';
    CHECK_ERROR(m_access->fetch(QStringLiteral("ta"), none), 401, "invalid_token");
    // Garbage with two dots.
    CHECK_ERROR(m_access->fetch(QStringLiteral("ta"), QStringLiteral("a.b.c")), 401,
                "invalid_token");
    CHECK_STATUS(m_access->fetch(QStringLiteral("ta"), a), 200);
}

void TestSignedTokens::killSwitchRevokesTheJwt()
{
    const HttpReply r =
        setUp(TestAgent{QStringLiteral("kill-agent")}, QStringLiteral("kill"), QStringLiteral("k"));
    const QString jwt = signedTokenOf(r);
    CHECK_STATUS(m_access->fetch(QStringLiteral("kill"), jwt), 200);
    CHECK_STATUS(m_access->http().post(QStringLiteral("/admin/projects/kill/revoke"), {}), 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("kill"), jwt), 401, "token_revoked");
    CHECK_ERROR(m_access->fetch(QStringLiteral("kill"), tokenOf(r)), 401, "token_revoked");
}

QStringList TestSignedTokens::storedKids()
{
    QStringList kids;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("kids"));
        db.setDatabaseName(QDir(m_server.server().dataDir()).filePath(QStringLiteral("cortex.db")));
        if (db.open()) {
            QSqlQuery q(QStringLiteral("SELECT kid FROM server_keys ORDER BY created_at, kid"), db);
            while (q.next())
                kids.append(q.value(0).toString());
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("kids"));
    return kids;
}

void TestSignedTokens::serverKeyIsStoredSealed()
{
    const QString kid = jwks()
                            .value(QStringLiteral("keys"))
                            .toArray()
                            .at(0)
                            .toObject()
                            .value(QStringLiteral("kid"))
                            .toString();
    QVERIFY(!kid.isEmpty());

    QByteArray publicKey, ciphertext, wrappedDek;
    int kekVersion = 0;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("inspect"));
        db.setDatabaseName(QDir(m_server.server().dataDir()).filePath(QStringLiteral("cortex.db")));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.prepare(QStringLiteral("SELECT public_key, ciphertext, wrapped_dek, kek_version"
                                         " FROM server_keys WHERE kid = ? AND active = 1")));
        q.addBindValue(kid);
        QVERIFY(q.exec() && q.next());
        publicKey = q.value(0).toByteArray();
        ciphertext = q.value(1).toByteArray();
        wrappedDek = q.value(2).toByteArray();
        kekVersion = q.value(3).toInt();
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("inspect"));
    QCOMPARE(crypto::jws::keyIdFor(publicKey), kid);

    const crypto::SecureBytes &root = m_server.server().vault().rootKey();
    const vault::Envelope envelope{ciphertext, wrappedDek};
    const auto seed = vault::openEnvelope(root, envelope, access::ServerKeys::bodyAad(kid),
                                          access::ServerKeys::dekAad(kid, kekVersion));
    QVERIFY(seed);
    const auto key = crypto::SigningKey::fromSeed(seed->view());
    QVERIFY(key && key->publicKey() == publicKey);
    const QByteArray seedBytes = seed->view().toByteArray();

    // Not in the row, nor anywhere in the database files, in raw or base64url form.
    for (const QByteArray &column : {ciphertext, wrappedDek, publicKey}) {
        QVERIFY(!column.contains(seedBytes));
        QVERIFY(!column.contains(crypto::base64UrlEncode(seedBytes)));
    }
    const QString dbPath = QDir(m_server.server().dataDir()).filePath(QStringLiteral("cortex.db"));
    for (const QString &path : {dbPath, dbPath + QStringLiteral("-wal")}) {
        const QByteArray file = readAll(path);
        QVERIFY(!file.contains(seedBytes));
        QVERIFY(!file.contains(crypto::base64UrlEncode(seedBytes)));
    }

    // Moved to another kid or KEK version, the envelope does not open.
    const QString otherKid = crypto::jws::keyIdFor(crypto::SigningKey::generate().publicKey());
    QVERIFY(!vault::openEnvelope(root, envelope, access::ServerKeys::bodyAad(otherKid),
                                 access::ServerKeys::dekAad(otherKid, kekVersion)));
    QVERIFY(!vault::openEnvelope(root, envelope, access::ServerKeys::bodyAad(kid),
                                 access::ServerKeys::dekAad(kid, kekVersion + 1)));
    QVERIFY(!vault::openEnvelope(root, envelope, access::ServerKeys::bodyAad(otherKid),
                                 access::ServerKeys::dekAad(kid, kekVersion)));
}

void TestSignedTokens::rotationKeepsOldTokensValid()
{
    const TestAgent agent{QStringLiteral("rot-agent")};
    const QString oldJwt = signedTokenOf(setUp(agent, QStringLiteral("rot"), QStringLiteral("r")));
    const QString oldKid = jwtPart(oldJwt, 0).value(QStringLiteral("kid")).toString();

    CHECK_ERROR(m_access->http().post(QStringLiteral("/admin/server-keys/rotate"), {},
                                      HttpClient::Auth::None),
                401, "missing_admin_token");
    const HttpReply rotated =
        m_access->http().post(QStringLiteral("/admin/server-keys/rotate"), {});
    CHECK_STATUS(rotated, 200);
    const QString newKid = rotated.object().value(QStringLiteral("kid")).toString();
    QCOMPARE(rotated.object().value(QStringLiteral("previous_kid")).toString(), oldKid);
    QVERIFY(!newKid.isEmpty() && newKid != oldKid);

    // The old JWT still works; new ones carry the new kid; the JWKS has both, newest first.
    CHECK_STATUS(m_access->fetch(QStringLiteral("rot"), oldJwt), 200);
    const HttpReply next =
        m_access->discover(agent, QStringLiteral("rot"), QStringLiteral("KEY="), SignedToken);
    CHECK_STATUS(next, 200);
    const QString newJwt = signedTokenOf(next);
    QCOMPARE(jwtPart(newJwt, 0).value(QStringLiteral("kid")).toString(), newKid);
    CHECK_STATUS(m_access->fetch(QStringLiteral("rot"), newJwt), 200);
    const QJsonArray keys = jwks().value(QStringLiteral("keys")).toArray();
    QCOMPARE(keys.size(), 2);
    QCOMPARE(keys.at(0).toObject().value(QStringLiteral("kid")).toString(), newKid);
    QCOMPARE(keys.at(1).toObject().value(QStringLiteral("kid")).toString(), oldKid);

    if (!m_python.isEmpty()) {
        QCOMPARE(pyjwt(oldJwt).first, 0);
        QCOMPARE(pyjwt(newJwt).first, 0);
    }
}

void TestSignedTokens::jwtExpires()
{
    const HttpReply r =
        setUp(TestAgent{QStringLiteral("exp-agent")}, QStringLiteral("exp"), QStringLiteral("e"));
    const QString jwt = signedTokenOf(r);
    CHECK_STATUS(m_access->fetch(QStringLiteral("exp"), jwt), 200);
    m_server.clock().advanceSeconds(14 * 24 * 3600 - 2);
    CHECK_STATUS(m_access->fetch(QStringLiteral("exp"), jwt), 200);
    m_server.clock().advanceSeconds(2);
    CHECK_ERROR(m_access->fetch(QStringLiteral("exp"), jwt), 401, "token_expired");
    CHECK_ERROR(m_access->fetch(QStringLiteral("exp"), tokenOf(r)), 401, "token_expired");
    // A token lifetime after the rotation, the retired key has left the JWKS.
    m_server.clock().advanceSeconds(60);
    const QJsonArray keys = jwks().value(QStringLiteral("keys")).toArray();
    QCOMPARE(keys.size(), 1);
    const QString activeKid = keys.at(0).toObject().value(QStringLiteral("kid")).toString();
    QCOMPARE(storedKids().size(), 2); // the retired one is still stored...
    // ...until the next rotation, which drops it: its wrapped seed could only sign tokens that
    // nothing accepts any more.
    const HttpReply rotated =
        m_access->http().post(QStringLiteral("/admin/server-keys/rotate"), {});
    CHECK_STATUS(rotated, 200);
    QCOMPARE(storedKids(),
             QStringList({activeKid, rotated.object().value(QStringLiteral("kid")).toString()}));
}

void TestSignedTokens::keySurvivesARestart()
{
    const TestAgent agent{QStringLiteral("restart-agent")};
    const QString jwt =
        signedTokenOf(setUp(agent, QStringLiteral("restart"), QStringLiteral("persisted")));
    const QString kid = jwtPart(jwt, 0).value(QStringLiteral("kid")).toString();
    QVERIFY(!kid.isEmpty());

    // Seal and unseal over HTTP.
    CHECK_STATUS(m_access->http().post(QStringLiteral("/sys/seal"), {}), 200);
    CHECK_ERROR(m_access->fetch(QStringLiteral("restart"), jwt), 503, "sealed");
    CHECK_STATUS(
        m_access->http().get(QStringLiteral("/.well-known/jwks.json"), HttpClient::Auth::None),
        200);
    const QJsonObject unseal{
        {QStringLiteral("password"), QString::fromLatin1(TestServer::password())}};
    CHECK_STATUS(
        m_access->http().post(QStringLiteral("/sys/unseal"), unseal, HttpClient::Auth::None), 200);
    CHECK_STATUS(m_access->fetch(QStringLiteral("restart"), jwt), 200);

    // A new process on the same data directory: the JWKS answers while sealed, the JWT
    // works after unseal and new tokens are signed by the same key.
    QString error;
    QVERIFY2(m_server.restart(&error), qPrintable(error));
    m_access->http().setBaseUrl(m_server.url());
    const QJsonArray keys = jwks().value(QStringLiteral("keys")).toArray();
    QVERIFY(!keys.isEmpty()); // the active key first (a key retired by jwtExpires may follow)
    QCOMPARE(keys.at(0).toObject().value(QStringLiteral("kid")).toString(), kid);
    CHECK_STATUS(
        m_access->http().post(QStringLiteral("/sys/unseal"), unseal, HttpClient::Auth::None), 200);
    QCOMPARE(envOf(m_access->fetch(QStringLiteral("restart"), jwt)).value(QStringLiteral("KEY")),
             QJsonValue(QStringLiteral("persisted")));
    const HttpReply again =
        m_access->discover(agent, QStringLiteral("restart"), QStringLiteral("KEY="), SignedToken);
    CHECK_STATUS(again, 200);
    QCOMPARE(jwtPart(signedTokenOf(again), 0).value(QStringLiteral("kid")).toString(), kid);
    QVERIFY(!logContains(jwt));
}

QTEST_MAIN(TestSignedTokens)
#include "tst_signed_tokens.moc"
