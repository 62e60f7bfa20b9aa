#include "vault/Vault.h"

#include "Clock.h"
#include "crypto/Aead.h"
#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "crypto/KeyWrap.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "store/VaultStateRepository.h"

#include <algorithm>
#include <memory>

namespace cortex::vault {

using protocol::ApiError;

QByteArray shareKeyslotAad(const QByteArray &keyId, int kekVersion)
{
    return "cortex-vault/keyslot/shares/" + keyId.toHex() + "/kek-v" +
           QByteArray::number(kekVersion);
}

namespace {

store::ShareKeyslotRow makeShareSlot(const NewShareSet &set, const crypto::SecureBytes &root,
                                     int kekVersion, const QString &now)
{
    store::ShareKeyslotRow slot;
    slot.keyId = set.info.keyId;
    slot.threshold = set.info.threshold;
    slot.shareCount = set.info.shareCount;
    slot.publicKey = crypto::keywrap::publicKeyOf(set.shareKey);
    slot.wrappedKey = crypto::keywrap::sealTo(slot.publicKey, root.view(),
                                              shareKeyslotAad(slot.keyId, kekVersion));
    slot.kekVersion = kekVersion;
    slot.createdAt = now;
    return slot;
}

} // namespace

Vault::Vault(store::Database &db, const Clock &clock) : m_db(db), m_clock(clock) {}

bool Vault::isInitialized()
{
    return store::VaultStateRepository(m_db).state().has_value();
}

void Vault::initializeWithPassword(QByteArrayView password, crypto::KdfProfile profile)
{
    std::optional<NewShareSet> noShares;
    m_rootKey = createVault(password, profile, 0, 0, &noShares);
    m_kekVersion = 1;
    notify(true);
}

std::optional<NewShareSet> Vault::initialize(QByteArrayView password, crypto::KdfProfile profile,
                                             int shareThreshold, int shareCount)
{
    std::optional<NewShareSet> set;
    createVault(password, profile, shareThreshold, shareCount, &set);
    return set; // the root KEK is zeroised here: the vault stays sealed
}

crypto::SecureBytes Vault::createVault(QByteArrayView password, crypto::KdfProfile profile,
                                       int shareThreshold, int shareCount,
                                       std::optional<NewShareSet> *set)
{
    store::VaultStateRepository repo(m_db);
    if (repo.state())
        throw ApiError::conflict(QStringLiteral("already_initialized"),
                                 QStringLiteral("the vault is already initialized"));
    if (password.isEmpty() && shareThreshold == 0)
        throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                   QStringLiteral("give a password, a share set, or both"));
    crypto::SecureBytes root = crypto::SecureBytes::random(crypto::aead::KeyBytes);
    const int kekVersion = 1;
    const QString now = store::timestamp(m_clock.now());
    if (shareThreshold > 0)
        *set = makeShareSet(shareThreshold, shareCount);
    std::optional<store::PasswordKeyslotRow> passwordSlot;
    if (!password.isEmpty())
        passwordSlot = makePasswordSlot(password, profile, root, kekVersion, now);

    store::Transaction tx(m_db);
    repo.insertState({kekVersion, keyCheckValue(root), now});
    if (passwordSlot)
        repo.insertPasswordKeyslot(*passwordSlot);
    if (*set) {
        (*set)->info.createdAt = now;
        repo.replaceShareKeyslot(makeShareSlot(**set, root, kekVersion, now));
    }
    tx.commit();
    return root;
}

std::optional<PasswordSlots> Vault::passwordSlots()
{
    store::VaultStateRepository repo(m_db);
    const std::optional<store::VaultStateRow> state = repo.state();
    if (!state)
        return std::nullopt;
    return PasswordSlots{state->keyCheck, state->kekVersion, repo.passwordKeyslots()};
}

bool Vault::installPasswordSlot(const PasswordChange &change)
{
    // Checked before the transaction opens: a refusal rolls nothing back (inside a caller's
    // transaction an inner rollback would take the caller's changes with it).
    const std::optional<PasswordSlots> now = passwordSlots();
    if (!change.newSlot || !now || !now->sameAs(change.seen))
        return false;
    store::VaultStateRepository repo(m_db);
    store::Transaction tx(m_db);
    for (const store::PasswordKeyslotRow &old : now->rows)
        if (change.byAdmin || old.id == change.replacedSlot)
            repo.deleteKeyslot(old.id);
    repo.insertPasswordKeyslot(*change.newSlot);
    tx.commit();
    return true;
}

Vault::UnsealResult Vault::unsealWithPassword(QByteArrayView password)
{
    if (!isSealed())
        return UnsealResult::AlreadyUnsealed;
    const std::optional<PasswordSlots> slots = passwordSlots();
    if (!slots)
        return UnsealResult::NotInitialized;
    return finishPasswordUnseal(*slots, openPasswordSlot(*slots, password));
}

Vault::UnsealResult Vault::finishPasswordUnseal(const PasswordSlots &seen,
                                                std::optional<OpenedSlot> opened)
{
    if (!isSealed())
        return UnsealResult::AlreadyUnsealed;
    std::optional<PasswordSlots> now = passwordSlots();
    if (!now)
        return UnsealResult::NotInitialized;
    if (!opened)
        return UnsealResult::WrongPassword;
    // The slot that opened must still stand as it was seen: a password replaced while this
    // unseal was being derived no longer opens the vault once the replacement is in.
    const auto openedRow = std::ranges::find_if(
        seen.rows, [&](const store::PasswordKeyslotRow &row) { return row.id == opened->slotId; });
    const auto standing =
        openedRow == seen.rows.end()
            ? now->rows.end()
            : std::ranges::find_if(now->rows, [&](const store::PasswordKeyslotRow &row) {
                  return sameSlot(row, *openedRow);
              });
    if (standing == now->rows.end() || !isRootKey(opened->root, now->keyCheck))
        return UnsealResult::WrongPassword;
    if (standing->publicKey.isEmpty()) {
        // Written before schema 7: upgrade to the public-key form, which rotation can re-wrap
        // without the password.
        standing->publicKey = crypto::keywrap::publicKeyOf(opened->slotSecret);
        standing->wrappedKey = crypto::keywrap::sealTo(standing->publicKey, opened->root.view(),
                                                       passwordKeyslotAad(standing->kekVersion));
        store::VaultStateRepository(m_db).rewrapPasswordKeyslot(*standing);
    }
    const bool adopted = adoptIfValid(std::move(opened->root), now->keyCheck, now->kekVersion);
    return adopted ? UnsealResult::Unsealed : UnsealResult::WrongPassword;
}

Vault::UnsealResult Vault::unsealWithShareKey(const crypto::SecureBytes &shareKey)
{
    if (!isSealed())
        return UnsealResult::AlreadyUnsealed;
    store::VaultStateRepository repo(m_db);
    const std::optional<store::VaultStateRow> state = repo.state();
    if (!state)
        return UnsealResult::NotInitialized;
    const std::optional<store::ShareKeyslotRow> slot = repo.shareKeyslot();
    if (!slot)
        return UnsealResult::WrongPassword;
    std::optional<crypto::SecureBytes> root = crypto::keywrap::openWith(
        shareKey, slot->wrappedKey, shareKeyslotAad(slot->keyId, slot->kekVersion));
    if (root && adoptIfValid(std::move(*root), state->keyCheck, state->kekVersion))
        return UnsealResult::Unsealed;
    return UnsealResult::WrongPassword;
}

std::optional<ShareSetInfo> Vault::shareSet()
{
    const std::optional<store::ShareKeyslotRow> slot =
        store::VaultStateRepository(m_db).shareKeyslot();
    if (!slot)
        return std::nullopt;
    return ShareSetInfo{slot->keyId, slot->threshold, slot->shareCount, slot->createdAt};
}

int Vault::passwordSlotCount()
{
    return store::VaultStateRepository(m_db).passwordKeyslotCount();
}

bool Vault::opensShareSlot(const crypto::SecureBytes &shareKey)
{
    store::VaultStateRepository repo(m_db);
    const std::optional<store::VaultStateRow> state = repo.state();
    const std::optional<store::ShareKeyslotRow> slot = repo.shareKeyslot();
    if (!state || !slot)
        return false;
    const std::optional<crypto::SecureBytes> root = crypto::keywrap::openWith(
        shareKey, slot->wrappedKey, shareKeyslotAad(slot->keyId, slot->kekVersion));
    return root && isRootKey(*root, state->keyCheck);
}

void Vault::installShareSet(const NewShareSet &set)
{
    const crypto::SecureBytes &root = rootKey();
    store::VaultStateRepository(m_db).replaceShareKeyslot(
        makeShareSlot(set, root, m_kekVersion, store::timestamp(m_clock.now())));
}

bool Vault::changePassword(QByteArrayView current, QByteArrayView replacement,
                           crypto::KdfProfile profile)
{
    const std::optional<PasswordSlots> slots = passwordSlots();
    if (!slots)
        return false;
    PasswordChange change;
    change.current = crypto::SecureBytes::copyOf(current);
    change.replacement = crypto::SecureBytes::copyOf(replacement);
    change.profile = profile;
    change.now = store::timestamp(m_clock.now());
    change.seen = *slots;
    change.derive();
    if (!change.opened)
        return false;
    if (!installPasswordSlot(change))
        throw std::runtime_error("the password keyslots changed during a password change");
    return true;
}

void Vault::replacePasswords(QByteArrayView replacement, crypto::KdfProfile profile)
{
    PasswordChange change;
    change.byAdmin = true;
    change.root = crypto::SecureBytes::copyOf(rootKey().view());
    change.replacement = crypto::SecureBytes::copyOf(replacement);
    change.profile = profile;
    change.now = store::timestamp(m_clock.now());
    if (const std::optional<PasswordSlots> slots = passwordSlots())
        change.seen = *slots;
    change.derive();
    if (!installPasswordSlot(change))
        throw std::runtime_error("the password keyslots changed during a password change");
}

RootKeyRotation Vault::rotateRootKey(const RewrapTables &rewrap, SharesOnRotation shares)
{
    const crypto::SecureBytes &oldRoot = rootKey();
    store::VaultStateRepository repo(m_db);
    std::vector<store::PasswordKeyslotRow> passwordSlots = repo.passwordKeyslots();
    for (const store::PasswordKeyslotRow &slot : passwordSlots) {
        if (slot.publicKey.isEmpty())
            throw ApiError::conflict(
                QStringLiteral("keyslot_needs_upgrade"),
                QStringLiteral("a password keyslot from an older version cannot be re-wrapped "
                               "without its password: unseal once with that password, then "
                               "rotate"));
    }
    RootKeyRotation result;
    result.oldVersion = m_kekVersion;
    result.newVersion = m_kekVersion + 1;
    auto newRoot =
        std::make_shared<crypto::SecureBytes>(crypto::SecureBytes::random(crypto::aead::KeyBytes));

    store::Transaction tx(m_db);
    rewrap(oldRoot, result.oldVersion, *newRoot, result.newVersion);
    for (store::PasswordKeyslotRow &slot : passwordSlots) {
        slot.wrappedKey = crypto::keywrap::sealTo(slot.publicKey, newRoot->view(),
                                                  passwordKeyslotAad(result.newVersion));
        slot.kekVersion = result.newVersion;
        repo.rewrapPasswordKeyslot(slot);
        ++result.passwordSlotsRewrapped;
    }
    if (std::optional<store::ShareKeyslotRow> slot = repo.shareKeyslot()) {
        const QString set =
            QStringLiteral("share set %1").arg(QString::fromLatin1(slot->keyId.toHex()));
        if (shares == SharesOnRotation::Keep || passwordSlots.empty()) {
            slot->wrappedKey = crypto::keywrap::sealTo(
                slot->publicKey, newRoot->view(), shareKeyslotAad(slot->keyId, result.newVersion));
            slot->kekVersion = result.newVersion;
            repo.rewrapShareKeyslot(*slot);
            result.sharesNote =
                shares == SharesOnRotation::Keep
                    ? QStringLiteral("%1 was re-wrapped and its shares still unseal (keep_shares).")
                          .arg(set)
                    : QStringLiteral("%1 was kept: it is the only way to unseal this vault. "
                                     "Replace it with a rekey if its shares may be exposed.")
                          .arg(set);
        } else {
            repo.deleteKeyslot(slot->id);
            result.sharesInvalidated = true;
            result.sharesNote =
                QStringLiteral("%1 no longer unseals: its shares are invalid. Create a new share "
                               "set with POST /sys/rekey/init.")
                    .arg(set);
        }
    }
    repo.updateState({result.newVersion, keyCheckValue(*newRoot), QString()});
    // The swap waits for the commit: until then every reader still sees the old key, and a
    // rolled-back rotation leaves it in place.
    const int newVersion = result.newVersion;
    m_db.afterCommit([this, newRoot, newVersion] {
        m_rootKey = std::move(*newRoot);
        m_kekVersion = newVersion;
        notify(true);
    });
    tx.commit();
    return result;
}

bool Vault::adoptIfValid(crypto::SecureBytes candidate, const QByteArray &keyCheck, int kekVersion)
{
    if (!isRootKey(candidate, keyCheck))
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
        throw ApiError::sealed();
    return m_rootKey;
}

} // namespace cortex::vault
