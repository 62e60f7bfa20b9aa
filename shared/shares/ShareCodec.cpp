#include "shares/ShareCodec.h"

#include "crypto/Base64Url.h"
#include "crypto/Hash.h"

#include <QList>

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace cortex::shares {

using crypto::SecureBytes;

namespace {

constexpr QStringView TextMagic = u"cvshare";
constexpr char Alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int HeaderSize = 1 + KeyIdSize + 1 + 1;
constexpr int ChecksumSize = 4;
constexpr int TextParts = 6;
constexpr int GroupData = 4;
constexpr int GroupSize = GroupData + 1;

// Wipes buffers that held payload bytes on every return path.
struct WipeOnExit
{
    QByteArray &bytes;
    ~WipeOnExit() { crypto::wipe(bytes); }
};

ParseError error(QStringView code, const QString &message)
{
    return ParseError{code.toString(), message};
}

ParseError checksumMismatch()
{
    return error(u"share_checksum_mismatch",
                 QStringLiteral("share checksum does not match: the share was mistyped or "
                                "damaged"));
}

ParseError incomplete()
{
    return error(u"share_truncated",
                 QStringLiteral("share is incomplete: part of it is missing at the end"));
}

QString unsupportedVersion(QStringView version)
{
    return QStringLiteral("share version %1 is not supported (this server reads version %2)")
        .arg(version, QString::number(FormatVersion));
}

// B, followed by `room` zero bytes for C; sized once so that no reallocation leaves payload
// copies behind.
QByteArray body(const Share &share, qsizetype room = 0)
{
    QByteArray out(HeaderSize + static_cast<qsizetype>(share.payload.size()) + room, '\0');
    out[0] = static_cast<char>(FormatVersion);
    std::memcpy(out.data() + 1, share.keyId.constData(),
                static_cast<std::size_t>(qMin<qsizetype>(share.keyId.size(), KeyIdSize)));
    out[1 + KeyIdSize] = static_cast<char>(share.index);
    out[2 + KeyIdSize] = static_cast<char>(share.threshold);
    if (!share.payload.isEmpty())
        std::memcpy(out.data() + HeaderSize, share.payload.data(), share.payload.size());
    return out;
}

QByteArray checksumOf(QByteArrayView body)
{
    return crypto::sha256(body).left(ChecksumSize);
}

// Validates the checksum and the fields of a decoded B || C (whose length is already known to
// be in range) and builds the share.
std::variant<Share, ParseError> fromBytes(QByteArrayView whole)
{
    const QByteArrayView b = whole.first(whole.size() - ChecksumSize);
    if (checksumOf(b) != whole.last(ChecksumSize))
        return checksumMismatch();
    Share share;
    share.keyId = b.sliced(1, KeyIdSize).toByteArray();
    share.index = static_cast<quint8>(b.at(1 + KeyIdSize));
    share.threshold = static_cast<quint8>(b.at(2 + KeyIdSize));
    share.payload = SecureBytes::copyOf(b.sliced(HeaderSize));
    if (share.index == 0)
        return error(u"share_invalid_index",
                     QStringLiteral("share index 0 is not valid (shares are numbered from 1)"));
    if (share.threshold < 2)
        return error(u"share_invalid_threshold",
                     QStringLiteral("share threshold %1 is not valid (it must be at least 2)")
                         .arg(share.threshold));
    return share;
}

// ---- text form ----

bool isLowerHex(QChar c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f');
}

std::optional<QByteArray> lowerHex(QStringView text, qsizetype bytes)
{
    if (text.size() != 2 * bytes)
        return std::nullopt;
    for (QChar c : text) {
        if (!isLowerHex(c))
            return std::nullopt;
    }
    return QByteArray::fromHex(text.toLatin1());
}

// Decimal 0..255 in its one spelling (no sign, no leading zero).
std::optional<int> byteNumber(QStringView text)
{
    if (text.isEmpty() || text.size() > 3 || (text.size() > 1 && text.front() == u'0'))
        return std::nullopt;
    int value = 0;
    for (QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    if (value > 255)
        return std::nullopt;
    return value;
}

std::variant<Share, ParseError> parseText(QStringView text)
{
    const QList<QStringView> parts = text.split(u':');
    const QStringView head = parts.front();
    if (!head.startsWith(TextMagic)) {
        if (parts.size() == 1 && TextMagic.startsWith(head))
            return incomplete();
        return error(u"share_malformed",
                     QStringLiteral("not a Cortex Vault share (expected it to start with "
                                    "cvshare%1:)")
                         .arg(FormatVersion));
    }
    const QStringView version = head.sliced(TextMagic.size());
    if (version.isEmpty() && parts.size() == 1)
        return incomplete();
    if (version != QString::number(FormatVersion)) {
        const bool number = !version.isEmpty() && version.size() <= 9 && version.front() != u'0' &&
                            std::all_of(version.begin(), version.end(),
                                        [](QChar c) { return c >= u'0' && c <= u'9'; });
        if (number)
            return error(u"share_unsupported_version", unsupportedVersion(version));
        return error(u"share_malformed",
                     QStringLiteral("share version is not a number (expected cvshare%1:)")
                         .arg(FormatVersion));
    }
    if (parts.size() > TextParts)
        return error(u"share_malformed",
                     QStringLiteral("share has too many parts (expected 6 separated by ':')"));
    // When parts are missing, the last one present may itself be cut short: check only the
    // complete ones, then report the truncation.
    const qsizetype complete = parts.size() == TextParts ? TextParts : parts.size() - 1;

    QByteArray keyId;
    int index = 0;
    int threshold = 0;
    QByteArray payload;
    WipeOnExit wipePayload{payload};
    for (qsizetype i = 1; i < complete; ++i) {
        const QStringView part = parts.at(i);
        switch (i) {
        case 1: {
            const auto bytes = lowerHex(part, KeyIdSize);
            if (!bytes)
                return error(u"share_malformed",
                             QStringLiteral("share key id (part 2) must be 16 lower-case "
                                            "hexadecimal characters"));
            keyId = *bytes;
            break;
        }
        case 2:
        case 3: {
            const auto value = byteNumber(part);
            if (!value)
                return error(
                    u"share_malformed",
                    QStringLiteral("share %1 (part %2) must be a number from 0 to 255 "
                                   "without leading zeros")
                        .arg(i == 2 ? QStringLiteral("index") : QStringLiteral("threshold"))
                        .arg(i + 1));
            (i == 2 ? index : threshold) = *value;
            break;
        }
        case 4: {
            QByteArray latin1 = part.toLatin1(); // non-Latin-1 becomes '?', which is rejected
            WipeOnExit wipeLatin1{latin1};
            auto decoded = crypto::base64UrlDecode(latin1);
            if (!decoded)
                return error(u"share_malformed",
                             QStringLiteral("share payload (part 5) is not valid base64url"));
            payload = std::move(*decoded);
            if (payload.isEmpty() || payload.size() > MaxPayloadSize)
                return error(u"share_malformed",
                             QStringLiteral("share payload (part 5) must be 1 to %1 bytes")
                                 .arg(MaxPayloadSize));
            break;
        }
        case 5: {
            if (part.size() < 2 * ChecksumSize &&
                std::all_of(part.begin(), part.end(), [](QChar c) { return isLowerHex(c); }))
                return incomplete();
            const auto checksum = lowerHex(part, ChecksumSize);
            if (!checksum)
                return error(u"share_malformed",
                             QStringLiteral("share checksum (part 6) must be 8 lower-case "
                                            "hexadecimal characters"));
            Share share;
            share.keyId = keyId;
            share.index = static_cast<quint8>(index);
            share.threshold = static_cast<quint8>(threshold);
            share.payload = SecureBytes::copyOf(payload);
            QByteArray whole = body(share, ChecksumSize);
            WipeOnExit wipeWhole{whole};
            std::memcpy(whole.data() + whole.size() - ChecksumSize, checksum->constData(),
                        ChecksumSize);
            return fromBytes(whole);
        }
        }
    }
    return incomplete();
}

// ---- groups form ----

// 5-bit values, most significant bit first, the last value zero-filled.
QByteArray toBase32Values(QByteArrayView bytes)
{
    QByteArray out((bytes.size() * 8 + 4) / 5, Qt::Uninitialized);
    qsizetype n = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (char byte : bytes) {
        buffer = ((buffer << 8) | static_cast<quint8>(byte)) & 0xfffu;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[n++] = static_cast<char>((buffer >> bits) & 31u);
        }
    }
    if (bits > 0)
        out[n++] = static_cast<char>((buffer << (5 - bits)) & 31u);
    return out;
}

QByteArray fromBase32Values(QByteArrayView values, qsizetype byteCount)
{
    QByteArray out(byteCount, Qt::Uninitialized);
    qsizetype n = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (char value : values) {
        if (n == byteCount)
            break;
        buffer = ((buffer << 5) | static_cast<quint8>(value)) & 0xfffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = static_cast<char>((buffer >> bits) & 0xffu);
        }
    }
    return out;
}

qsizetype paddedLength(qsizetype byteCount)
{
    const qsizetype chars = (byteCount * 8 + 4) / 5;
    return (chars + GroupData - 1) / GroupData * GroupData;
}

int groupCheck(QByteArrayView groupValues, qsizetype groupNumber)
{
    int sum = 0;
    for (qsizetype i = 0; i < GroupData; ++i)
        sum += static_cast<quint8>(groupValues.at(i)) * static_cast<int>(i + 1);
    return static_cast<int>((sum + 7 * groupNumber) % 32);
}

// Crockford's decoding, with the usual reading of look-alikes; -1 for anything else.
int base32Value(QChar c)
{
    const char16_t u = c.toUpper().unicode();
    if (u == u'O')
        return 0;
    if (u == u'I' || u == u'L')
        return 1;
    for (int i = 0; i < 32; ++i) {
        if (Alphabet[i] == u)
            return i;
    }
    return -1;
}

std::variant<Share, ParseError> parseGroups(QStringView text)
{
    QByteArray values; // check characters included
    WipeOnExit wipeValues{values};
    values.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == u'-')
            continue;
        const int value = base32Value(c);
        if (value < 0)
            return error(u"share_malformed",
                         QStringLiteral("not a Cortex Vault share: character %1 is neither a "
                                        "share character nor a separator")
                             .arg(i + 1));
        values.append(static_cast<char>(value));
    }

    const qsizetype groups = values.size() / GroupSize;
    QByteArray data;
    WipeOnExit wipeData{data};
    data.reserve(groups * GroupData);
    for (qsizetype g = 0; g < groups; ++g) {
        const QByteArrayView group = QByteArrayView(values).sliced(g * GroupSize, GroupSize);
        if (groupCheck(group, g) != group.at(GroupData))
            return error(u"share_group_mistyped",
                         QStringLiteral("group %1 is mistyped (its last character does not "
                                        "match the four before it)")
                             .arg(g + 1));
        data.append(group.first(GroupData));
    }
    if (values.size() % GroupSize != 0)
        return error(u"share_truncated",
                     QStringLiteral("share is incomplete: the last group has %1 of 5 characters")
                         .arg(values.size() % GroupSize));

    if (data.size() >= 2) {
        const int version = static_cast<quint8>(fromBase32Values(data, 1).at(0));
        if (version != FormatVersion)
            return error(u"share_unsupported_version",
                         unsupportedVersion(QString::number(version)));
    }
    constexpr qsizetype MinBytes = HeaderSize + 1 + ChecksumSize;
    constexpr qsizetype MaxBytes = HeaderSize + MaxPayloadSize + ChecksumSize;
    if (data.size() < paddedLength(MinBytes))
        return error(u"share_truncated",
                     QStringLiteral("share is incomplete: it has %1 groups, a share has at "
                                    "least %2")
                         .arg(groups)
                         .arg(paddedLength(MinBytes) / GroupData));
    if (data.size() > paddedLength(MaxBytes))
        return error(u"share_malformed",
                     QStringLiteral("share is too long: it has %1 groups, a share has at most %2")
                         .arg(groups)
                         .arg(paddedLength(MaxBytes) / GroupData));

    // Longest candidate first; a candidate must re-encode to exactly the characters given
    // (zero fill and padding included) and carry a matching checksum.
    for (qsizetype n = MaxBytes; n >= MinBytes; --n) {
        if (paddedLength(n) != data.size())
            continue;
        QByteArray bytes = fromBase32Values(data, n);
        WipeOnExit wipeBytes{bytes};
        QByteArray again = toBase32Values(bytes);
        WipeOnExit wipeAgain{again};
        const QByteArrayView given(data);
        if (given.first(again.size()) != again ||
            std::any_of(given.begin() + again.size(), given.end(), [](char v) { return v != 0; }))
            continue;
        auto result = fromBytes(bytes);
        if (std::holds_alternative<Share>(result) ||
            std::get<ParseError>(result).code != u"share_checksum_mismatch")
            return result;
    }
    return checksumMismatch();
}

} // namespace

QByteArray keyIdOf(const SecureBytes &key)
{
    return crypto::hmacSha256(key, QByteArrayView("cortex-vault/share-key-id/v1")).left(KeyIdSize);
}

QString keyIdText(const QByteArray &keyId)
{
    return QString::fromLatin1(keyId.toHex());
}

QString toText(const Share &share)
{
    QByteArray b = body(share);
    WipeOnExit wipeBody{b};
    QByteArray encoded = crypto::base64UrlEncode(share.payload.view());
    WipeOnExit wipeEncoded{encoded};
    QString out;
    out.reserve(64 + encoded.size()); // one allocation: no stray copies of the payload
    out += TextMagic;
    out += QString::number(FormatVersion);
    out += u':';
    out += keyIdText(share.keyId);
    out += u':';
    out += QString::number(share.index);
    out += u':';
    out += QString::number(share.threshold);
    out += u':';
    out += QLatin1StringView(encoded);
    out += u':';
    out += QString::fromLatin1(checksumOf(b).toHex());
    return out;
}

QString toGroups(const Share &share)
{
    QByteArray whole = body(share, ChecksumSize);
    WipeOnExit wipeWhole{whole};
    const QByteArray checksum =
        checksumOf(QByteArrayView(whole).first(whole.size() - ChecksumSize));
    std::memcpy(whole.data() + whole.size() - ChecksumSize, checksum.constData(), ChecksumSize);
    QByteArray values(paddedLength(whole.size()), '\0');
    WipeOnExit wipeValues{values};
    {
        QByteArray encoded = toBase32Values(whole);
        WipeOnExit wipeEncoded{encoded};
        std::memcpy(values.data(), encoded.constData(), static_cast<std::size_t>(encoded.size()));
    }
    const qsizetype groups = values.size() / GroupData;
    QString out;
    out.reserve(groups * (GroupSize + 1));
    for (qsizetype g = 0; g < groups; ++g) {
        const QByteArrayView group = QByteArrayView(values).sliced(g * GroupData, GroupData);
        if (g > 0)
            out += u' ';
        for (char value : group)
            out += QLatin1Char(Alphabet[static_cast<quint8>(value)]);
        out += QLatin1Char(Alphabet[groupCheck(group, g)]);
    }
    return out;
}

std::variant<Share, ParseError> parse(QStringView text)
{
    const QStringView trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return error(u"share_malformed", QStringLiteral("no share given"));
    // A version 1 share in groups form starts with '0', so anything that looks like the start
    // of "cvshare" is the text form, even before its first ':'.
    if (trimmed.contains(u':') || trimmed.startsWith(TextMagic, Qt::CaseInsensitive) ||
        TextMagic.startsWith(trimmed, Qt::CaseInsensitive))
        return parseText(trimmed);
    return parseGroups(trimmed);
}

} // namespace cortex::shares
