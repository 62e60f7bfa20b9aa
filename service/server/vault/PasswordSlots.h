#pragma once

#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"
#include "store/VaultStateRepository.h"

#include <QByteArray>
#include <QByteArrayView>
#include <optional>
#include <utility>
#include <vector>

namespace cortex::vault {

// The password keyslots as the store holds them, and what the root KEK they wrap must match:
// read on the store's thread (Vault::passwordSlots), so that the Argon2id derivations below can
// run on any thread while the server goes on answering.
struct PasswordSlots
{
    QByteArray keyCheck;
    int kekVersion = 0;
    std::vector<store::PasswordKeyslotRow> rows;

    // The same rows (ids, wrapped keys, KDF parameters) under the same KEK version.
    bool sameAs(const PasswordSlots &other) const;
};

// The same row: id, KDF parameters (and salt), wrapped key, public key and KEK version. A
// replaced slot can get the id of the one it replaced, never its salt.
bool sameSlot(const store::PasswordKeyslotRow &a, const store::PasswordKeyslotRow &b);

struct OpenedSlot
{
    crypto::SecureBytes root;       // the root KEK
    qint64 slotId = 0;              // the row that opened it
    crypto::SecureBytes slotSecret; // that row's Argon2id output
};
// The root KEK `password` opens among `slots`; nullopt when it opens none. Any thread; one
// Argon2id derivation per slot tried.
std::optional<OpenedSlot> openPasswordSlot(const PasswordSlots &slots, QByteArrayView password);

// A new password slot wrapping `root` (KEK version `kekVersion`), not yet stored. Any thread;
// one Argon2id derivation. Throws std::runtime_error when Argon2id fails (out of memory).
store::PasswordKeyslotRow makePasswordSlot(QByteArrayView password, crypto::KdfProfile profile,
                                           const crypto::SecureBytes &root, int kekVersion,
                                           const QString &now);

// One password change, in the steps that may run on different threads: filled in from the
// slots as they are (Vault::passwordSlots, on the store's thread), derived anywhere (derive(),
// all the Argon2id work), then stored if the slots are still what was seen
// (Vault::installPasswordSlot, on the store's thread again).
struct PasswordChange
{
    bool byAdmin = false;        // every slot is replaced, from `root`; no current password
    crypto::SecureBytes current; // otherwise the password whose slot is replaced
    crypto::SecureBytes replacement;
    crypto::SecureBytes root; // an admin's change: the root KEK, copied while unsealed
    crypto::KdfProfile profile{};
    QString now;
    PasswordSlots seen;
    // Set by derive(); the passwords and the root key are cleared by it.
    bool opened = false;                // `current` opened a slot (or byAdmin)
    std::optional<qint64> replacedSlot; // the row `current` opened
    std::optional<store::PasswordKeyslotRow> newSlot;

    // Throws std::runtime_error when Argon2id fails (out of memory).
    void derive();
};

// The AAD of a password keyslot: binds the wrapped root KEK to its slot kind and KEK version.
QByteArray passwordKeyslotAad(int kekVersion);
// HMAC-SHA256(root KEK, fixed label): stored at init, checked at every unseal.
QByteArray keyCheckValue(const crypto::SecureBytes &rootKey);
// A candidate is the root KEK when it has a key's size and its check value matches.
bool isRootKey(const crypto::SecureBytes &candidate, const QByteArray &keyCheck);

} // namespace cortex::vault
