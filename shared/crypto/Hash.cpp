#include "crypto/Hash.h"

#include "crypto/Bytes_p.h"
#include "crypto/Sodium.h"

#include <cstring>
#include <sodium.h>

namespace cortex::crypto {

using detail::bytes;
using detail::ullSize;

namespace {

// Keyed with `key` (any length: longer keys are hashed first, as RFC 2104 says; unlike
// crypto_auth_hmacsha256(), the init/update/final form takes any length).
void keyState(crypto_auth_hmacsha256_state &state, QByteArrayView key)
{
    ensureSodium();
    crypto_auth_hmacsha256_init(&state, bytes(key), static_cast<std::size_t>(key.size()));
}

// The MAC of `data` from a keyed state, which is used up and wiped (it holds the keyed inner
// and outer hash states).
QByteArray finishMac(crypto_auth_hmacsha256_state &state, QByteArrayView data)
{
    crypto_auth_hmacsha256_update(&state, bytes(data), ullSize(data));
    QByteArray mac(crypto_auth_hmacsha256_BYTES, Qt::Uninitialized);
    crypto_auth_hmacsha256_final(&state, bytes(mac));
    sodium_memzero(&state, sizeof state);
    return mac;
}

} // namespace

QByteArray sha256(QByteArrayView data)
{
    ensureSodium();
    QByteArray digest(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(bytes(digest), bytes(data), ullSize(data));
    return digest;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    crypto_auth_hmacsha256_state state;
    keyState(state, key);
    return finishMac(state, data);
}

QByteArray hmacSha256(const SecureBytes &key, QByteArrayView data)
{
    return hmacSha256(key.view(), data);
}

HmacSha256Key::HmacSha256Key(QByteArrayView key) : m_state(sizeof(crypto_auth_hmacsha256_state))
{
    // Keyed on the stack (aligned for the state's integers), kept as bytes in secure memory.
    crypto_auth_hmacsha256_state state;
    keyState(state, key);
    std::memcpy(m_state.data(), &state, sizeof state);
    sodium_memzero(&state, sizeof state);
}

QByteArray HmacSha256Key::mac(QByteArrayView data) const
{
    Q_ASSERT(!isEmpty());
    crypto_auth_hmacsha256_state state; // a copy: the keyed one serves the next message too
    std::memcpy(&state, m_state.data(), sizeof state);
    return finishMac(state, data);
}

} // namespace cortex::crypto
