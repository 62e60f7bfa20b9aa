#pragma once

#include <QByteArray>
#include <optional>

namespace cortex::crypto {

// base64url without padding (RFC 4648 §5), the encoding of keys, signatures and tokens.
QByteArray base64UrlEncode(QByteArrayView bytes);
// Strict: rejects padding, characters outside the url alphabet, whitespace and lengths that
// are 1 mod 4. nullopt on any of those.
std::optional<QByteArray> base64UrlDecode(QByteArrayView text);

} // namespace cortex::crypto
