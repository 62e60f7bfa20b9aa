#pragma once

#include <QByteArrayView>

namespace cortex::crypto {

// Compares in time independent of the content; different lengths compare unequal at once
// (lengths are not secret: every compared value is a fixed-size hash or tag).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace cortex::crypto
