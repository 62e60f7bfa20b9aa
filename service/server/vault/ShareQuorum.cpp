#include "vault/ShareQuorum.h"

#include "crypto/Random.h"
#include "protocol/ApiError.h"

#include <QScopeGuard>

namespace cortex::vault {

using protocol::ApiError;

void ShareQuorum::begin(const ShareSetInfo &expected, const QDateTime &now)
{
    reset();
    m_expected = expected;
    m_nonce = crypto::randomToken(u"", 16);
    m_startedAt = now;
}

void ShareQuorum::reset()
{
    m_shares.clear(); // each share's payload is zeroised as it goes
    m_nonce.clear();
    m_expected = {};
    m_startedAt = {};
}

bool ShareQuorum::isActive(const QDateTime &now)
{
    if (m_nonce.isEmpty())
        return false;
    if (m_startedAt.secsTo(now) > m_timeoutSeconds) {
        reset();
        return false;
    }
    return true;
}

std::optional<crypto::SecureBytes> ShareQuorum::add(shares::Share share)
{
    const QJsonObject where{{QStringLiteral("progress"), progress()},
                            {QStringLiteral("threshold"), threshold()}};
    if (share.keyId != m_expected.keyId)
        throw ApiError::badRequest(
            QStringLiteral("share_wrong_key"),
            QStringLiteral("this share belongs to share set %1, not to the current set %2")
                .arg(shares::keyIdText(share.keyId), shares::keyIdText(m_expected.keyId)),
            where);
    if (share.threshold != m_expected.threshold)
        throw ApiError::badRequest(QStringLiteral("share_wrong_threshold"),
                                   QStringLiteral("this share says its set needs %1 shares; the "
                                                  "set needs %2: the share was altered")
                                       .arg(share.threshold)
                                       .arg(m_expected.threshold),
                                   where);
    for (const shares::Share &held : m_shares) {
        if (held.index == share.index)
            throw ApiError::badRequest(
                QStringLiteral("share_duplicate"),
                QStringLiteral("share %1 was already given").arg(share.index), where);
    }
    m_shares.push_back(std::move(share));
    if (progress() < threshold())
        return std::nullopt;
    std::optional<crypto::SecureBytes> key = combineShares(m_shares);
    // The attempt is over either way; the set it was for stays known.
    m_shares.clear();
    m_nonce.clear();
    const ShareSetInfo &expected = m_expected;
    if (!key)
        throw ApiError::badRequest(QStringLiteral("shares_do_not_combine"),
                                   QStringLiteral("the shares did not combine to the key of share "
                                                  "set %1: at least one of them is wrong; start "
                                                  "again")
                                       .arg(shares::keyIdText(expected.keyId)));
    return key;
}

shares::Share parseShareOrThrow(const crypto::SecureBytes &utf8)
{
    QString text = QString::fromUtf8(utf8.view());
    const auto wipeText = qScopeGuard([&text] { crypto::wipe(text); });
    auto parsed = shares::parse(text);
    if (auto *error = std::get_if<shares::ParseError>(&parsed))
        throw ApiError::badRequest(error->code, error->message);
    return std::move(std::get<shares::Share>(parsed));
}

} // namespace cortex::vault
