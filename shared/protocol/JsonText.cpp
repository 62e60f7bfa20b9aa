#include "protocol/JsonText.h"

#include <QString>

namespace cortex::protocol {

namespace {

bool isContinuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
qsizetype sequenceLength(QByteArrayView text, qsizetype i)
{
    const auto at = [&](qsizetype k) {
        return static_cast<unsigned char>(text[i + k]);
    };
    const unsigned char c = at(0);
    const qsizetype left = text.size() - i;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return left >= 2 && isContinuation(at(1)) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !isContinuation(at(1)) || !isContinuation(at(2)))
            return 0;
        if ((c == 0xE0 && at(1) < 0xA0) || (c == 0xED && at(1) > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !isContinuation(at(1)) || !isContinuation(at(2)) || !isContinuation(at(3)))
            return 0;
        if ((c == 0xF0 && at(1) < 0x90) || (c == 0xF4 && at(1) > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

bool isWellFormed(QByteArrayView text)
{
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype n = sequenceLength(text, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void appendEscaped(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char Hex[] = "0123456789abcdef";
    out.reserve(out.size() + utf8.size() + 2);
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
    if (isWellFormed(utf8)) {
        appendEscaped(out, utf8);
        return;
    }
    // Rare (values are stored from JSON text): the same replacement characters Qt would write.
    const QByteArray replaced = QString::fromUtf8(utf8).toUtf8();
    appendEscaped(out, replaced);
}

} // namespace cortex::protocol
