#include "vault/Rekey.h"

#include "Clock.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "vault/Vault.h"

namespace cortex::vault {

using protocol::ApiError;

Rekey::Rekey(Vault &vault, const Clock &clock, int timeoutSeconds)
    : m_vault(vault), m_clock(clock), m_current(timeoutSeconds), m_new(timeoutSeconds)
{
    // Sealing drops the root KEK; a half-done rekey must not outlive it.
    m_vault.addSealListener(this, [this](bool unsealed) {
        if (!unsealed)
            cancel();
    });
}

Rekey::~Rekey()
{
    m_vault.removeSealListener(this);
}

QJsonObject Rekey::begin(int threshold, int count, bool requireVerification)
{
    expired();
    if (m_stage != Stage::Idle)
        throw ApiError::conflict(QStringLiteral("rekey_in_progress"),
                                 QStringLiteral("a rekey is already in progress: finish or cancel "
                                                "it (DELETE /sys/rekey/init)"));
    (void)m_vault.rootKey(); // throws while sealed
    requireShareSetBounds(threshold, count);
    m_threshold = threshold;
    m_count = count;
    m_requireVerification = requireVerification;
    m_nonce = crypto::randomToken(u"", 16);
    const std::optional<ShareSetInfo> current = m_vault.shareSet();
    if (!current) {
        m_pending = makeShareSet(threshold, count);
        return handOut();
    }
    m_stage = Stage::CollectingCurrent;
    m_current.begin(*current, m_clock.now());
    return status();
}

QJsonObject Rekey::update(const QString &nonce, shares::Share share)
{
    if (expired() || m_stage != Stage::CollectingCurrent)
        throw ApiError::conflict(QStringLiteral("no_rekey"),
                                 QStringLiteral("no rekey is waiting for current shares"));
    if (nonce != m_nonce)
        throw ApiError::badRequest(QStringLiteral("rekey_nonce_mismatch"),
                                   QStringLiteral("the nonce is not the current rekey's"));
    std::optional<crypto::SecureBytes> key = m_current.add(std::move(share));
    if (!key)
        return status();
    if (!m_vault.opensShareSlot(*key)) {
        // The set changed underneath (another rekey, a rotation): start again.
        cancel();
        throw ApiError::conflict(QStringLiteral("share_set_changed"),
                                 QStringLiteral("the share set changed during the rekey; start "
                                                "again"));
    }
    m_pending = makeShareSet(m_threshold, m_count);
    return handOut();
}

QJsonObject Rekey::handOut()
{
    if (!m_requireVerification)
        return complete();
    m_stage = Stage::Verifying;
    m_new.begin(m_pending->info, m_clock.now());
    QJsonObject out = m_pending->toJson();
    out.insert(QStringLiteral("complete"), false);
    out.insert(QStringLiteral("nonce"), m_nonce);
    out.insert(QStringLiteral("verification_required"), true);
    out.insert(QStringLiteral("verification_nonce"), m_new.nonce());
    return out;
}

QJsonObject Rekey::verify(const QString &nonce, shares::Share share)
{
    if (expired() || m_stage != Stage::Verifying)
        throw ApiError::conflict(QStringLiteral("no_rekey_verification"),
                                 QStringLiteral("no rekey is waiting for verification"));
    if (nonce != m_new.nonce())
        throw ApiError::badRequest(QStringLiteral("rekey_nonce_mismatch"),
                                   QStringLiteral("the nonce is not the current verification's"));
    // The new set's key is known; a quorum of its shares combining to it proves the holders
    // wrote their shares down correctly.
    if (!m_new.add(std::move(share)))
        return status();
    return complete();
}

QJsonObject Rekey::complete()
{
    m_vault.installShareSet(*m_pending);
    QJsonObject out =
        m_requireVerification
            ? QJsonObject{{QStringLiteral("key_id"), shares::keyIdText(m_pending->info.keyId)},
                          {QStringLiteral("secret_threshold"), m_threshold},
                          {QStringLiteral("secret_shares"), m_count}}
            : m_pending->toJson();
    out.insert(QStringLiteral("complete"), true);
    out.insert(QStringLiteral("nonce"), m_nonce);
    out.insert(QStringLiteral("verification_required"), m_requireVerification);
    cancel();
    return out;
}

void Rekey::cancel()
{
    m_stage = Stage::Idle;
    m_current.reset();
    m_new.reset();
    m_pending.reset();
    m_nonce.clear();
}

bool Rekey::expired()
{
    const QDateTime now = m_clock.now();
    if ((m_stage == Stage::CollectingCurrent && !m_current.isActive(now)) ||
        (m_stage == Stage::Verifying && !m_new.isActive(now))) {
        cancel();
        return true;
    }
    return false;
}

QJsonObject Rekey::status()
{
    expired();
    QJsonObject out{{QStringLiteral("started"), m_stage != Stage::Idle},
                    {QStringLiteral("complete"), false}};
    if (m_stage == Stage::Idle)
        return out;
    out.insert(QStringLiteral("nonce"), m_nonce);
    out.insert(QStringLiteral("secret_threshold"), m_threshold);
    out.insert(QStringLiteral("secret_shares"), m_count);
    out.insert(QStringLiteral("verification_required"), m_requireVerification);
    if (m_stage == Stage::CollectingCurrent) {
        out.insert(QStringLiteral("threshold"), m_current.threshold());
        out.insert(QStringLiteral("required"), m_current.threshold());
        out.insert(QStringLiteral("progress"), m_current.progress());
        out.insert(QStringLiteral("key_id"), shares::keyIdText(m_current.expected().keyId));
    } else {
        out.insert(QStringLiteral("verification_nonce"), m_new.nonce());
        out.insert(QStringLiteral("verification_progress"), m_new.progress());
        out.insert(QStringLiteral("threshold"), m_new.threshold());
        out.insert(QStringLiteral("required"), m_new.threshold());
        out.insert(QStringLiteral("progress"), m_new.progress());
        out.insert(QStringLiteral("new_key_id"), shares::keyIdText(m_new.expected().keyId));
    }
    return out;
}

} // namespace cortex::vault
