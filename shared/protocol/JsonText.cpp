#include "protocol/JsonText.h"

#include "protocol/Utf8.h"

#include <QString>

namespace cortex::protocol {

namespace {

void appendEscaped(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char Hex[] = "0123456789abcdef";
    // Room for the common case (nothing to escape), growing geometrically: an exact reserve()
    // would copy the whole buffer again on every string appended to it.
    const qsizetype needed = out.size() + utf8.size() + 2;
    if (out.capacity() < needed)
        out.reserve(qMax(needed, 2 * out.capacity()));
    out += '"';
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(utf8.sliced(plainFrom, i - plainFrom));
        plainFrom = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += Hex[c >> 4];
            out += Hex[c & 0xF];
        }
    }
    out.append(utf8.sliced(plainFrom));
    out += '"';
}

} // namespace

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    if (isValidUtf8(utf8)) {
        appendEscaped(out, utf8);
        return;
    }
    // Rare (values are stored from JSON text): the same replacement characters Qt would write.
    const QByteArray replaced = QString::fromUtf8(utf8).toUtf8();
    appendEscaped(out, replaced);
}

} // namespace cortex::protocol
