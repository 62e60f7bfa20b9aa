#include "crypto/Jws.h"

#include "crypto/Base64Url.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace cortex::crypto::jws {

namespace {

constexpr auto Alg = "EdDSA"_L1;

std::optional<QJsonObject> parseObject(const QByteArray &json)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

// A NumericDate claim (RFC 7519 §2): absent, or a finite JSON number (fractions allowed).
struct NumericDate
{
    bool present = false;
    bool valid = true;
    double value = 0;
};

NumericDate numericDate(const QJsonObject &claims, QLatin1StringView name)
{
    const auto it = claims.constFind(name);
    if (it == claims.constEnd())
        return {};
    const QJsonValue value = it.value();
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return {true, false, 0};
    return {true, true, value.toDouble()};
}

bool audienceMatches(const QJsonValue &aud, const QString &expected)
{
    if (aud.isString())
        return aud.toString() == expected;
    if (!aud.isArray())
        return false;
    const QJsonArray list = aud.toArray();
    return std::any_of(list.begin(), list.end(), [&expected](const QJsonValue &entry) {
        return entry.isString() && entry.toString() == expected;
    });
}

std::optional<Error> checkClaims(const QJsonObject &claims, const VerifyOptions &options)
{
    const NumericDate exp = numericDate(claims, "exp"_L1);
    const NumericDate nbf = numericDate(claims, "nbf"_L1);
    const NumericDate iat = numericDate(claims, "iat"_L1);
    if (!exp.valid || !nbf.valid || !iat.valid)
        return Error::Malformed;

    // Compared as doubles: a hostile 1e300 must not be converted to qint64 (undefined
    // behaviour), and every realistic time and leeway is exact in a double.
    const double now =
        static_cast<double>(options.now.value_or(QDateTime::currentSecsSinceEpoch()));
    const double leeway = static_cast<double>(std::max<qint64>(options.leewaySeconds, 0));

    if (!exp.present && options.requireExp)
        return Error::MissingClaim;
    // RFC 7519 §4.1.4: the token is valid only *before* exp.
    if (exp.present && now - leeway >= exp.value)
        return Error::Expired;
    if (nbf.present && nbf.value > now + leeway)
        return Error::NotYetValid;
    // A token "issued" in the future comes from a wrong clock or a forger with our key.
    if (iat.present && iat.value > now + leeway)
        return Error::NotYetValid;

    if (options.issuer.isEmpty())
        return Error::BadIssuer;
    const auto iss = claims.constFind("iss"_L1);
    if (iss == claims.constEnd())
        return Error::MissingClaim;
    if (!iss->isString() || iss->toString() != options.issuer)
        return Error::BadIssuer;

    if (options.audience.isEmpty())
        return Error::BadAudience;
    const auto aud = claims.constFind("aud"_L1);
    if (aud == claims.constEnd())
        return Error::MissingClaim;
    if (!audienceMatches(aud.value(), options.audience))
        return Error::BadAudience;

    return std::nullopt;
}

} // namespace

QByteArray signCompact(const SigningKey &key, QByteArrayView protectedHeader,
                       QByteArrayView payload)
{
    QByteArray token = base64UrlEncode(protectedHeader) + '.' + base64UrlEncode(payload);
    // RFC 7515 §5.1: the signature covers the ASCII of the two encoded parts, not the JSON.
    const QByteArray signature = key.sign(token);
    if (signature.isEmpty())
        return {};
    token += '.';
    token += base64UrlEncode(signature);
    return token;
}

QByteArray sign(const SigningKey &key, const QString &kid, const QJsonObject &claims)
{
    if (kid.isEmpty())
        return {};
    const QJsonObject header{{"alg"_L1, Alg}, {"kid"_L1, kid}, {"typ"_L1, "JWT"_L1}};
    return signCompact(key, QJsonDocument(header).toJson(QJsonDocument::Compact),
                       QJsonDocument(claims).toJson(QJsonDocument::Compact));
}

QLatin1StringView errorCode(Error error)
{
    switch (error) {
    case Error::Malformed:
        return "malformed"_L1;
    case Error::BadAlg:
        return "bad_alg"_L1;
    case Error::UnknownKid:
        return "unknown_kid"_L1;
    case Error::BadSignature:
        return "bad_signature"_L1;
    case Error::Expired:
        return "expired"_L1;
    case Error::NotYetValid:
        return "not_yet_valid"_L1;
    case Error::BadIssuer:
        return "bad_issuer"_L1;
    case Error::BadAudience:
        return "bad_audience"_L1;
    case Error::MissingClaim:
        return "missing_claim"_L1;
    }
    return "malformed"_L1; // an out-of-range value cast into the enum
}

VerifyResult verify(QByteArrayView token, const KeyLookup &publicKeyForKid,
                    const VerifyOptions &options)
{
    if (token.isEmpty() || token.size() > MaxTokenBytes)
        return Error::Malformed;

    // Exactly three parts: a fourth would be JWE-like or a smuggled segment.
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0)
        return Error::Malformed;
    const QByteArrayView signingInput = token.first(dot2);
    const auto headerJson = base64UrlDecode(token.first(dot1));
    const auto payloadJson = base64UrlDecode(token.sliced(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64UrlDecode(token.sliced(dot2 + 1));
    if (!headerJson || !payloadJson || !signature)
        return Error::Malformed;

    const std::optional<QJsonObject> header = parseObject(*headerJson);
    if (!header)
        return Error::Malformed;
    // The algorithm is ours to decide: "none", HS256 (keyed with our public key), ES256 and
    // anything else are refused before a key is even looked up.
    const QJsonValue alg = header->value("alg"_L1);
    if (!alg.isString() || alg.toString() != Alg)
        return Error::BadAlg;
    // RFC 7515 §4.1.11: we understand no extensions, so a token that needs one is invalid.
    if (header->contains("crit"_L1))
        return Error::Malformed;
    // Explicit typing (RFC 8725 §3.11): if present, it must say JWT (case-insensitively).
    const auto typ = header->constFind("typ"_L1);
    if (typ != header->constEnd() &&
        (!typ->isString() || typ->toString().compare("JWT"_L1, Qt::CaseInsensitive) != 0))
        return Error::Malformed;
    const QJsonValue kidValue = header->value("kid"_L1);
    if (!kidValue.isString() || kidValue.toString().isEmpty())
        return Error::Malformed;
    const QString kid = kidValue.toString();
    if (signature->size() != static_cast<qsizetype>(SigningKey::SignatureBytes))
        return Error::Malformed;

    if (!publicKeyForKid)
        return Error::UnknownKid;
    const std::optional<QByteArray> publicKey = publicKeyForKid(kid);
    // A key that is not a valid point is a configuration fault, treated as no key at all.
    if (!publicKey || !ed25519::isValidPublicKey(*publicKey))
        return Error::UnknownKid;
    // Over the bytes as received: re-encoding the parsed JSON would sign-check something else.
    if (!ed25519::verify(*publicKey, signingInput, *signature))
        return Error::BadSignature;

    // Only now is the payload ours to read.
    std::optional<QJsonObject> claims = parseObject(*payloadJson);
    if (!claims)
        return Error::Malformed;
    if (const std::optional<Error> error = checkClaims(*claims, options))
        return *error;
    return Verified{*header, *claims, kid};
}

} // namespace cortex::crypto::jws
