#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>

namespace cortex::crypto {

QByteArray sha256(QByteArrayView data); // 32 bytes
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data); // 32 bytes, any key length
QByteArray hmacSha256(const SecureBytes &key, QByteArrayView data);

} // namespace cortex::crypto
