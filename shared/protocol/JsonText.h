#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace cortex::protocol {

// Appends `utf8` to `out` as a JSON string literal, byte for byte as QJsonDocument::Compact
// writes the same text: '"' and '\' escaped, control characters as \b \f \n \r \t or \u00xx,
// everything else as it is. Bytes that are not UTF-8 become U+FFFD, as QString::fromUtf8 makes
// them. For answers built without QJsonObject's copies (and its cost) on the hot path.
void appendJsonString(QByteArray &out, QByteArrayView utf8);

} // namespace cortex::protocol
