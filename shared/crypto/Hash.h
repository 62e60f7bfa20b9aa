#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>

namespace cortex::crypto {

QByteArray sha256(QByteArrayView data);                         // 32 bytes
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data); // 32 bytes, any key length
QByteArray hmacSha256(const SecureBytes &key, QByteArrayView data);

// One HMAC-SHA256 key for many messages: the key's inner and outer pads are hashed once, here,
// instead of for every message (two of the ~10 SHA-256 blocks of an audit row's MAC). The
// keyed state is as secret as the key and lives in secure memory.
class HmacSha256Key
{
public:
    HmacSha256Key() = default;
    explicit HmacSha256Key(QByteArrayView key);

    bool isEmpty() const { return m_state.isEmpty(); }
    void clear() { m_state.clear(); }
    // hmacSha256(key, data), 32 bytes.
    QByteArray mac(QByteArrayView data) const;

private:
    SecureBytes m_state; // a crypto_auth_hmacsha256_state after init with the key
};

} // namespace cortex::crypto
