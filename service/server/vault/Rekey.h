#pragma once

#include "vault/ShareQuorum.h"
#include "vault/ShareSet.h"

#include <QJsonObject>
#include <optional>

#include "ServerFwd.h"

namespace cortex::vault {

class Vault;

// Replacing the share set (new m, new n) without touching the root KEK, as Vault's rekey: a
// quorum of the current shares must be supplied first (from anywhere, one at a time, with the
// rekey's nonce); then the new shares are handed out. With verification the new holders must
// prove a quorum of the new shares before the old set is dropped; until then the old shares
// keep unsealing. One rekey at a time; sealing, cancel or the timeout discard it.
// A vault without a share set gets its first one at once (the caller checked the admin token
// on an unsealed vault, which already holds every power a share set grants).
class Rekey
{
public:
    Rekey(Vault &vault, const Clock &clock, int timeoutSeconds);
    ~Rekey();
    Rekey(const Rekey &) = delete;
    Rekey &operator=(const Rekey &) = delete;

    // Throws ApiError 409 rekey_in_progress, 400 for bad bounds.
    QJsonObject begin(int threshold, int count, bool requireVerification);
    // A share of the current set. Throws ApiError 400 (share errors, rekey_nonce_mismatch),
    // 409 no_rekey.
    QJsonObject update(const QString &nonce, shares::Share share);
    // A share of the new set, during verification.
    QJsonObject verify(const QString &nonce, shares::Share share);
    void cancel();
    // {"started", "nonce", "threshold", "progress", "required", "secret_threshold",
    //  "secret_shares", "verification_required", ...}
    QJsonObject status();

private:
    enum class Stage { Idle, CollectingCurrent, Verifying };
    bool expired();
    QJsonObject handOut(); // new shares produced: install now, or start the verification round
    QJsonObject complete();

    Vault &m_vault;
    const Clock &m_clock;
    Stage m_stage = Stage::Idle;
    QString m_nonce;
    int m_threshold = 0;
    int m_count = 0;
    bool m_requireVerification = false;
    ShareQuorum m_current;
    ShareQuorum m_new;
    std::optional<NewShareSet> m_pending;
};

} // namespace cortex::vault
