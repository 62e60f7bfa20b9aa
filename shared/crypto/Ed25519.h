#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <optional>

namespace cortex::crypto {

// Ed25519 (RFC 8032) signing key; the 64-byte secret key lives in secure memory.
class SigningKey
{
public:
    static constexpr std::size_t SeedBytes = 32;
    static constexpr std::size_t PublicKeyBytes = 32;
    static constexpr std::size_t SignatureBytes = 64;

    static SigningKey generate();
    static std::optional<SigningKey> fromSeed(QByteArrayView seed);

    QByteArray publicKey() const { return m_publicKey; }
    SecureBytes seed() const; // 32 bytes
    QByteArray sign(QByteArrayView message) const; // detached, 64 bytes

private:
    SecureBytes m_secretKey; // libsodium's 64-byte form: seed || public key
    QByteArray m_publicKey;
};

namespace ed25519 {
// False for a key of the wrong size, a small-order point or a point not on the curve.
bool isValidPublicKey(QByteArrayView publicKey);
bool verify(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature);
} // namespace ed25519

} // namespace cortex::crypto
