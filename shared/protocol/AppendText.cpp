#include "protocol/AppendText.h"

#include <charconv>

namespace cortex::protocol {

void appendUtf8(QByteArray &out, QStringView text)
{
    const qsizetype start = out.size();
    out.resize(start + text.size()); // grows geometrically, so repeated appends stay linear
    char *to = out.data() + start;
    for (const QChar c : text) {
        if (c.unicode() >= 0x80) {
            // Not ASCII (rare here): Qt's encoder, for exactly its bytes.
            out.truncate(start);
            out.append(text.toUtf8());
            return;
        }
        *to++ = char(c.unicode());
    }
}

void appendDecimal(QByteArray &out, qint64 value)
{
    char digits[24];
    const std::to_chars_result written = std::to_chars(std::begin(digits), std::end(digits), value);
    out.append(digits, written.ptr - digits);
}

} // namespace cortex::protocol
