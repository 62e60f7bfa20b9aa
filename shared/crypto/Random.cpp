#include "crypto/Random.h"

#include "crypto/Base64Url.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto {

QByteArray randomBytes(std::size_t size)
{
    ensureSodium();
    QByteArray out(static_cast<qsizetype>(size), Qt::Uninitialized);
    if (size > 0)
        randombytes_buf(out.data(), size);
    return out;
}

QString randomToken(QStringView prefix, std::size_t size)
{
    return prefix.toString() + QString::fromLatin1(base64UrlEncode(randomBytes(size)));
}

} // namespace cortex::crypto
