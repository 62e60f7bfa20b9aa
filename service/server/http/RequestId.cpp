#include "http/RequestId.h"

#include "crypto/Base64Url.h"
#include "crypto/Sodium.h"

#include <sodium.h>

#include <array>
#include <atomic>

namespace cortex::http {

namespace {

// Not a vault secret (an id only has to be unguessable), so an ordinary array will do.
struct IdKey
{
    std::array<unsigned char, crypto_stream_chacha20_ietf_KEYBYTES> bytes{};
    IdKey()
    {
        crypto::ensureSodium();
        randombytes_buf(bytes.data(), bytes.size());
    }
};

} // namespace

QString newRequestId()
{
    static const IdKey key;
    static std::atomic<quint64> counter{0};
    const quint64 n = counter.fetch_add(1, std::memory_order_relaxed);
    std::array<unsigned char, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
    for (std::size_t i = 0; i < sizeof n; ++i)
        nonce[i] = static_cast<unsigned char>(n >> (8 * i));
    QByteArray id(12, Qt::Uninitialized);
    crypto_stream_chacha20_ietf(reinterpret_cast<unsigned char *>(id.data()),
                                static_cast<unsigned long long>(id.size()), nonce.data(),
                                key.bytes.data());
    return QStringLiteral("req_") + QString::fromLatin1(crypto::base64UrlEncode(id));
}

} // namespace cortex::http
