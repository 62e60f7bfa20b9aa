#pragma once

// Internal to the crypto layer: views of Qt buffers as the unsigned byte pointers libsodium
// takes. Not part of the public API.

#include <QByteArrayView>

namespace cortex::crypto::detail {

// A default-constructed QByteArrayView has a null data(); libsodium accepts that for zero
// lengths, but handing it a real address keeps every call well-defined regardless.
inline const unsigned char *bytes(QByteArrayView view)
{
    static constexpr unsigned char empty = 0;
    return view.data() ? reinterpret_cast<const unsigned char *>(view.data()) : &empty;
}

inline unsigned char *bytes(QByteArray &array)
{
    return reinterpret_cast<unsigned char *>(array.data());
}

inline unsigned long long ullSize(QByteArrayView view)
{
    return static_cast<unsigned long long>(view.size());
}

} // namespace cortex::crypto::detail
