#include "crypto/Hash.h"

#include "crypto/Bytes_p.h"
#include "crypto/Sodium.h"

#include <cstring>
#include <sodium.h>

namespace cortex::crypto {

using detail::bytes;
using detail::ullSize;

QByteArray sha256(QByteArrayView data)
{
    ensureSodium();
    QByteArray digest(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(bytes(digest), bytes(data), ullSize(data));
    return digest;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    ensureSodium();
    // The init/update/final form, unlike crypto_auth_hmacsha256(), takes a key of any length
    // (longer keys are hashed first, as RFC 2104 says).
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, bytes(key), static_cast<std::size_t>(key.size()));
    crypto_auth_hmacsha256_update(&state, bytes(data), ullSize(data));
    QByteArray mac(crypto_auth_hmacsha256_BYTES, Qt::Uninitialized);
    crypto_auth_hmacsha256_final(&state, bytes(mac));
    sodium_memzero(&state, sizeof state); // it holds the keyed inner and outer hash states
    return mac;
}

QByteArray hmacSha256(const SecureBytes &key, QByteArrayView data)
{
    return hmacSha256(key.view(), data);
}

HmacSha256Key::HmacSha256Key(QByteArrayView key) : m_state(sizeof(crypto_auth_hmacsha256_state))
{
    ensureSodium();
    // Keyed on the stack (aligned for the state's integers), kept as bytes in secure memory.
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, bytes(key), static_cast<std::size_t>(key.size()));
    std::memcpy(m_state.data(), &state, sizeof state);
    sodium_memzero(&state, sizeof state);
}

QByteArray HmacSha256Key::mac(QByteArrayView data) const
{
    Q_ASSERT(!isEmpty());
    crypto_auth_hmacsha256_state state; // a copy: the keyed one serves the next message too
    std::memcpy(&state, m_state.data(), sizeof state);
    crypto_auth_hmacsha256_update(&state, bytes(data), ullSize(data));
    QByteArray mac(crypto_auth_hmacsha256_BYTES, Qt::Uninitialized);
    crypto_auth_hmacsha256_final(&state, bytes(mac));
    sodium_memzero(&state, sizeof state);
    return mac;
}

} // namespace cortex::crypto
