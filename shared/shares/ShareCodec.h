#pragma once

// The written form of one officer's unseal-key share: what the server hands out when it
// splits the root key and what an officer pastes or types back to unseal.
//
// FORMAT CONTRACT, version 1 (changing any of this needs a new version):
//
//   Binary body   B = version (1 byte, = 1) || keyId (8 bytes) || index (1 byte, 1..255)
//                     || threshold (1 byte, 2..255) || payload (1..64 bytes; 32 in practice)
//   Checksum      C = the first 4 bytes of SHA-256(B)
//   keyId         = the first 8 bytes of HMAC-SHA256(key, "cortex-vault/share-key-id/v1"),
//                   which tells which key a share belongs to without revealing the key.
//   payload       = the y bytes of the Shamir share (crypto/Shamir.h) at x = index.
//
//   Text form (one line, for JSON and files), all hex lower case, numbers decimal without
//   leading zeros, payload base64url without padding:
//     cvshare1:<keyId, 16 hex>:<index>:<threshold>:<payload>:<C, 8 hex>
//     e.g. cvshare1:3f9a0c1b22e4d5f6:2:3:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8:54ca82e6
//   It is parsed strictly (every value has exactly one spelling), so any single changed
//   character is rejected.
//
//   Groups form (to read aloud and type): Crockford base32 (0123456789ABCDEFGHJKMNPQRSTVWXYZ,
//   most significant bit first, the last character zero-filled) of B || C, padded with '0'
//   characters to a multiple of 4, cut into groups of 4 data characters. Each group is
//   followed by one check character, the value
//       (sum over the 4 characters of value * (position + 1)  +  7 * groupNumber) mod 32
//   with positions 0..3 and groupNumber counted from 0, so that a typing error is traced to
//   its group: a data character off by 1..7 letters, two adjacent characters swapped or a
//   wrong check character is always caught there. (Weights 2 and 4 are even, so a character
//   off by 16 in position 1, or by 8, 16 or 24 in position 3, is caught only by C.)
//   Groups of 5 characters are separated by single spaces:
//     e.g. 04ZS9 M30VD 4BJDJ ... 3MF1C YN6AS GBK0X   (19 groups for a 32-byte payload; the
//     whole example is in tests/unit/shares/tst_shares.cpp)
//   On input, case is ignored, I and L read as 1, O as 0, and spaces, tabs, newlines and '-'
//   anywhere are ignored (groups are counted by position, 5 characters each). Checked in
//   order: the group checks (the first bad group is named), the version, the length, C.
//   The byte length is not written down: of the 2 or 3 lengths that pad to the same number
//   of characters, the one whose zero fill and padding are zero and whose checksum matches
//   is taken (two matching would need a 32-bit checksum collision).
//
// A share that parses is well formed and belongs to *some* key; parse() never combines shares
// and cannot tell whether a share is genuine: the combined key is checked by the caller.

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <QString>
#include <QStringView>
#include <QtGlobal>
#include <variant>

namespace cortex::shares {

constexpr int FormatVersion = 1;
constexpr int KeyIdSize = 8;
constexpr int MaxPayloadSize = 64;

struct Share
{
    QByteArray keyId; // KeyIdSize bytes
    quint8 index = 0;
    quint8 threshold = 0;
    crypto::SecureBytes payload;
};

QByteArray keyIdOf(const crypto::SecureBytes &key);
QString keyIdText(const QByteArray &keyId); // 16 lower-case hex characters

// The share must be valid (keyId of 8 bytes, index >= 1, threshold >= 2, payload 1..64 bytes),
// otherwise parse() rejects what these produce. The result holds the secret payload.
QString toText(const Share &share);
QString toGroups(const Share &share);

struct ParseError
{
    // share_malformed, share_truncated, share_unsupported_version, share_checksum_mismatch,
    // share_group_mistyped (groups form; the message names the group), share_invalid_index,
    // share_invalid_threshold
    QString code;
    QString message; // for people; never contains share content
};

// Accepts either form; leading and trailing whitespace is ignored.
std::variant<Share, ParseError> parse(QStringView text);

} // namespace cortex::shares
