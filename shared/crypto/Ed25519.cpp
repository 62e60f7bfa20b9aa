#include "crypto/Ed25519.h"

#include "crypto/Bytes_p.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto {

using detail::bytes;
using detail::ullSize;

static_assert(SigningKey::SeedBytes == crypto_sign_SEEDBYTES);
static_assert(SigningKey::PublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(SigningKey::SignatureBytes == crypto_sign_BYTES);

namespace {
constexpr auto PublicKeySize = static_cast<qsizetype>(SigningKey::PublicKeyBytes);
constexpr auto SignatureSize = static_cast<qsizetype>(SigningKey::SignatureBytes);
} // namespace

SigningKey SigningKey::generate()
{
    ensureSodium();
    SigningKey key;
    key.m_secretKey = SecureBytes(crypto_sign_SECRETKEYBYTES);
    key.m_publicKey = QByteArray(PublicKeySize, Qt::Uninitialized);
    crypto_sign_keypair(bytes(key.m_publicKey), key.m_secretKey.data());
    return key;
}

std::optional<SigningKey> SigningKey::fromSeed(QByteArrayView seed)
{
    ensureSodium();
    if (seed.size() != static_cast<qsizetype>(SeedBytes))
        return std::nullopt;
    SigningKey key;
    key.m_secretKey = SecureBytes(crypto_sign_SECRETKEYBYTES);
    key.m_publicKey = QByteArray(PublicKeySize, Qt::Uninitialized);
    crypto_sign_seed_keypair(bytes(key.m_publicKey), key.m_secretKey.data(), bytes(seed));
    return key;
}

SecureBytes SigningKey::seed() const
{
    // A default-constructed or moved-from key has no secret; give nothing rather than garbage.
    if (m_secretKey.size() != crypto_sign_SECRETKEYBYTES)
        return {};
    SecureBytes seed(SeedBytes);
    crypto_sign_ed25519_sk_to_seed(seed.data(), m_secretKey.data());
    return seed;
}

QByteArray SigningKey::sign(QByteArrayView message) const
{
    ensureSodium();
    if (m_secretKey.size() != crypto_sign_SECRETKEYBYTES)
        return {};
    QByteArray signature(SignatureSize, Qt::Uninitialized);
    crypto_sign_detached(bytes(signature), nullptr, bytes(message), ullSize(message),
                         m_secretKey.data());
    return signature;
}

namespace ed25519 {

bool isValidPublicKey(QByteArrayView publicKey)
{
    ensureSodium();
    // crypto_core_ed25519_is_valid_point rejects non-canonical encodings, points off the curve,
    // small-order points and points outside the prime-order subgroup.
    return publicKey.size() == PublicKeySize &&
           crypto_core_ed25519_is_valid_point(bytes(publicKey)) == 1;
}

bool verify(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature)
{
    ensureSodium();
    if (publicKey.size() != PublicKeySize || signature.size() != SignatureSize)
        return false;
    // libsodium also refuses small-order keys and R values and a non-canonical S here.
    return crypto_sign_verify_detached(bytes(signature), bytes(message), ullSize(message),
                                       bytes(publicKey)) == 0;
}

} // namespace ed25519

} // namespace cortex::crypto
