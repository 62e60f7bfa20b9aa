#pragma once

#include <QByteArrayView>

namespace cortex::protocol {

// Whether `bytes` are well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates,
// nothing past U+10FFFF, no truncated sequence.
bool isValidUtf8(QByteArrayView bytes);

} // namespace cortex::protocol
