#include "vault/Vault.h"

#include "Clock.h"
#include "crypto/Aead.h"
#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "store/VaultStateRepository.h"

namespace cortex::vault {

QByteArray passwordKeyslotAad(int kekVersion)
{
    return "cortex-vault/keyslot/password/kek-v" + QByteArray::number(kekVersion);
}

QByteArray keyCheckValue(const crypto::SecureBytes &rootKey)
{
    return crypto::hmacSha256(rootKey, "cortex-vault/key-check/v1");
}

Vault::Vault(store::Database &db, const Clock &clock) : m_db(db), m_clock(clock) {}

bool Vault::isInitialized()
{
    return store::VaultStateRepository(m_db).state().has_value();
}

void Vault::initializeWithPassword(QByteArrayView password, crypto::KdfProfile profile)
{
    store::VaultStateRepository repo(m_db);
    if (repo.state())
        throw protocol::ApiError::conflict(QStringLiteral("already_initialized"),
                                           QStringLiteral("the vault is already initialized"));
    crypto::SecureBytes root = crypto::SecureBytes::random(crypto::aead::KeyBytes);
    const int kekVersion = 1;
    store::PasswordKeyslotRow slot;
    slot.kdf = crypto::KdfParams::forProfile(profile);
    const crypto::SecureBytes slotKey = crypto::deriveKey(password, slot.kdf);
    if (slotKey.isEmpty())
        throw std::runtime_error("Argon2id key derivation failed (out of memory?)");
    slot.wrappedKey = crypto::aead::seal(slotKey, root.view(), passwordKeyslotAad(kekVersion));
    slot.kekVersion = kekVersion;
    const QString now = store::timestamp(m_clock.now());
    slot.createdAt = now;

    store::Transaction tx(m_db);
    repo.insertState({kekVersion, keyCheckValue(root), now});
    repo.insertPasswordKeyslot(slot);
    tx.commit();

    m_rootKey = std::move(root);
    m_kekVersion = kekVersion;
    notify(true);
}

Vault::UnsealResult Vault::unsealWithPassword(QByteArrayView password)
{
    if (!isSealed())
        return UnsealResult::AlreadyUnsealed;
    store::VaultStateRepository repo(m_db);
    const std::optional<store::VaultStateRow> state = repo.state();
    if (!state)
        return UnsealResult::NotInitialized;
    // A tampered keyslot must not make us spend unbounded memory or time: nothing we write
    // ever exceeds the "sensitive" profile, so nothing above it is tried.
    const crypto::KdfParams ceiling = crypto::KdfParams::forProfile(crypto::KdfProfile::Sensitive);
    for (const store::PasswordKeyslotRow &slot : repo.passwordKeyslots()) {
        if (!slot.kdf.isValid() || slot.kdf.opslimit > ceiling.opslimit ||
            slot.kdf.memlimit > ceiling.memlimit)
            continue;
        const crypto::SecureBytes slotKey = crypto::deriveKey(password, slot.kdf);
        if (slotKey.isEmpty())
            continue;
        std::optional<crypto::SecureBytes> root =
            crypto::aead::open(slotKey, slot.wrappedKey, passwordKeyslotAad(slot.kekVersion));
        if (root && adoptIfValid(std::move(*root), state->keyCheck, state->kekVersion))
            return UnsealResult::Unsealed;
    }
    return UnsealResult::WrongPassword;
}

bool Vault::adoptIfValid(crypto::SecureBytes candidate, const QByteArray &keyCheck, int kekVersion)
{
    if (candidate.size() != crypto::aead::KeyBytes ||
        !crypto::constantTimeEquals(keyCheckValue(candidate), keyCheck))
        return false;
    m_rootKey = std::move(candidate);
    m_kekVersion = kekVersion;
    notify(true);
    return true;
}

void Vault::seal()
{
    m_rootKey.clear();
    m_kekVersion = 0;
    notify(false);
}

const crypto::SecureBytes &Vault::rootKey() const
{
    if (isSealed())
        throw protocol::ApiError::sealed();
    return m_rootKey;
}

} // namespace cortex::vault
