#pragma once

#include <QByteArray>
#include <QString>

namespace cortex::crypto {

QByteArray randomBytes(std::size_t size);
// prefix + base64url(size random bytes), e.g. randomToken(u"sec_", 16) -> "sec_3q2-7w..."
QString randomToken(QStringView prefix, std::size_t size = 32);

} // namespace cortex::crypto
