#include "protocol/JsonSecretFields.h"

#include "protocol/ApiError.h"
#include "protocol/JsonErrors_p.h"
#include "protocol/Utf8.h"

#include <optional>
#include <vector>

using namespace Qt::StringLiterals;
using cortex::crypto::SecureBytes;

namespace cortex::protocol {

using detail::invalidJsonAt;
using detail::unpairedSurrogate;

namespace {

enum class DecodeError { None, ControlChar, BadEscape, LoneSurrogate };

struct Decoded
{
    DecodeError error = DecodeError::None;
    qsizetype at = 0; // offset in the string's content
};

bool readHex4(QByteArrayView raw, qsizetype at, char32_t *value)
{
    if (at + 4 > raw.size())
        return false;
    char32_t v = 0;
    for (qsizetype i = at; i < at + 4; ++i) {
        const char c = raw[i];
        int digit = -1;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        if (digit < 0)
            return false;
        v = v * 16 + char32_t(digit);
    }
    *value = v;
    return true;
}

template <typename Put> void putUtf8(char32_t cp, Put &put)
{
    if (cp < 0x80) {
        put(uchar(cp));
    } else if (cp < 0x800) {
        put(uchar(0xC0 | (cp >> 6)));
        put(uchar(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        put(uchar(0xE0 | (cp >> 12)));
        put(uchar(0x80 | ((cp >> 6) & 0x3F)));
        put(uchar(0x80 | (cp & 0x3F)));
    } else {
        put(uchar(0xF0 | (cp >> 18)));
        put(uchar(0x80 | ((cp >> 12) & 0x3F)));
        put(uchar(0x80 | ((cp >> 6) & 0x3F)));
        put(uchar(0x80 | (cp & 0x3F)));
    }
}

// The content of a JSON string (between its quotes; raw bytes already known to be UTF-8)
// decoded to UTF-8, one byte at a time into put(): run once to count, once to write.
template <typename Put> Decoded decodeString(QByteArrayView raw, Put &&put)
{
    qsizetype i = 0;
    while (i < raw.size()) {
        const auto c = uchar(raw[i]);
        if (c < 0x20)
            return {DecodeError::ControlChar, i};
        if (c != '\\') {
            put(c);
            ++i;
            continue;
        }
        if (i + 1 >= raw.size())
            return {DecodeError::BadEscape, i};
        const char escaped = raw[i + 1];
        static constexpr char Simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
        bool simple = false;
        for (std::size_t k = 0; k + 1 < sizeof Simple; k += 2) {
            if (Simple[k] == escaped) {
                put(uchar(Simple[k + 1]));
                simple = true;
                break;
            }
        }
        if (simple) {
            i += 2;
            continue;
        }
        char32_t cp = 0;
        if (escaped != 'u' || !readHex4(raw, i + 2, &cp))
            return {DecodeError::BadEscape, i};
        const qsizetype start = i;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            char32_t low = 0;
            if (i + 1 < raw.size() && raw[i] == '\\' && raw[i + 1] == 'u' &&
                readHex4(raw, i + 2, &low) && low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            } else {
                return {DecodeError::LoneSurrogate, start};
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return {DecodeError::LoneSurrogate, start};
        }
        putUtf8(cp, put);
    }
    return {};
}

// Where a string token that starts at `open` (its quote) ends, one past its closing quote;
// -1 when it is not closed.
qsizetype stringEnd(QByteArrayView body, qsizetype open)
{
    for (qsizetype i = open + 1; i < body.size(); ++i) {
        if (body[i] == '\\')
            ++i;
        else if (body[i] == '"')
            return i + 1;
    }
    return -1;
}

std::optional<QString> decodeKey(QByteArrayView raw)
{
    if (!isValidUtf8(raw))
        return std::nullopt;
    QByteArray utf8;
    utf8.reserve(raw.size());
    if (decodeString(raw, [&utf8](uchar b) { utf8.append(char(b)); }).error != DecodeError::None)
        return std::nullopt; // the parser rejects the body; this key can match nothing
    return QString::fromUtf8(utf8);
}

SecureBytes decodeSecret(QByteArrayView raw, qsizetype contentOffset, const QString &field)
{
    if (!isValidUtf8(raw))
        throw invalidJsonAt(u"invalid UTF8 string"_s, contentOffset - 1);
    std::size_t size = 0;
    const Decoded counted = decodeString(raw, [&size](uchar) { ++size; });
    switch (counted.error) {
    case DecodeError::None:
        break;
    case DecodeError::ControlChar:
        throw invalidJsonAt(u"unescaped control character in a string"_s,
                            contentOffset + counted.at);
    case DecodeError::BadEscape:
        throw invalidJsonAt(u"illegal escape sequence"_s, contentOffset + counted.at);
    case DecodeError::LoneSurrogate:
        throw unpairedSurrogate(field);
    }
    SecureBytes value; // an empty secret owns no allocation
    if (size > 0) {
        value = SecureBytes(size);
        unsigned char *out = value.data();
        decodeString(raw, [&out](uchar b) { *out++ = b; });
    }
    return value;
}

struct Frame
{
    bool object = false;
    std::optional<QString> key; // the current member's key (objects); none if undecodable
};

} // namespace

LiftedSecrets liftSecretFields(QByteArrayView body, std::initializer_list<QStringView> paths)
{
    std::vector<QStringList> wanted;
    qsizetype deepest = 0;
    for (QStringView path : paths) {
        QStringList keys;
        for (QStringView key : path.split(u'/'))
            keys.append(key.toString());
        deepest = std::max(deepest, keys.size());
        wanted.push_back(std::move(keys));
    }

    LiftedSecrets lifted;
    std::vector<std::pair<qsizetype, qsizetype>> spans; // lifted string tokens, quotes included
    std::vector<Frame> stack;
    bool expectKey = false;
    bool atValue = false; // just after a ':'

    // The path of the member whose value starts here, when it is one of the wanted ones.
    const auto wantedPath = [&]() -> std::optional<QStringList> {
        if (!atValue || stack.empty() || qsizetype(stack.size()) > deepest)
            return std::nullopt;
        QStringList path;
        for (const Frame &frame : stack) {
            if (!frame.object || !frame.key)
                return std::nullopt;
            path.append(*frame.key);
        }
        for (const QStringList &candidate : wanted)
            if (candidate == path)
                return path;
        return std::nullopt;
    };
    // A wanted member whose (last) value is not a string: the parser's value counts.
    const auto dropWanted = [&] {
        if (const auto path = wantedPath())
            lifted.values.erase(*path);
    };

    for (qsizetype i = 0; i < body.size();) {
        const char c = body[i];
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            ++i;
            continue;
        case '{':
        case '[':
            dropWanted();
            stack.push_back({c == '{', std::nullopt});
            expectKey = c == '{';
            ++i;
            break;
        case '}':
        case ']':
            if (stack.empty())
                throw invalidJsonAt(u"garbage at the end of the document"_s, i);
            stack.pop_back();
            expectKey = false;
            ++i;
            break;
        case ',':
            if (stack.empty())
                throw invalidJsonAt(u"garbage at the end of the document"_s, i);
            expectKey = stack.back().object;
            ++i;
            break;
        case ':':
            expectKey = false;
            atValue = true;
            ++i;
            continue;
        case '"': {
            const qsizetype end = stringEnd(body, i);
            if (end < 0) // refused here: a parser would copy the string before it failed
                throw invalidJsonAt(u"unterminated string"_s, i);
            const QByteArrayView raw = body.sliced(i + 1, end - i - 2);
            if (expectKey && !stack.empty()) {
                stack.back().key = decodeKey(raw);
                expectKey = false;
            } else if (const auto path = wantedPath()) {
                lifted.values.insert_or_assign(*path, decodeSecret(raw, i + 1, path->last()));
                spans.emplace_back(i, end);
            }
            i = end;
            break;
        }
        default: // numbers, literals and anything else: the parser judges them
            dropWanted();
            while (i < body.size() && !QByteArrayView(",:{}[]\" \t\n\r").contains(body[i]))
                ++i;
            break;
        }
        atValue = false;
    }
    if (spans.empty())
        return {};

    // The rest of the body, each lifted string replaced by one of the same length.
    lifted.body.reserve(body.size());
    qsizetype copied = 0;
    for (const auto &[begin, end] : spans) {
        lifted.body.append(body.sliced(copied, begin - copied));
        lifted.body.append('"');
        lifted.body.append(QByteArray(end - begin - 2, '*'));
        lifted.body.append('"');
        copied = end;
    }
    lifted.body.append(body.sliced(copied));
    return lifted;
}

} // namespace cortex::protocol
