#include "crypto/Jwks.h"

#include "crypto/Base64Url.h"
#include "crypto/Ed25519.h"
#include "crypto/Hash.h"

#include <QJsonArray>
#include <QSet>

using namespace Qt::StringLiterals;

namespace cortex::crypto::jws {

namespace {

bool isStringEqual(const QJsonObject &object, QLatin1StringView name, QLatin1StringView want)
{
    const QJsonValue value = object.value(name);
    return value.isString() && value.toString() == want;
}

// Absent, or a string equal to want.
bool isAbsentOrEqual(const QJsonObject &object, QLatin1StringView name, QLatin1StringView want)
{
    return !object.contains(name) || isStringEqual(object, name, want);
}

} // namespace

QJsonObject jwksDocument(const QList<QPair<QString, QByteArray>> &kidAndPublicKey)
{
    QJsonArray keys;
    QSet<QString> seen;
    for (const auto &[kid, publicKey] : kidAndPublicKey) {
        if (kid.isEmpty() || seen.contains(kid) || !ed25519::isValidPublicKey(publicKey))
            continue;
        seen.insert(kid);
        keys.append(QJsonObject{
            {"kty"_L1, "OKP"_L1},
            {"crv"_L1, "Ed25519"_L1},
            {"kid"_L1, kid},
            {"x"_L1, QString::fromLatin1(base64UrlEncode(publicKey))},
            {"alg"_L1, "EdDSA"_L1},
            {"use"_L1, "sig"_L1},
        });
    }
    return QJsonObject{{"keys"_L1, keys}};
}

std::optional<QByteArray> publicKeyFromJwk(const QJsonObject &jwk)
{
    if (!isStringEqual(jwk, "kty"_L1, "OKP"_L1) || !isStringEqual(jwk, "crv"_L1, "Ed25519"_L1) ||
        !isAbsentOrEqual(jwk, "alg"_L1, "EdDSA"_L1) || !isAbsentOrEqual(jwk, "use"_L1, "sig"_L1))
        return std::nullopt;
    // A private key where a public one belongs is a leak upstream; refuse to go along with it.
    if (jwk.contains("d"_L1))
        return std::nullopt;
    const QJsonValue x = jwk.value("x"_L1);
    if (!x.isString())
        return std::nullopt;
    // toLatin1() would turn non-Latin-1 characters into '?', which the strict decoder refuses.
    std::optional<QByteArray> publicKey = base64UrlDecode(x.toString().toLatin1());
    if (!publicKey || !ed25519::isValidPublicKey(*publicKey))
        return std::nullopt;
    return publicKey;
}

std::optional<QByteArray> publicKeyFromJwks(const QJsonObject &jwks, const QString &kid)
{
    if (kid.isEmpty())
        return std::nullopt;
    const QJsonArray keys = jwks.value("keys"_L1).toArray();
    for (const QJsonValue &entry : keys) {
        const QJsonObject jwk = entry.toObject();
        const QJsonValue entryKid = jwk.value("kid"_L1);
        if (!entryKid.isString() || entryKid.toString() != kid)
            continue;
        return publicKeyFromJwk(jwk);
    }
    return std::nullopt;
}

QString keyIdFor(QByteArrayView publicKey)
{
    if (!ed25519::isValidPublicKey(publicKey))
        return {};
    // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
    const QByteArray canonical =
        R"({"crv":"Ed25519","kty":"OKP","x":")" + base64UrlEncode(publicKey) + R"("})";
    return QString::fromLatin1(base64UrlEncode(sha256(canonical)));
}

} // namespace cortex::crypto::jws
