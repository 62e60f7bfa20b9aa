#pragma once

// JSON Web Keys (RFC 7517) for Ed25519 public keys (RFC 8037 "OKP"), as served at
// /.well-known/jwks.json so that any standard JWT library can check our tokens.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace cortex::crypto::jws {

// {"keys":[{"kty":"OKP","crv":"Ed25519","kid":..,"x":b64url(pub),"alg":"EdDSA","use":"sig"}]},
// in the order given. Entries with an empty kid, a repeated kid or a public key that is not a
// valid Ed25519 point are left out: a verifier must never be handed a key we cannot vouch for.
QJsonObject jwksDocument(const QList<QPair<QString, QByteArray>> &kidAndPublicKey);

// The raw 32-byte key of one JWK. Strict: kty "OKP", crv "Ed25519", x strict base64url of a
// valid point, alg (if present) "EdDSA", use (if present) "sig", and no private part "d".
std::optional<QByteArray> publicKeyFromJwk(const QJsonObject &jwk);

// The key with this kid in a JWKS document, or nullopt (unknown kid or an invalid entry).
std::optional<QByteArray> publicKeyFromJwks(const QJsonObject &jwks, const QString &kid);

// A stable kid: the RFC 7638 JWK thumbprint, base64url(SHA-256 of
// {"crv":"Ed25519","kty":"OKP","x":"..."}), 43 characters. Empty for an invalid key.
QString keyIdFor(QByteArrayView publicKey);

} // namespace cortex::crypto::jws
