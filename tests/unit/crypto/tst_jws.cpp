// Compact JWS / JWT (EdDSA) and JWKS: the RFC 8037 known answers, every rejection the verifier
// promises, key rotation through a JWKS, hostile input, and PyJWT as an independent verifier
// in both directions.

#include "crypto/Base64Url.h"
#include "crypto/Ed25519.h"
#include "crypto/Hash.h"
#include "crypto/Jwks.h"
#include "crypto/Jws.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>
#include <utility>

using namespace cortex::crypto;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Now = 1'800'000'000;
const QString Issuer = u"cortex-vault"_s;
const QString Audience = u"cortex-cli"_s;

// RFC 8037 appendix A.1 (private key), A.2 (public key), A.3 (thumbprint), A.4 (signature).
constexpr auto RfcSeed = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr auto RfcPublic = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr auto RfcThumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr auto RfcJws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
                        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7"
                        "sVvpAr_MuM0KAg";

SigningKey keyFromFill(char fill)
{
    return *SigningKey::fromSeed(QByteArray(32, fill));
}

QByteArray b64(const char *text)
{
    return *base64UrlDecode(QByteArrayView(text));
}

QJsonObject claimsAt(qint64 now)
{
    return QJsonObject{
        {u"iss"_s, Issuer},
        {u"sub"_s, u"billing"_s},
        {u"aud"_s, Audience},
        {u"iat"_s, now},
        {u"nbf"_s, now},
        {u"exp"_s, now + 600},
        {u"jti"_s, u"5f0c6a1e-2b7d-4c1a-9a53-0d3f2b1e7c44"_s},
        {u"scope"_s, QJsonArray{u"db/password"_s, u"api/key"_s}},
        {u"namespace"_s, u"default"_s},
        {u"project_id"_s, u"billing"_s},
    };
}

jws::VerifyOptions optionsAt(qint64 now)
{
    jws::VerifyOptions options;
    options.issuer = Issuer;
    options.audience = Audience;
    options.now = now;
    return options;
}

jws::KeyLookup onlyKey(const QString &kid, const QByteArray &publicKey)
{
    return [kid, publicKey](const QString &asked) -> std::optional<QByteArray> {
        if (asked == kid)
            return publicKey;
        return std::nullopt;
    };
}

// "ok" or the error code, so that a failing QCOMPARE says what happened.
QString outcome(const jws::VerifyResult &result)
{
    if (const auto *error = std::get_if<jws::Error>(&result))
        return jws::errorCode(*error);
    return u"ok"_s;
}

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A token with any header, payload and signature bytes we like: what an attacker can send.
QByteArray forge(const QJsonObject &header, const QJsonObject &claims, QByteArrayView signature)
{
    return base64UrlEncode(json(header)) + '.' + base64UrlEncode(json(claims)) + '.' +
           base64UrlEncode(signature);
}

QByteArray part(const QByteArray &token, int index)
{
    return token.split('.').value(index);
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Debian installs python3-jwt and python3-cryptography for /usr/bin/python3; a pyenv or venv
// python3 earlier on PATH does not see them, so the system interpreter is tried first.
QString pythonWithPyJwt()
{
    QStringList candidates{u"/usr/bin/python3"_s};
    const QString onPath = QStandardPaths::findExecutable(u"python3"_s);
    if (!onPath.isEmpty())
        candidates.append(onPath);
    for (const QString &candidate : std::as_const(candidates)) {
        if (!QFileInfo(candidate).isExecutable())
            continue;
        QProcess probe;
        probe.start(candidate, {u"-c"_s, u"import jwt, cryptography"_s});
        if (probe.waitForFinished(30'000) && probe.exitStatus() == QProcess::NormalExit &&
            probe.exitCode() == 0)
            return candidate;
    }
    return {};
}

// The independent side: PyJWT checks our token against our JWKS (verify), or mints a token
// with a seed we hand it (sign). Exit 0 on success; 3 with the PyJWT exception name on a
// rejected token.
constexpr auto PyJwtScript = R"PY(
import json, sys
import jwt

mode = sys.argv[1]
if mode == "verify":
    jwks = json.load(open(sys.argv[2]))
    token = open(sys.argv[3]).read().strip()
    try:
        kid = jwt.get_unverified_header(token)["kid"]
        matches = [k for k in jwks["keys"] if k["kid"] == kid]
        if not matches:
            raise jwt.InvalidTokenError("unknown kid")
        key = jwt.PyJWK(matches[0]).key
        claims = jwt.decode(token, key, algorithms=["EdDSA"],
                            audience=sys.argv[4], issuer=sys.argv[5],
                            options={"require": ["exp", "iss", "aud"]})
    except jwt.InvalidTokenError as e:
        print(type(e).__name__)
        sys.exit(3)
    print(json.dumps(claims, sort_keys=True))
elif mode == "sign":
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    seed = bytes.fromhex(open(sys.argv[2]).read().strip())
    claims = json.load(open(sys.argv[3]))
    print(jwt.encode(claims, Ed25519PrivateKey.from_private_bytes(seed),
                     algorithm="EdDSA", headers={"kid": sys.argv[4]}))
)PY";

struct PyResult
{
    int exitCode = -1;
    QByteArray out;
};

} // namespace

class TestJws : public QObject
{
    Q_OBJECT

private:
    PyResult runPython(const QStringList &arguments)
    {
        QProcess python;
        python.start(m_python, QStringList{m_dir.filePath(u"pyjwt_check.py"_s)} + arguments);
        if (!python.waitForFinished(60'000) || python.exitStatus() != QProcess::NormalExit)
            return {};
        const QByteArray errors = python.readAllStandardError();
        if (!errors.isEmpty())
            qWarning("python: %s", errors.constData());
        return {python.exitCode(), python.readAllStandardOutput().trimmed()};
    }

    QTemporaryDir m_dir;
    QString m_python;

private Q_SLOTS:
    void roundTrip()
    {
        const SigningKey key = keyFromFill('\x01');
        const QString kid = jws::keyIdFor(key.publicKey());
        const QJsonObject claims = claimsAt(Now);
        const QByteArray token = jws::sign(key, kid, claims);

        QCOMPARE(token.count('.'), 2);
        QCOMPARE(*base64UrlDecode(part(token, 0)),
                 R"({"alg":"EdDSA","kid":")" + kid.toLatin1() + R"(","typ":"JWT"})");
        QCOMPARE(part(token, 2).size(), 86); // 64 bytes, unpadded

        const jws::VerifyResult result =
            jws::verify(token, onlyKey(kid, key.publicKey()), optionsAt(Now));
        QCOMPARE(outcome(result), u"ok"_s);
        const auto &verified = std::get<jws::Verified>(result);
        QCOMPARE(verified.kid, kid);
        QCOMPARE(verified.claims, claims);
        QCOMPARE(verified.header.value(u"alg"_s).toString(), u"EdDSA"_s);

        // Ed25519 is deterministic: the same key and claims give the same token.
        QCOMPARE(jws::sign(key, kid, claims), token);
        QVERIFY(jws::sign(key, QString(), claims).isEmpty());
        QVERIFY(jws::sign(SigningKey(), kid, claims).isEmpty());
    }

    void rfc8037Vectors()
    {
        const std::optional<SigningKey> key = SigningKey::fromSeed(b64(RfcSeed));
        QVERIFY(key);
        QCOMPARE(key->publicKey(), b64(RfcPublic));

        // A.4: our bytes must equal the RFC's, header and payload signed exactly as given.
        const QByteArray token =
            jws::signCompact(*key, R"({"alg":"EdDSA"})", "Example of Ed25519 signing");
        QCOMPARE(token, QByteArray(RfcJws));

        // The RFC token has no kid, which our profile requires: the verifier must stop there,
        // before looking up a key, and not call it a bad signature.
        bool asked = false;
        const auto lookup = [&asked](const QString &) -> std::optional<QByteArray> {
            asked = true;
            return b64(RfcPublic);
        };
        QCOMPARE(outcome(jws::verify(RfcJws, lookup, optionsAt(Now))), u"malformed"_s);
        QVERIFY(!asked);

        // A.3 thumbprint as kid, and A.2's public JWK read back.
        QCOMPARE(jws::keyIdFor(b64(RfcPublic)), QString::fromLatin1(RfcThumbprint));
        const QJsonObject rfcJwk{
            {u"kty"_s, u"OKP"_s}, {u"crv"_s, u"Ed25519"_s}, {u"x"_s, QLatin1StringView(RfcPublic)}};
        QCOMPARE(jws::publicKeyFromJwk(rfcJwk), std::optional<QByteArray>(b64(RfcPublic)));
    }

    void tampering()
    {
        const SigningKey key = keyFromFill('\x02');
        const QString kid = u"k1"_s;
        const auto lookup = onlyKey(kid, key.publicKey());
        const QByteArray token = jws::sign(key, kid, claimsAt(Now));
        const QByteArray header = part(token, 0);
        const QByteArray payload = part(token, 1);
        const QByteArray signature = part(token, 2);
        QCOMPARE(outcome(jws::verify(token, lookup, optionsAt(Now))), u"ok"_s);

        // A header with an extra member, a payload with a wider scope, a flipped signature bit.
        QJsonObject otherHeader{
            {u"alg"_s, u"EdDSA"_s}, {u"kid"_s, kid}, {u"typ"_s, u"JWT"_s}, {u"x"_s, 1}};
        QCOMPARE(outcome(jws::verify(base64UrlEncode(json(otherHeader)) + '.' + payload + '.' +
                                         signature,
                                     lookup, optionsAt(Now))),
                 u"bad_signature"_s);
        QJsonObject wider = claimsAt(Now);
        wider[u"scope"_s] = QJsonArray{u"*"_s};
        QCOMPARE(outcome(jws::verify(header + '.' + base64UrlEncode(json(wider)) + '.' + signature,
                                     lookup, optionsAt(Now))),
                 u"bad_signature"_s);
        QByteArray flipped = *base64UrlDecode(signature);
        flipped[10] = static_cast<char>(flipped.at(10) ^ 0x01);
        QCOMPARE(outcome(jws::verify(header + '.' + payload + '.' + base64UrlEncode(flipped),
                                     lookup, optionsAt(Now))),
                 u"bad_signature"_s);
        QCOMPARE(outcome(jws::verify(header + '.' + payload + '.' + signature.chopped(2), lookup,
                                     optionsAt(Now))),
                 u"malformed"_s);

        // Any one character changed anywhere must not verify: the strict base64url gives every
        // value one encoding, so no change can keep the signed bytes.
        for (qsizetype i = 0; i < token.size(); ++i) {
            QByteArray changed = token;
            changed[i] = token.at(i) == 'A' ? 'B' : 'A';
            QVERIFY2(!std::holds_alternative<jws::Verified>(
                         jws::verify(changed, lookup, optionsAt(Now))),
                     qPrintable(u"position %1"_s.arg(i)));
        }
    }

    void foreignHeaders_data()
    {
        QTest::addColumn<QJsonObject>("header");
        QTest::addColumn<bool>("signWithKey");
        QTest::addColumn<QString>("expected");

        const auto with = [](std::initializer_list<QPair<QString, QJsonValue>> members) {
            QJsonObject header{{u"kid"_s, u"k1"_s}, {u"typ"_s, u"JWT"_s}};
            for (const auto &[name, value] : members)
                header[name] = value;
            return header;
        };
        QTest::newRow("alg none") << with({{u"alg"_s, u"none"_s}}) << false << u"bad_alg"_s;
        QTest::newRow("alg None") << with({{u"alg"_s, u"None"_s}}) << false << u"bad_alg"_s;
        QTest::newRow("alg HS256") << with({{u"alg"_s, u"HS256"_s}}) << false << u"bad_alg"_s;
        QTest::newRow("alg ES256") << with({{u"alg"_s, u"ES256"_s}}) << false << u"bad_alg"_s;
        QTest::newRow("alg eddsa") << with({{u"alg"_s, u"eddsa"_s}}) << true << u"bad_alg"_s;
        QTest::newRow("alg Ed25519") << with({{u"alg"_s, u"Ed25519"_s}}) << true << u"bad_alg"_s;
        QTest::newRow("alg array")
            << with({{u"alg"_s, QJsonArray{u"EdDSA"_s}}}) << true << u"bad_alg"_s;
        QTest::newRow("no alg") << with({}) << true << u"bad_alg"_s;
        // Signed with the real key, so that only the header rule can reject them.
        QTest::newRow("crit") << with({{u"alg"_s, u"EdDSA"_s},
                                       {u"crit"_s, QJsonArray{u"b64"_s}},
                                       {u"b64"_s, false}})
                              << true << u"malformed"_s;
        QTest::newRow("typ at+jwt")
            << with({{u"alg"_s, u"EdDSA"_s}, {u"typ"_s, u"at+jwt"_s}}) << true << u"malformed"_s;
        QTest::newRow("typ jwt lowercase")
            << with({{u"alg"_s, u"EdDSA"_s}, {u"typ"_s, u"jwt"_s}}) << true << u"ok"_s;
        QTest::newRow("no typ") << QJsonObject{{u"alg"_s, u"EdDSA"_s}, {u"kid"_s, u"k1"_s}} << true
                                << u"ok"_s;
        QTest::newRow("kid empty")
            << with({{u"alg"_s, u"EdDSA"_s}, {u"kid"_s, u""_s}}) << true << u"malformed"_s;
        QTest::newRow("kid number")
            << with({{u"alg"_s, u"EdDSA"_s}, {u"kid"_s, 1}}) << true << u"malformed"_s;
        QTest::newRow("no kid") << QJsonObject{{u"alg"_s, u"EdDSA"_s}} << true << u"malformed"_s;
        // A key embedded in the token must be ignored, not trusted: ours still decides.
        QTest::newRow("embedded jwk")
            << with({{u"alg"_s, u"EdDSA"_s}, {u"jwk"_s, QJsonObject{{u"kty"_s, u"OKP"_s}}}}) << true
            << u"ok"_s;
    }

    void foreignHeaders()
    {
        QFETCH(QJsonObject, header);
        QFETCH(bool, signWithKey);
        QFETCH(QString, expected);

        const SigningKey key = keyFromFill('\x03');
        const auto lookup = onlyKey(u"k1"_s, key.publicKey());
        const QJsonObject claims = claimsAt(Now);
        QByteArray token;
        if (signWithKey) {
            token = jws::signCompact(key, json(header), json(claims));
        } else {
            // What an attacker would send: an empty signature for "none", and the classic
            // HS256 confusion of keying HMAC with our public key; 64 bytes for ES256.
            const QByteArray input =
                base64UrlEncode(json(header)) + '.' + base64UrlEncode(json(claims));
            const QString alg = header.value(u"alg"_s).toString();
            QByteArray signature;
            if (alg == u"HS256"_s)
                signature = hmacSha256(key.publicKey(), input);
            else if (alg == u"ES256"_s)
                signature = QByteArray(64, '\x07');
            token = forge(header, claims, signature);
        }
        QCOMPARE(outcome(jws::verify(token, lookup, optionsAt(Now))), expected);
    }

    void keyLookup()
    {
        const SigningKey signer = keyFromFill('\x04');
        const SigningKey other = keyFromFill('\x05');
        const QByteArray token = jws::sign(signer, u"a"_s, claimsAt(Now));

        QCOMPARE(outcome(jws::verify(token, onlyKey(u"b"_s, signer.publicKey()), optionsAt(Now))),
                 u"unknown_kid"_s);
        QCOMPARE(outcome(jws::verify(token, onlyKey(u"a"_s, other.publicKey()), optionsAt(Now))),
                 u"bad_signature"_s);
        // A broken key store (a small-order point, a short key) is no key at all.
        QCOMPARE(outcome(jws::verify(token, onlyKey(u"a"_s, QByteArray(32, '\0')), optionsAt(Now))),
                 u"unknown_kid"_s);
        QCOMPARE(outcome(jws::verify(token, onlyKey(u"a"_s, signer.publicKey().left(31)),
                                     optionsAt(Now))),
                 u"unknown_kid"_s);
        QCOMPARE(outcome(jws::verify(token, jws::KeyLookup(), optionsAt(Now))), u"unknown_kid"_s);

        // The lookup sees the kid from the token exactly.
        QString asked;
        const auto spy = [&asked, &signer](const QString &kid) -> std::optional<QByteArray> {
            asked = kid;
            return signer.publicKey();
        };
        QCOMPARE(outcome(jws::verify(token, spy, optionsAt(Now))), u"ok"_s);
        QCOMPARE(asked, u"a"_s);
    }

    void timeWindows_data()
    {
        QTest::addColumn<QJsonObject>("patch");
        QTest::addColumn<QStringList>("removed");
        QTest::addColumn<qint64>("leeway");
        QTest::addColumn<bool>("requireExp");
        QTest::addColumn<QString>("expected");

        const QStringList none;
        QTest::newRow("exp inside leeway")
            << QJsonObject{{u"exp"_s, Now - 59}} << none << qint64(60) << true << u"ok"_s;
        QTest::newRow("exp at leeway edge")
            << QJsonObject{{u"exp"_s, Now - 60}} << none << qint64(60) << true << u"expired"_s;
        QTest::newRow("exp now, no leeway")
            << QJsonObject{{u"exp"_s, Now}} << none << qint64(0) << true << u"expired"_s;
        QTest::newRow("exp next second, no leeway")
            << QJsonObject{{u"exp"_s, Now + 1}} << none << qint64(0) << true << u"ok"_s;
        QTest::newRow("negative leeway is zero")
            << QJsonObject{{u"exp"_s, Now + 1}} << none << qint64(-3600) << true << u"ok"_s;
        QTest::newRow("fractional exp")
            << QJsonObject{{u"exp"_s, Now - 59.5}} << none << qint64(60) << true << u"ok"_s;
        QTest::newRow("huge exp") << QJsonObject{{u"exp"_s, 1e300}} << none << qint64(60) << true
                                  << u"ok"_s;
        QTest::newRow("hugely negative exp")
            << QJsonObject{{u"exp"_s, -1e300}} << none << qint64(60) << true << u"expired"_s;
        QTest::newRow("exp string") << QJsonObject{{u"exp"_s, QString::number(Now + 600)}} << none
                                    << qint64(60) << true << u"malformed"_s;
        QTest::newRow("exp null") << QJsonObject{{u"exp"_s, QJsonValue::Null}} << none << qint64(60)
                                  << true << u"malformed"_s;
        QTest::newRow("no exp, required")
            << QJsonObject{} << QStringList{u"exp"_s} << qint64(60) << true << u"missing_claim"_s;
        QTest::newRow("no exp, optional")
            << QJsonObject{} << QStringList{u"exp"_s} << qint64(60) << false << u"ok"_s;
        QTest::newRow("nbf at leeway edge")
            << QJsonObject{{u"nbf"_s, Now + 60}} << none << qint64(60) << true << u"ok"_s;
        QTest::newRow("nbf past leeway") << QJsonObject{{u"nbf"_s, Now + 61}} << none << qint64(60)
                                         << true << u"not_yet_valid"_s;
        QTest::newRow("nbf bool") << QJsonObject{{u"nbf"_s, true}} << none << qint64(60) << true
                                  << u"malformed"_s;
        QTest::newRow("iat in the future") << QJsonObject{{u"iat"_s, Now + 61}} << none
                                           << qint64(60) << true << u"not_yet_valid"_s;
        QTest::newRow("iat string")
            << QJsonObject{{u"iat"_s, u"now"_s}} << none << qint64(60) << true << u"malformed"_s;
        QTest::newRow("no nbf, no iat")
            << QJsonObject{} << QStringList{u"nbf"_s, u"iat"_s} << qint64(60) << true << u"ok"_s;
    }

    void timeWindows()
    {
        QFETCH(QJsonObject, patch);
        QFETCH(QStringList, removed);
        QFETCH(qint64, leeway);
        QFETCH(bool, requireExp);
        QFETCH(QString, expected);

        const SigningKey key = keyFromFill('\x06');
        QJsonObject claims = claimsAt(Now);
        for (auto it = patch.constBegin(); it != patch.constEnd(); ++it)
            claims[it.key()] = it.value();
        for (const QString &name : std::as_const(removed))
            claims.remove(name);
        jws::VerifyOptions options = optionsAt(Now);
        options.leewaySeconds = leeway;
        options.requireExp = requireExp;
        QCOMPARE(outcome(jws::verify(jws::sign(key, u"k"_s, claims),
                                     onlyKey(u"k"_s, key.publicKey()), options)),
                 expected);
    }

    void issuerAndAudience_data()
    {
        QTest::addColumn<QJsonObject>("patch");
        QTest::addColumn<QStringList>("removed");
        QTest::addColumn<QString>("wantIssuer");
        QTest::addColumn<QString>("wantAudience");
        QTest::addColumn<QString>("expected");

        const QStringList none;
        QTest::newRow("match") << QJsonObject{} << none << Issuer << Audience << u"ok"_s;
        QTest::newRow("other issuer") << QJsonObject{{u"iss"_s, u"cortex-auth"_s}} << none << Issuer
                                      << Audience << u"bad_issuer"_s;
        QTest::newRow("issuer case") << QJsonObject{{u"iss"_s, u"Cortex-Vault"_s}} << none << Issuer
                                     << Audience << u"bad_issuer"_s;
        QTest::newRow("issuer array") << QJsonObject{{u"iss"_s, QJsonArray{Issuer}}} << none
                                      << Issuer << Audience << u"bad_issuer"_s;
        QTest::newRow("no iss") << QJsonObject{} << QStringList{u"iss"_s} << Issuer << Audience
                                << u"missing_claim"_s;
        QTest::newRow("unset expected issuer")
            << QJsonObject{} << none << QString() << Audience << u"bad_issuer"_s;
        // The daemon's tokens must not open the project API (reference defect §18.16).
        QTest::newRow("empty iss, unset expected issuer")
            << QJsonObject{{u"iss"_s, u""_s}} << none << QString() << Audience << u"bad_issuer"_s;
        QTest::newRow("empty aud, unset expected audience")
            << QJsonObject{{u"aud"_s, u""_s}} << none << Issuer << QString() << u"bad_audience"_s;
        QTest::newRow("other audience") << QJsonObject{{u"aud"_s, u"cortex-daemon"_s}} << none
                                        << Issuer << Audience << u"bad_audience"_s;
        QTest::newRow("aud array containing")
            << QJsonObject{{u"aud"_s, QJsonArray{u"cortex-daemon"_s, Audience}}} << none << Issuer
            << Audience << u"ok"_s;
        QTest::newRow("aud array without")
            << QJsonObject{{u"aud"_s, QJsonArray{u"cortex-daemon"_s, 7}}} << none << Issuer
            << Audience << u"bad_audience"_s;
        QTest::newRow("aud empty array") << QJsonObject{{u"aud"_s, QJsonArray{}}} << none << Issuer
                                         << Audience << u"bad_audience"_s;
        QTest::newRow("aud object") << QJsonObject{{u"aud"_s, QJsonObject{{Audience, true}}}}
                                    << none << Issuer << Audience << u"bad_audience"_s;
        QTest::newRow("no aud") << QJsonObject{} << QStringList{u"aud"_s} << Issuer << Audience
                                << u"missing_claim"_s;
        QTest::newRow("unset expected audience")
            << QJsonObject{} << none << Issuer << QString() << u"bad_audience"_s;
    }

    void issuerAndAudience()
    {
        QFETCH(QJsonObject, patch);
        QFETCH(QStringList, removed);
        QFETCH(QString, wantIssuer);
        QFETCH(QString, wantAudience);
        QFETCH(QString, expected);

        const SigningKey key = keyFromFill('\x07');
        QJsonObject claims = claimsAt(Now);
        for (auto it = patch.constBegin(); it != patch.constEnd(); ++it)
            claims[it.key()] = it.value();
        for (const QString &name : std::as_const(removed))
            claims.remove(name);
        jws::VerifyOptions options = optionsAt(Now);
        options.issuer = wantIssuer;
        options.audience = wantAudience;
        QCOMPARE(outcome(jws::verify(jws::sign(key, u"k"_s, claims),
                                     onlyKey(u"k"_s, key.publicKey()), options)),
                 expected);
    }

    void sizeLimit()
    {
        const SigningKey key = keyFromFill('\x08');
        const auto lookup = onlyKey(u"k"_s, key.publicKey());
        const auto tokenWithPadding = [&key](qsizetype padding) {
            QJsonObject claims = claimsAt(Now);
            claims[u"pad"_s] = QString(padding, u'x');
            return jws::sign(key, u"k"_s, claims);
        };
        // Correctly signed either way: only the size decides.
        const QByteArray fits = tokenWithPadding(5500);
        QVERIFY(fits.size() > 7 * 1024 && fits.size() <= jws::MaxTokenBytes);
        QCOMPARE(outcome(jws::verify(fits, lookup, optionsAt(Now))), u"ok"_s);
        const QByteArray tooBig = tokenWithPadding(6200);
        QVERIFY(tooBig.size() > jws::MaxTokenBytes);
        QCOMPARE(outcome(jws::verify(tooBig, lookup, optionsAt(Now))), u"malformed"_s);
        QCOMPARE(outcome(jws::verify(QByteArray(1 << 20, 'A'), lookup, optionsAt(Now))),
                 u"malformed"_s);
    }

    void jwksRotation()
    {
        const SigningKey oldKey = keyFromFill('\x09');
        const SigningKey newKey = keyFromFill('\x0a');
        const QString oldKid = jws::keyIdFor(oldKey.publicKey());
        const QString newKid = jws::keyIdFor(newKey.publicKey());
        QVERIFY(oldKid != newKid);
        const QByteArray oldToken = jws::sign(oldKey, oldKid, claimsAt(Now));
        const QByteArray newToken = jws::sign(newKey, newKid, claimsAt(Now));

        // Served as JSON and read back, as a client of /.well-known/jwks.json would.
        const auto served = [](const QJsonObject &document) {
            return QJsonDocument::fromJson(QJsonDocument(document).toJson()).object();
        };
        const QJsonObject both =
            served(jws::jwksDocument({{oldKid, oldKey.publicKey()}, {newKid, newKey.publicKey()}}));
        const QJsonArray keys = both.value(u"keys"_s).toArray();
        QCOMPARE(keys.size(), 2);
        QCOMPARE(keys.at(1).toObject(),
                 (QJsonObject{{u"kty"_s, u"OKP"_s},
                              {u"crv"_s, u"Ed25519"_s},
                              {u"kid"_s, newKid},
                              {u"x"_s, QString::fromLatin1(base64UrlEncode(newKey.publicKey()))},
                              {u"alg"_s, u"EdDSA"_s},
                              {u"use"_s, u"sig"_s}}));

        const auto from = [](const QJsonObject &jwks) {
            return [jwks](const QString &kid) {
                return jws::publicKeyFromJwks(jwks, kid);
            };
        };
        QCOMPARE(outcome(jws::verify(oldToken, from(both), optionsAt(Now))), u"ok"_s);
        QCOMPARE(outcome(jws::verify(newToken, from(both), optionsAt(Now))), u"ok"_s);

        // Once the old key is retired, its tokens stop verifying; the new ones do not notice.
        const QJsonObject newOnly = served(jws::jwksDocument({{newKid, newKey.publicKey()}}));
        QCOMPARE(outcome(jws::verify(oldToken, from(newOnly), optionsAt(Now))), u"unknown_kid"_s);
        QCOMPARE(outcome(jws::verify(newToken, from(newOnly), optionsAt(Now))), u"ok"_s);

        // A token naming the new kid but signed by the old key is a forgery.
        QCOMPARE(outcome(jws::verify(jws::sign(oldKey, newKid, claimsAt(Now)), from(both),
                                     optionsAt(Now))),
                 u"bad_signature"_s);
    }

    void jwksDocumentSkipsWhatItCannotVouchFor()
    {
        const QByteArray good = keyFromFill('\x0b').publicKey();
        const QJsonArray keys = jws::jwksDocument({{u"a"_s, good},
                                                   {QString(), good},
                                                   {u"a"_s, keyFromFill('\x0c').publicKey()},
                                                   {u"short"_s, good.left(31)},
                                                   {u"small-order"_s, QByteArray(32, '\0')}})
                                    .value(u"keys"_s)
                                    .toArray();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.at(0).toObject().value(u"x"_s).toString(),
                 QString::fromLatin1(base64UrlEncode(good)));
        QCOMPARE(jws::jwksDocument({}), (QJsonObject{{u"keys"_s, QJsonArray{}}}));
    }

    void jwkStrictness_data()
    {
        QTest::addColumn<QJsonObject>("jwk");
        QTest::addColumn<bool>("accepted");

        const QString x = QLatin1StringView(RfcPublic);
        const QJsonObject base{{u"kty"_s, u"OKP"_s}, {u"crv"_s, u"Ed25519"_s}, {u"x"_s, x}};
        const auto with = [&base](const QString &name, const QJsonValue &value) {
            QJsonObject jwk = base;
            if (value.isUndefined())
                jwk.remove(name);
            else
                jwk[name] = value;
            return jwk;
        };
        QTest::newRow("minimal") << base << true;
        QTest::newRow("alg EdDSA") << with(u"alg"_s, u"EdDSA"_s) << true;
        QTest::newRow("use sig") << with(u"use"_s, u"sig"_s) << true;
        QTest::newRow("kty EC") << with(u"kty"_s, u"EC"_s) << false;
        QTest::newRow("no kty") << with(u"kty"_s, QJsonValue::Undefined) << false;
        QTest::newRow("crv X25519") << with(u"crv"_s, u"X25519"_s) << false;
        QTest::newRow("crv Ed448") << with(u"crv"_s, u"Ed448"_s) << false;
        QTest::newRow("alg ES256") << with(u"alg"_s, u"ES256"_s) << false;
        QTest::newRow("use enc") << with(u"use"_s, u"enc"_s) << false;
        QTest::newRow("private d") << with(u"d"_s, QLatin1StringView(RfcSeed)) << false;
        QTest::newRow("x padded") << with(u"x"_s, x + u'=') << false;
        QTest::newRow("x standard base64")
            << with(u"x"_s, QString::fromLatin1(b64(RfcPublic).toBase64())) << false;
        QTest::newRow("x 31 bytes")
            << with(u"x"_s, QString::fromLatin1(base64UrlEncode(b64(RfcPublic).left(31)))) << false;
        QTest::newRow("x small order")
            << with(u"x"_s, QString::fromLatin1(base64UrlEncode(QByteArray(32, '\0')))) << false;
        QTest::newRow("x non-latin1") << with(u"x"_s, x.left(42) + u'\u20ac') << false;
        QTest::newRow("x number") << with(u"x"_s, 5) << false;
        QTest::newRow("no x") << with(u"x"_s, QJsonValue::Undefined) << false;
    }

    void jwkStrictness()
    {
        QFETCH(QJsonObject, jwk);
        QFETCH(bool, accepted);
        const std::optional<QByteArray> key = jws::publicKeyFromJwk(jwk);
        QCOMPARE(key.has_value(), accepted);
        if (accepted)
            QCOMPARE(*key, b64(RfcPublic));
    }

    void keyIds()
    {
        const QByteArray a = keyFromFill('\x0d').publicKey();
        const QByteArray b = keyFromFill('\x0e').publicKey();
        QCOMPARE(jws::keyIdFor(a), jws::keyIdFor(QByteArray(a)));
        QVERIFY(jws::keyIdFor(a) != jws::keyIdFor(b));
        QCOMPARE(jws::keyIdFor(a).size(), 43);
        QVERIFY(jws::keyIdFor(a.left(31)).isEmpty());
        QVERIFY(jws::keyIdFor(QByteArray(32, '\0')).isEmpty());
        QVERIFY(!jws::publicKeyFromJwks(QJsonObject{}, jws::keyIdFor(a)));
    }

    void garbageNeverVerifies()
    {
        const SigningKey key = keyFromFill('\x0f');
        const auto lookup = onlyKey(u"k"_s, key.publicKey());
        const QByteArray valid = jws::sign(key, u"k"_s, claimsAt(Now));
        const QByteArray goodHeader = part(valid, 0);
        const QByteArray goodPayload = part(valid, 1);
        const QByteArray goodSignature = part(valid, 2);

        const QList<QByteArray> fixed{
            QByteArray(),
            ".",
            "..",
            "...",
            "a.b.c",
            "a.b.c.d",
            goodHeader + '.' + goodPayload,
            goodHeader + '.' + goodPayload + '.' + goodSignature + '.',
            goodHeader + '.' + goodPayload + '.' + goodSignature + '.' + goodSignature,
            '.' + goodPayload + '.' + goodSignature,
            goodHeader + ".." + goodSignature,
            goodHeader + '.' + goodPayload + ".",
            ' ' + valid,
            valid + ' ',
            valid + '\n',
            valid + '=',
            QByteArray(valid).insert(5, '\0'),
            base64UrlEncode("[]") + '.' + goodPayload + '.' + goodSignature,
            base64UrlEncode("null") + '.' + goodPayload + '.' + goodSignature,
            base64UrlEncode("{") + '.' + goodPayload + '.' + goodSignature,
            base64UrlEncode("\xff\xfe{}") + '.' + goodPayload + '.' + goodSignature,
            base64UrlEncode(QByteArray(2000, '[')) + '.' + goodPayload + '.' + goodSignature,
            QByteArray("\xe2\x82\xac.\xe2\x82\xac.\xe2\x82\xac"),
        };
        for (const QByteArray &token : fixed)
            QVERIFY2(
                !std::holds_alternative<jws::Verified>(jws::verify(token, lookup, optionsAt(Now))),
                token.toHex().left(80).constData());

        // A validly signed payload that is not a JSON object: the signature is not the only gate.
        for (const QByteArray &payload :
             {QByteArray("[]"), QByteArray("\"text\""), QByteArray("{"), QByteArray()})
            QCOMPARE(
                outcome(jws::verify(jws::signCompact(key, R"({"alg":"EdDSA","kid":"k"})", payload),
                                    lookup, optionsAt(Now))),
                u"malformed"_s);

        // Random strings and random mutations of a good token (fixed seed: reproducible).
        // Under CORTEX_SANITIZE this is where a read past a buffer would show.
        QRandomGenerator random(20261123);
        static constexpr char Alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_...=+/ \0";
        for (int round = 0; round < 3000; ++round) {
            QByteArray token;
            if (round % 2 == 0) {
                const int length = random.bounded(400);
                for (int i = 0; i < length; ++i)
                    token += Alphabet[random.bounded(int(sizeof Alphabet))];
            } else {
                token = valid;
                for (int edits = 1 + random.bounded(4); edits > 0; --edits) {
                    const int at = random.bounded(int(token.size()));
                    switch (random.bounded(3)) {
                    case 0:
                        token[at] = static_cast<char>(random.bounded(256));
                        break;
                    case 1:
                        token.remove(at, 1 + random.bounded(8));
                        break;
                    default:
                        token.insert(at, static_cast<char>(random.bounded(256)));
                    }
                    if (token.isEmpty())
                        break;
                }
                if (token == valid)
                    continue;
            }
            QVERIFY2(
                !std::holds_alternative<jws::Verified>(jws::verify(token, lookup, optionsAt(Now))),
                token.toHex().left(80).constData());
        }
    }

    void independentVerifierPyJwt()
    {
        m_python = pythonWithPyJwt();
        if (m_python.isEmpty())
            QSKIP("no python3 with PyJWT and cryptography (Debian: apt-get install python3-jwt "
                  "python3-cryptography); the independent JWT check did not run");
        QVERIFY(m_dir.isValid());
        QVERIFY(writeFile(m_dir.filePath(u"pyjwt_check.py"_s), PyJwtScript));

        // PyJWT checks exp and nbf against the real clock.
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const SigningKey oldKey = keyFromFill('\x10');
        const SigningKey newKey = keyFromFill('\x11');
        const QString oldKid = jws::keyIdFor(oldKey.publicKey());
        const QString newKid = jws::keyIdFor(newKey.publicKey());
        const QJsonObject jwks =
            jws::jwksDocument({{newKid, newKey.publicKey()}, {oldKid, oldKey.publicKey()}});
        const QString jwksPath = m_dir.filePath(u"jwks.json"_s);
        QVERIFY(writeFile(jwksPath, QJsonDocument(jwks).toJson()));

        const QJsonObject claims = claimsAt(now);
        const auto pyVerify = [&](const QByteArray &token, const QString &audience) {
            const QString tokenPath = m_dir.filePath(u"token.jwt"_s);
            if (!writeFile(tokenPath, token))
                return PyResult{};
            return runPython({u"verify"_s, jwksPath, tokenPath, audience, Issuer});
        };

        // Our tokens, by the current key and by a still-published older one.
        for (const auto &[key, kid] : {std::pair{&newKey, newKid}, std::pair{&oldKey, oldKid}}) {
            const QByteArray token = jws::sign(*key, kid, claims);
            const PyResult accepted = pyVerify(token, Audience);
            QCOMPARE(accepted.exitCode, 0);
            QCOMPARE(QJsonDocument::fromJson(accepted.out).object(), claims);

            QByteArray signature = *base64UrlDecode(part(token, 2));
            signature[0] = static_cast<char>(signature.at(0) ^ 0x80);
            const PyResult tampered = pyVerify(
                part(token, 0) + '.' + part(token, 1) + '.' + base64UrlEncode(signature), Audience);
            QCOMPARE(tampered.exitCode, 3);
            QCOMPARE(tampered.out, QByteArray("InvalidSignatureError"));

            const PyResult wrongAudience = pyVerify(token, u"cortex-daemon"_s);
            QCOMPARE(wrongAudience.exitCode, 3);
            QCOMPARE(wrongAudience.out, QByteArray("InvalidAudienceError"));
        }
        // An expired token of ours is expired to PyJWT too.
        const QJsonObject expired = claimsAt(now - 7200);
        const PyResult late = pyVerify(jws::sign(newKey, newKid, expired), Audience);
        QCOMPARE(late.exitCode, 3);
        QCOMPARE(late.out, QByteArray("ExpiredSignatureError"));

        // The other direction: PyJWT mints with our key (its own header and JSON layout), and
        // our verifier accepts it through the JWKS.
        const QString seedPath = m_dir.filePath(u"seed.hex"_s);
        const QString claimsPath = m_dir.filePath(u"claims.json"_s);
        QVERIFY(writeFile(seedPath, QByteArray(32, '\x11').toHex()));
        QVERIFY(writeFile(claimsPath, QJsonDocument(claims).toJson()));
        const PyResult minted = runPython({u"sign"_s, seedPath, claimsPath, newKid});
        QCOMPARE(minted.exitCode, 0);
        const auto fromJwks = [&jwks](const QString &kid) {
            return jws::publicKeyFromJwks(jwks, kid);
        };
        jws::VerifyOptions options = optionsAt(now);
        const jws::VerifyResult result = jws::verify(minted.out, fromJwks, options);
        QCOMPARE(outcome(result), u"ok"_s);
        QCOMPARE(std::get<jws::Verified>(result).claims, claims);
        QCOMPARE(std::get<jws::Verified>(result).kid, newKid);
    }
};

QTEST_GUILESS_MAIN(TestJws)
#include "tst_jws.moc"
