#include "vault/ShareUnseal.h"

#include "Clock.h"
#include "protocol/ApiError.h"
#include "vault/Vault.h"

namespace cortex::vault {

using protocol::ApiError;

ShareUnseal::ShareUnseal(Vault &vault, const Clock &clock, int timeoutSeconds, Unsealed onUnsealed)
    : m_vault(vault), m_clock(clock), m_quorum(timeoutSeconds), m_onUnsealed(std::move(onUnsealed))
{
    // Shares given before a password unseal (or a seal) belong to no attempt any more.
    m_vault.addSealListener(this, [this](bool) { m_quorum.reset(); });
}

ShareUnseal::~ShareUnseal()
{
    m_vault.removeSealListener(this);
}

bool ShareUnseal::submit(shares::Share share, const QString &nonce,
                         const http::HttpRequest *request)
{
    const std::optional<ShareSetInfo> set = m_vault.shareSet();
    if (!set)
        throw ApiError::badRequest(QStringLiteral("no_share_set"),
                                   QStringLiteral("this vault has no share set: unseal it with "
                                                  "its password"));
    const QDateTime now = m_clock.now();
    if (!m_quorum.isActive(now) || m_quorum.expected().keyId != set->keyId)
        m_quorum.begin(*set, now);
    if (!nonce.isEmpty() && nonce != m_quorum.nonce())
        throw ApiError::badRequest(QStringLiteral("unseal_nonce_mismatch"),
                                   QStringLiteral("the nonce is not the current unseal attempt's "
                                                  "(it was reset or expired)"),
                                   status());
    std::optional<crypto::SecureBytes> shareKey = m_quorum.add(std::move(share));
    if (!shareKey)
        return false;
    if (m_vault.unsealWithShareKey(*shareKey) != Vault::UnsealResult::Unsealed)
        throw ApiError::badRequest(QStringLiteral("shares_do_not_combine"),
                                   QStringLiteral("the shares combined to a key that does not "
                                                  "open this vault"));
    if (m_onUnsealed)
        m_onUnsealed(*set, request);
    return true;
}

QJsonObject ShareUnseal::status()
{
    const std::optional<ShareSetInfo> set = m_vault.shareSet();
    const bool active = m_quorum.isActive(m_clock.now());
    QJsonObject out{{QStringLiteral("threshold"), set ? set->threshold : 1},
                    {QStringLiteral("progress"), active ? m_quorum.progress() : 0},
                    {QStringLiteral("nonce"), active ? m_quorum.nonce() : QString()}};
    if (set) {
        out.insert(QStringLiteral("secret_shares"), set->shareCount);
        out.insert(QStringLiteral("share_key_id"), shares::keyIdText(set->keyId));
    }
    return out;
}

} // namespace cortex::vault
