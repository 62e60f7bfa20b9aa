#pragma once

#include "crypto/SecureBytes.h"
#include "shares/ShareCodec.h"
#include "vault/ShareSet.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::vault {

// Shares of one share set gathered one at a time, possibly from different places, until the
// threshold is reached: share-by-share unseal, and both rounds of a rekey. A refused share
// (another set, a duplicate index) leaves the progress as it was. Progress that is not
// completed within the timeout is discarded, so half an unseal does not linger for days.
class ShareQuorum
{
public:
    explicit ShareQuorum(int timeoutSeconds) : m_timeoutSeconds(timeoutSeconds) {}

    // Starts over, collecting shares of `expected` (key id and threshold).
    void begin(const ShareSetInfo &expected, const QDateTime &now);
    void reset();
    // False when nothing was begun, or the progress expired (which also resets it).
    bool isActive(const QDateTime &now);

    QString nonce() const { return m_nonce; }
    int threshold() const { return m_expected.threshold; }
    int progress() const { return int(m_shares.size()); }
    const ShareSetInfo &expected() const { return m_expected; }

    // Adds a share to the attempt the caller began (and checked with isActive); when it
    // completes the quorum, returns the combined share key and ends the attempt.
    // Throws ApiError 400: share_wrong_key (another set), share_wrong_threshold, share_duplicate
    // (progress kept); shares_do_not_combine when a full quorum does not combine to the set's key
    // (progress discarded: at least one of the shares was wrong).
    std::optional<crypto::SecureBytes> add(shares::Share share);

private:
    int m_timeoutSeconds;
    ShareSetInfo m_expected;
    QString m_nonce;
    QDateTime m_startedAt;
    std::vector<shares::Share> m_shares;
};

// Parses a share given in a request body (its UTF-8 text, in secure memory), throwing ApiError
// 400 with the codec's error code and message (never echoing the share). The text is decoded
// into a QString for the codec, wiped before it is freed.
shares::Share parseShareOrThrow(const crypto::SecureBytes &utf8);

} // namespace cortex::vault
