#include "crypto/Base64Url.h"

#include "crypto/Bytes_p.h"
#include "crypto/SecureBytes.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto {

namespace {
constexpr int Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
} // namespace

QByteArray base64UrlEncode(QByteArrayView bytes)
{
    ensureSodium();
    const std::size_t binLen = static_cast<std::size_t>(bytes.size());
    // sodium_base64_ENCODED_LEN counts the terminating NUL that sodium_bin2base64 writes.
    const std::size_t encodedLen = sodium_base64_ENCODED_LEN(binLen, Variant);
    QByteArray out(static_cast<qsizetype>(encodedLen), Qt::Uninitialized);
    sodium_bin2base64(out.data(), encodedLen, detail::bytes(bytes), binLen, Variant);
    out.chop(1);
    return out;
}

std::optional<QByteArray> base64UrlDecode(QByteArrayView text)
{
    ensureSodium();
    // With no "ignore" set and no end pointer, sodium_base642bin fails on any character outside
    // the url alphabet (so on '=', '+', '/', whitespace and NUL), on unconsumed input, on a
    // length that is 1 mod 4 and on non-zero trailing bits: exactly the strictness wanted, so
    // that every value has one encoding.
    QByteArray out(text.size() / 4 * 3 + 2, Qt::Uninitialized);
    std::size_t decodedLen = 0;
    if (sodium_base642bin(detail::bytes(out), static_cast<std::size_t>(out.size()), text.data(),
                          static_cast<std::size_t>(text.size()), nullptr, &decodedLen, nullptr,
                          Variant) != 0) {
        wipe(out); // it may hold part of a decoded secret
        return std::nullopt;
    }
    out.truncate(static_cast<qsizetype>(decodedLen));
    return out;
}

} // namespace cortex::crypto
