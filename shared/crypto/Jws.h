#pragma once

// Compact JWS (RFC 7515) as used for JWTs (RFC 7519), with EdDSA/Ed25519 (RFC 8037) as the one
// and only algorithm. The verifier follows RFC 8725: the algorithm is fixed by us, never chosen
// by the token; the key is found by kid among keys we already hold (a "jwk", "jku" or "x5u"
// header is never used); the signature is checked before any claim is read; iss, aud, exp and
// nbf are always checked.

#include "crypto/Ed25519.h"

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>

#include <functional>
#include <optional>
#include <variant>

namespace cortex::crypto::jws {

// Our own tokens are well under 1 KiB; the limit bounds the work a stranger can cause.
inline constexpr qsizetype MaxTokenBytes = 8 * 1024;

// Low level: "b64url(protectedHeader).b64url(payload).b64url(Ed25519 signature)", signing the
// given bytes exactly as they are. sign() is built on it; it exists for known-answer tests.
// Empty if the key holds no secret.
QByteArray signCompact(const SigningKey &key, QByteArrayView protectedHeader,
                       QByteArrayView payload);

// A JWT with header {"alg":"EdDSA","kid":kid,"typ":"JWT"} and the claims as payload. The
// claims are signed as given (the caller sets iss, aud, exp, ...). Empty if kid is empty or
// the key holds no secret.
QByteArray sign(const SigningKey &key, const QString &kid, const QJsonObject &claims);

enum class Error {
    Malformed,    // size, structure, encoding, JSON, a "crit" header, a non-numeric date
    BadAlg,       // alg is anything but "EdDSA"
    UnknownKid,   // the callback has no (valid) key for the kid
    BadSignature, // the signature does not verify under that key
    Expired,      // now >= exp + leeway
    NotYetValid,  // nbf or iat later than now + leeway
    BadIssuer,    // iss differs from VerifyOptions::issuer (or that is empty)
    BadAudience,  // aud neither is nor contains VerifyOptions::audience (or that is empty)
    MissingClaim, // no iss, no aud, or no exp while requireExp
};

// The snake_case code for API errors and logs, e.g. "bad_signature".
QLatin1StringView errorCode(Error error);

struct VerifyOptions
{
    // Both are required: an empty issuer or audience rejects every token, so that tokens
    // minted for one audience (e.g. the daemon) never pass where another is expected.
    QString issuer;
    QString audience;
    // Seconds since the epoch; unset means the system clock. Tests and the service pass
    // their own clock.
    std::optional<qint64> now;
    qint64 leewaySeconds = 60; // clock skew allowed on exp, nbf and iat; negative counts as 0
    bool requireExp = true;
};

struct Verified
{
    QJsonObject header;
    QJsonObject claims;
    QString kid;
};

using VerifyResult = std::variant<Verified, Error>;

// The public key (32 raw bytes) for a kid, or nullopt if the kid is unknown or retired.
using KeyLookup = std::function<std::optional<QByteArray>(const QString &kid)>;

// Strict verification; never throws, whatever the input.
VerifyResult verify(QByteArrayView token, const KeyLookup &publicKeyForKid,
                    const VerifyOptions &options);

} // namespace cortex::crypto::jws
