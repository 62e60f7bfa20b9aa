#pragma once

#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"

#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "ServerFwd.h"

namespace cortex::vault {

// The seal state and the key hierarchy's top: the root KEK exists only in secure memory while
// unsealed, and on disk only inside keyslots (LUKS-style), never derived from a password.
class Vault
{
public:
    Vault(store::Database &db, const Clock &clock);

    bool isInitialized();
    bool isSealed() const { return m_rootKey.isEmpty(); }

    // First start: a random 256-bit root KEK, a password keyslot with the profile's Argon2id
    // parameters (stored beside the salt), and the key-check value. Leaves the vault unsealed.
    // Throws ApiError 409 "already_initialized" when there already is a vault.
    void initializeWithPassword(QByteArrayView password, crypto::KdfProfile profile);

    enum class UnsealResult { Unsealed, AlreadyUnsealed, WrongPassword, NotInitialized };
    // Tries every password keyslot; a wrong password changes nothing.
    UnsealResult unsealWithPassword(QByteArrayView password);

    // Zeroises the root KEK.
    void seal();

    // The root KEK; throws ApiError::sealed() when sealed.
    const crypto::SecureBytes &rootKey() const;
    int kekVersion() const { return m_kekVersion; }

    // Told true right after every unseal (and initialisation), false right after every seal:
    // keys kept beside the root KEK (the server signing key) are loaded and dropped with it.
    // Listeners are called in the order they were added; `owner` names one for removal.
    void addSealListener(const void *owner, std::function<void(bool unsealed)> listener)
    {
        m_sealListeners.emplace_back(owner, std::move(listener));
    }
    void removeSealListener(const void *owner)
    {
        std::erase_if(m_sealListeners, [owner](const auto &entry) { return entry.first == owner; });
    }

private:
    void notify(bool unsealed)
    {
        for (const auto &[owner, listener] : m_sealListeners)
            listener(unsealed);
    }

    bool adoptIfValid(crypto::SecureBytes candidate, const QByteArray &keyCheck, int kekVersion);

    store::Database &m_db;
    const Clock &m_clock;
    crypto::SecureBytes m_rootKey;
    int m_kekVersion = 0;
    std::vector<std::pair<const void *, std::function<void(bool)>>> m_sealListeners;
};

// The AAD of a password keyslot: binds the wrapped root KEK to its slot kind and KEK version.
QByteArray passwordKeyslotAad(int kekVersion);
// HMAC-SHA256(root KEK, fixed label): stored at init, checked at every unseal.
QByteArray keyCheckValue(const crypto::SecureBytes &rootKey);

} // namespace cortex::vault
