#pragma once

#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"
#include "vault/PasswordSlots.h"
#include "vault/ShareSet.h"

#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "ServerFwd.h"

namespace cortex::vault {

// The shortest unseal password accepted anywhere (startup, /sys/init, password change).
inline constexpr qsizetype MinPasswordBytes = 8;

// What a root-KEK rotation did, for the response and the audit row.
struct RootKeyRotation
{
    int oldVersion = 0;
    int newVersion = 0;
    int passwordSlotsRewrapped = 0;
    bool sharesInvalidated = false;
    QString sharesNote; // one sentence for the operator about the share set
};

// Re-wraps every table's wrapped keys from the old root KEK to the new one (vault/TableRewrap).
using RewrapTables = std::function<void(const crypto::SecureBytes &oldRoot, int oldVersion,
                                        const crypto::SecureBytes &newRoot, int newVersion)>;

enum class SharesOnRotation {
    // The share set is dropped (its shares rebuilt the old key's slot) unless it is the only way
    // to unseal; then it is kept.
    InvalidateUnlessOnlySlot,
    Keep, // re-wrapped: the same shares keep working
};

// The seal state and the key hierarchy's top: the root KEK exists only in secure memory while
// unsealed, and on disk only inside keyslots (LUKS-style), never derived from a password.
// Password slots and the share slot wrap it to an X25519 public key (crypto::keywrap), so that a
// rotation can re-wrap every slot without the passwords or the officers' shares.
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

    // POST /sys/init: a password slot (if `password` is not empty), a share set (if
    // shareThreshold > 0), both in one transaction. Leaves the vault sealed. Returns the set
    // (shares are shown once and never stored). Throws as above, or 400 for bad bounds.
    std::optional<NewShareSet> initialize(QByteArrayView password, crypto::KdfProfile profile,
                                          int shareThreshold, int shareCount);

    enum class UnsealResult { Unsealed, AlreadyUnsealed, WrongPassword, NotInitialized };
    // Tries every password keyslot; a wrong password changes nothing. A slot written before
    // schema 7 is upgraded to the public-key form on the way.
    UnsealResult unsealWithPassword(QByteArrayView password);
    // The same in two halves, for a derivation that runs off the store's thread (as
    // POST /sys/unseal does): passwordSlots() here, openPasswordSlot(seen, password) anywhere,
    // then this here, which adopts the root KEK `opened` holds if the slot that opened it still
    // stands as seen (a password replaced meanwhile opens nothing) and the key check agrees,
    // upgrading that slot to the public-key form on the way.
    UnsealResult finishPasswordUnseal(const PasswordSlots &seen, std::optional<OpenedSlot> opened);
    // With the share key combined from a quorum (ShareQuorum). WrongPassword when it does not
    // open the share slot.
    UnsealResult unsealWithShareKey(const crypto::SecureBytes &shareKey);

    std::optional<ShareSetInfo> shareSet();
    int passwordSlotCount();
    // True when the key opens the current share slot (the old quorum of a rekey).
    bool opensShareSlot(const crypto::SecureBytes &shareKey);
    // Unsealed only: the set's key wraps the root KEK in the share slot, replacing any
    // earlier set (whose shares stop working).
    void installShareSet(const NewShareSet &set);

    // Replaces the password slot that `current` opens with one for `replacement`; works sealed
    // (the vault stays as it was). False when `current` opens no slot.
    bool changePassword(QByteArrayView current, QByteArrayView replacement,
                        crypto::KdfProfile profile);
    // Unsealed only (the caller checked the admin token): every password slot is replaced by
    // one for `replacement`.
    void replacePasswords(QByteArrayView replacement, crypto::KdfProfile profile);

    // The store's halves of a PasswordChange (whose Argon2id work may run elsewhere, as
    // api/PasswordApi does; the two calls above run all of it here): the slots as they are now
    // (nullopt before initialisation), and the derived slot in place of the one replaced (of
    // every password slot for an admin's change), only if the slots are still what the change
    // saw. False, and nothing changed, when they are not or nothing was derived.
    std::optional<PasswordSlots> passwordSlots();
    bool installPasswordSlot(const PasswordChange &change);

    // Inside the caller's transaction: a new root KEK; `rewrap` re-wraps every table; the
    // keyslots and the key check follow; after the outermost commit the in-memory key is
    // swapped and seal listeners are told (unsealed) so that they reload what they derived.
    // Throws (the transaction then rolls back and nothing changed) on any failure.
    RootKeyRotation
    rotateRootKey(const RewrapTables &rewrap,
                  SharesOnRotation shares = SharesOnRotation::InvalidateUnlessOnlySlot);

    // Zeroises the root KEK.
    void seal();

    // The root KEK; throws ApiError::sealed() when sealed.
    const crypto::SecureBytes &rootKey() const;
    int kekVersion() const { return m_kekVersion; }

    // Told true right after every unseal (and initialisation, and rotation), false right after
    // every seal: keys kept beside the root KEK (the server signing key) are loaded and dropped
    // with it. Listeners are called in the order they were added; `owner` names one for removal.
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

    // The store rows of a new vault (KEK version 1): a password slot if `password` is not
    // empty, a share set (into *set) if shareThreshold > 0. Returns the root KEK; adopts nothing.
    crypto::SecureBytes createVault(QByteArrayView password, crypto::KdfProfile profile,
                                    int shareThreshold, int shareCount,
                                    std::optional<NewShareSet> *set);
    bool adoptIfValid(crypto::SecureBytes candidate, const QByteArray &keyCheck, int kekVersion);

    store::Database &m_db;
    const Clock &m_clock;
    crypto::SecureBytes m_rootKey;
    int m_kekVersion = 0;
    std::vector<std::pair<const void *, std::function<void(bool)>>> m_sealListeners;
};

// The AAD of the share keyslot: names the share set and the KEK version.
QByteArray shareKeyslotAad(const QByteArray &keyId, int kekVersion);

} // namespace cortex::vault
