#pragma once

#include "crypto/SecureBytes.h"
#include "shares/ShareCodec.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::vault {

// What the vault records about its share set; the share key itself is never stored.
struct ShareSetInfo
{
    QByteArray keyId; // shares::keyIdOf(share key)
    int threshold = 0;
    int shareCount = 0;
    QString createdAt;
};

// A freshly split share key: installed at once (init, rekey) or after its holders proved their
// shares (rekey with verification). The key lives in secure memory until then.
struct NewShareSet
{
    crypto::SecureBytes shareKey;
    ShareSetInfo info;
    std::vector<shares::Share> shares;

    // {"key_id", "secret_threshold", "secret_shares", "shares": [text...], "shares_groups": [...]}
    QJsonObject toJson() const;
};

// Throws ApiError 400 invalid_field unless 2 <= threshold <= count <= 255. Wide types, so
// that callers check a JSON number before narrowing it.
void requireShareSetBounds(qint64 threshold, qint64 count);

// A random 32-byte share key split m-of-n. Throws as requireShareSetBounds.
NewShareSet makeShareSet(int threshold, int count);

// Interpolates the share key from shares of one set (same key id and threshold, distinct
// indices, at least the threshold). nullopt when they do not combine to a key whose key id is
// theirs, i.e. at least one share is wrong although its checksum passed.
std::optional<crypto::SecureBytes> combineShares(const std::vector<shares::Share> &shares);

} // namespace cortex::vault
