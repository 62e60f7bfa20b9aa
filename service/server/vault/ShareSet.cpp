#include "vault/ShareSet.h"

#include "crypto/ConstantTime.h"
#include "crypto/Shamir.h"
#include "protocol/ApiError.h"

#include <QJsonArray>

namespace cortex::vault {

QJsonObject NewShareSet::toJson() const
{
    QJsonArray texts;
    QJsonArray groups;
    for (const shares::Share &share : shares) {
        texts.append(shares::toText(share));
        groups.append(shares::toGroups(share));
    }
    return {{QStringLiteral("key_id"), shares::keyIdText(info.keyId)},
            {QStringLiteral("secret_threshold"), info.threshold},
            {QStringLiteral("secret_shares"), info.shareCount},
            {QStringLiteral("shares"), texts},
            {QStringLiteral("shares_groups"), groups}};
}

void requireShareSetBounds(qint64 threshold, qint64 count)
{
    if (threshold < 2 || threshold > 255 || count < threshold || count > 255)
        throw protocol::ApiError::badRequest(
            QStringLiteral("invalid_field"),
            QStringLiteral("secret_threshold must be 2..255 and secret_shares threshold..255"));
}

NewShareSet makeShareSet(int threshold, int count)
{
    requireShareSetBounds(threshold, count);
    NewShareSet set;
    set.shareKey = crypto::SecureBytes::random(32);
    set.info.keyId = shares::keyIdOf(set.shareKey);
    set.info.threshold = threshold;
    set.info.shareCount = count;
    for (crypto::shamir::RawShare &raw : crypto::shamir::split(set.shareKey, threshold, count)) {
        shares::Share share;
        share.keyId = set.info.keyId;
        share.index = raw.index;
        share.threshold = quint8(threshold);
        share.payload = std::move(raw.payload);
        set.shares.push_back(std::move(share));
    }
    return set;
}

std::optional<crypto::SecureBytes> combineShares(const std::vector<shares::Share> &shares)
{
    if (shares.empty() || int(shares.size()) < shares.front().threshold)
        return std::nullopt;
    std::vector<crypto::shamir::RawShare> raw;
    for (const shares::Share &share : shares) {
        if (share.keyId != shares.front().keyId || share.threshold != shares.front().threshold)
            return std::nullopt;
        raw.push_back({share.index, share.payload.clone()});
    }
    std::optional<crypto::SecureBytes> key = crypto::shamir::combine(raw);
    if (!key || !crypto::constantTimeEquals(shares::keyIdOf(*key), shares.front().keyId))
        return std::nullopt;
    return key;
}

} // namespace cortex::vault
