#include "vault/PasswordSlots.h"

#include "crypto/Aead.h"
#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "crypto/KeyWrap.h"

#include <stdexcept>
#include <utility>

namespace cortex::vault {

QByteArray passwordKeyslotAad(int kekVersion)
{
    return "cortex-vault/keyslot/password/kek-v" + QByteArray::number(kekVersion);
}

QByteArray keyCheckValue(const crypto::SecureBytes &rootKey)
{
    return crypto::hmacSha256(rootKey, "cortex-vault/key-check/v1");
}

bool isRootKey(const crypto::SecureBytes &candidate, const QByteArray &keyCheck)
{
    return candidate.size() == crypto::aead::KeyBytes &&
           crypto::constantTimeEquals(keyCheckValue(candidate), keyCheck);
}

bool PasswordSlots::sameAs(const PasswordSlots &other) const
{
    if (kekVersion != other.kekVersion || keyCheck != other.keyCheck ||
        rows.size() != other.rows.size())
        return false;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (!sameSlot(rows[i], other.rows[i]))
            return false;
    return true;
}

bool sameSlot(const store::PasswordKeyslotRow &a, const store::PasswordKeyslotRow &b)
{
    return a.id == b.id && a.wrappedKey == b.wrappedKey && a.publicKey == b.publicKey &&
           a.kekVersion == b.kekVersion && a.kdf == b.kdf;
}

std::optional<OpenedSlot> openPasswordSlot(const PasswordSlots &slots, QByteArrayView password)
{
    // A tampered keyslot must not make us spend unbounded memory or time: nothing we write
    // ever exceeds the "sensitive" profile, so nothing above it is tried.
    const crypto::KdfParams ceiling = crypto::KdfParams::forProfile(crypto::KdfProfile::Sensitive);
    for (const store::PasswordKeyslotRow &slot : slots.rows) {
        if (!slot.kdf.isValid() || slot.kdf.opslimit > ceiling.opslimit ||
            slot.kdf.memlimit > ceiling.memlimit)
            continue;
        crypto::SecureBytes slotSecret = crypto::deriveKey(password, slot.kdf);
        if (slotSecret.isEmpty())
            continue;
        const QByteArray aad = passwordKeyslotAad(slot.kekVersion);
        // A slot written before schema 7 is sealed under the Argon2id output itself.
        std::optional<crypto::SecureBytes> root =
            slot.publicKey.isEmpty() ? crypto::aead::open(slotSecret, slot.wrappedKey, aad)
                                     : crypto::keywrap::openWith(slotSecret, slot.wrappedKey, aad);
        if (root && isRootKey(*root, slots.keyCheck))
            return OpenedSlot{std::move(*root), slot.id, std::move(slotSecret)};
    }
    return std::nullopt;
}

// The slot's secret is the Argon2id output; only its public key is stored.
store::PasswordKeyslotRow makePasswordSlot(QByteArrayView password, crypto::KdfProfile profile,
                                           const crypto::SecureBytes &root, int kekVersion,
                                           const QString &now)
{
    store::PasswordKeyslotRow slot;
    slot.kdf = crypto::KdfParams::forProfile(profile);
    const crypto::SecureBytes slotSecret = crypto::deriveKey(password, slot.kdf);
    if (slotSecret.isEmpty())
        throw std::runtime_error("Argon2id key derivation failed (out of memory?)");
    slot.publicKey = crypto::keywrap::publicKeyOf(slotSecret);
    slot.wrappedKey =
        crypto::keywrap::sealTo(slot.publicKey, root.view(), passwordKeyslotAad(kekVersion));
    slot.kekVersion = kekVersion;
    slot.createdAt = now;
    return slot;
}

void PasswordChange::derive()
{
    if (!byAdmin) {
        std::optional<OpenedSlot> found = openPasswordSlot(seen, current.view());
        current.clear();
        if (!found)
            return;
        replacedSlot = found->slotId;
        root = std::move(found->root);
    }
    opened = true;
    newSlot = makePasswordSlot(replacement.view(), profile, root, seen.kekVersion, now);
    replacement.clear();
    root.clear();
}

} // namespace cortex::vault
