#pragma once

#include "vault/ShareQuorum.h"

#include <QJsonObject>
#include <functional>

#include "ServerFwd.h"

namespace cortex::http {
struct HttpRequest;
}

namespace cortex::vault {

class Vault;

// Unsealing one share at a time (POST /sys/unseal {share}, --share-file, the terminal): the
// shares are gathered in a ShareQuorum for the vault's share set; the share that completes it
// unseals, and `onUnsealed` is told (it raises the recovery_boot alarm).
class ShareUnseal
{
public:
    using Unsealed = std::function<void(const ShareSetInfo &set, const http::HttpRequest *request)>;
    ShareUnseal(Vault &vault, const Clock &clock, int timeoutSeconds, Unsealed onUnsealed);
    ~ShareUnseal();
    ShareUnseal(const ShareUnseal &) = delete;
    ShareUnseal &operator=(const ShareUnseal &) = delete;

    // True when this share unsealed the vault. Throws ApiError 400 for a refused share (the
    // progress stays), 400 no_share_set, 400 unseal_nonce_mismatch when `nonce` is given and
    // is not the current attempt's, 400 shares_do_not_combine.
    bool submit(shares::Share share, const QString &nonce, const http::HttpRequest *request);
    void reset() { m_quorum.reset(); }

    // {"threshold", "progress", "nonce", "secret_shares", "share_key_id"} of the current attempt
    // (threshold of the share set; progress 0 and no nonce when nothing is in progress).
    QJsonObject status();

private:
    Vault &m_vault;
    const Clock &m_clock;
    ShareQuorum m_quorum;
    Unsealed m_onUnsealed;
};

} // namespace cortex::vault
