// The key lifecycle below the HTTP API (issue 5): share sets, password changes, root-KEK
// rotation of the keyslots, and the upgrade of a password slot written before schema 7.
#include "Clock.h"
#include "crypto/Aead.h"
#include "crypto/Kdf.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/VaultStateRepository.h"
#include "vault/ShareSet.h"
#include "vault/Vault.h"

#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace cortex;
using vault::Vault;
using Result = vault::Vault::UnsealResult;

namespace {

const QByteArray Password = "correct horse battery staple";
constexpr auto Profile = crypto::KdfProfile::Interactive;

// A rotation that re-wraps no table: the keyslots and the key check are what is under test.
const vault::RewrapTables NoTables = [](const crypto::SecureBytes &, int,
                                        const crypto::SecureBytes &, int) {
};

QByteArray rootOf(const Vault &vault)
{
    return vault.rootKey().view().toByteArray();
}

std::vector<shares::Share> pick(const vault::NewShareSet &set, std::initializer_list<int> indexes)
{
    std::vector<shares::Share> chosen;
    for (int i : indexes) {
        const shares::Share &share = set.shares.at(std::size_t(i));
        chosen.push_back({share.keyId, share.index, share.threshold, share.payload.clone()});
    }
    return chosen;
}

} // namespace

class TestKeyLifecycle : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_db = std::make_unique<store::Database>(store::Database::openSqlite(m_dir->path()));
    }
    void cleanup()
    {
        m_db.reset();
        m_dir.reset();
    }

    void initWithSharesStaysSealedAndQuorumUnseals()
    {
        Vault vault(*m_db, m_clock);
        const std::optional<vault::NewShareSet> set = vault.initialize({}, Profile, 3, 5);
        QVERIFY(set);
        QCOMPARE(int(set->shares.size()), 5);
        QVERIFY(vault.isInitialized());
        QVERIFY(vault.isSealed());
        QCOMPARE(vault.passwordSlotCount(), 0);
        QCOMPARE(vault.shareSet()->threshold, 3);
        QCOMPARE(vault.shareSet()->keyId, set->info.keyId);

        // Any three combine to the key that opens the slot; two do not.
        const std::optional<crypto::SecureBytes> key = vault::combineShares(pick(*set, {0, 2, 4}));
        QVERIFY(key);
        QVERIFY(!vault::combineShares(pick(*set, {1, 3})));
        QCOMPARE(vault.unsealWithShareKey(*key), Result::Unsealed);
        QVERIFY(!vault.isSealed());
        vault.seal();
        QCOMPARE(vault.unsealWithShareKey(crypto::SecureBytes::random(32)), Result::WrongPassword);
        QVERIFY(vault.isSealed());
    }

    void initRefusesBadRequests()
    {
        Vault vault(*m_db, m_clock);
        QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.initialize({}, Profile, 0, 0));
        QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.initialize({}, Profile, 1, 3));
        QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.initialize({}, Profile, 4, 3));
        QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.initialize({}, Profile, 2, 256));
        QVERIFY(!vault.isInitialized());
        QVERIFY(vault.initialize(Password, Profile, 2, 2));
        QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.initialize(Password, Profile, 2, 2));
    }

    void changePasswordReplacesOnlyThatSlot()
    {
        {
            Vault vault(*m_db, m_clock);
            vault.initializeWithPassword(Password, Profile);
        }
        Vault vault(*m_db, m_clock);
        QVERIFY(!vault.changePassword("wrong password", "new password 1", Profile));
        QVERIFY(vault.changePassword(Password, "new password 1", Profile)); // while sealed
        QVERIFY(vault.isSealed());
        QCOMPARE(vault.passwordSlotCount(), 1);
        QCOMPARE(vault.unsealWithPassword(Password), Result::WrongPassword);
        QCOMPARE(vault.unsealWithPassword("new password 1"), Result::Unsealed);
        const QByteArray root = rootOf(vault);
        vault.replacePasswords("new password 2", Profile);
        vault.seal();
        QCOMPARE(vault.unsealWithPassword("new password 1"), Result::WrongPassword);
        QCOMPARE(vault.unsealWithPassword("new password 2"), Result::Unsealed);
        QCOMPARE(rootOf(vault), root); // the root KEK never changed
    }

    void rotationRewrapsPasswordSlotAndInvalidatesShares()
    {
        Vault vault(*m_db, m_clock);
        const std::optional<vault::NewShareSet> set = vault.initialize(Password, Profile, 2, 3);
        QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
        const QByteArray oldRoot = rootOf(vault);
        int rewrapCalls = 0;
        const vault::RootKeyRotation rotation =
            vault.rotateRootKey([&](const crypto::SecureBytes &oldKey, int oldVersion,
                                    const crypto::SecureBytes &newKey, int newVersion) {
                ++rewrapCalls;
                QCOMPARE(oldKey.view().toByteArray(), oldRoot);
                QVERIFY(newKey.view().toByteArray() != oldRoot);
                QCOMPARE(oldVersion, 1);
                QCOMPARE(newVersion, 2);
            });
        QCOMPARE(rewrapCalls, 1);
        QCOMPARE(rotation.oldVersion, 1);
        QCOMPARE(rotation.newVersion, 2);
        QCOMPARE(rotation.passwordSlotsRewrapped, 1);
        QVERIFY(rotation.sharesInvalidated);
        QVERIFY(!vault.shareSet());
        QCOMPARE(vault.kekVersion(), 2);
        const QByteArray newRoot = rootOf(vault);
        QVERIFY(newRoot != oldRoot);

        // A restart: the same password opens the new key; the old shares open nothing.
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithShareKey(*vault::combineShares(pick(*set, {0, 1}))),
                 Result::WrongPassword);
        QCOMPARE(restarted.unsealWithPassword(Password), Result::Unsealed);
        QCOMPARE(rootOf(restarted), newRoot);
        QCOMPARE(restarted.kekVersion(), 2);
    }

    void rotationKeepsTheOnlyWayIn()
    {
        Vault vault(*m_db, m_clock);
        const std::optional<vault::NewShareSet> set = vault.initialize({}, Profile, 2, 2);
        const std::optional<crypto::SecureBytes> key = vault::combineShares(pick(*set, {0, 1}));
        QCOMPARE(vault.unsealWithShareKey(*key), Result::Unsealed);
        const vault::RootKeyRotation rotation = vault.rotateRootKey(NoTables);
        QVERIFY(!rotation.sharesInvalidated);
        QVERIFY(rotation.sharesNote.contains(u"only way"));
        const QByteArray newRoot = rootOf(vault);
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithShareKey(*key), Result::Unsealed);
        QCOMPARE(rootOf(restarted), newRoot);
    }

    void rotationKeepsSharesOnRequest()
    {
        Vault vault(*m_db, m_clock);
        const std::optional<vault::NewShareSet> set = vault.initialize(Password, Profile, 2, 2);
        QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
        const vault::RootKeyRotation rotation =
            vault.rotateRootKey(NoTables, vault::SharesOnRotation::Keep);
        QVERIFY(!rotation.sharesInvalidated);
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithShareKey(*vault::combineShares(pick(*set, {0, 1}))),
                 Result::Unsealed);
        QCOMPARE(restarted.kekVersion(), 2);
    }

    void failedRotationChangesNothing()
    {
        Vault vault(*m_db, m_clock);
        vault.initializeWithPassword(Password, Profile);
        const QByteArray root = rootOf(vault);
        QVERIFY_THROWS_EXCEPTION(
            std::runtime_error,
            vault.rotateRootKey([](const crypto::SecureBytes &, int, const crypto::SecureBytes &,
                                   int) { throw std::runtime_error("a row failed to open"); }));
        QCOMPARE(rootOf(vault), root);
        QCOMPARE(vault.kekVersion(), 1);
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithPassword(Password), Result::Unsealed);
        QCOMPARE(rootOf(restarted), root);
        QCOMPARE(restarted.kekVersion(), 1);
    }

    void rekeyedShareSetReplacesTheOldOne()
    {
        Vault vault(*m_db, m_clock);
        const std::optional<vault::NewShareSet> old = vault.initialize(Password, Profile, 2, 3);
        QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
        const std::optional<crypto::SecureBytes> oldKey = vault::combineShares(pick(*old, {0, 1}));
        QVERIFY(vault.opensShareSlot(*oldKey));
        const vault::NewShareSet fresh = vault::makeShareSet(3, 4);
        vault.installShareSet(fresh);
        QVERIFY(!vault.opensShareSlot(*oldKey));
        QVERIFY(vault.opensShareSlot(fresh.shareKey));
        const QByteArray root = rootOf(vault);
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithShareKey(*oldKey), Result::WrongPassword);
        QCOMPARE(restarted.unsealWithShareKey(*vault::combineShares(pick(fresh, {3, 0, 2}))),
                 Result::Unsealed);
        QCOMPARE(rootOf(restarted), root); // a rekey never changes the root KEK
    }

    // A password slot written before schema 7 (symmetric: the Argon2id output seals the root
    // KEK) still unseals, is upgraded on the way, and rotation refuses to strand it before that.
    void legacyPasswordSlotIsUpgraded()
    {
        QByteArray root;
        {
            Vault vault(*m_db, m_clock);
            vault.initializeWithPassword(Password, Profile);
            root = rootOf(vault);
            store::VaultStateRepository repo(*m_db);
            store::PasswordKeyslotRow slot = repo.passwordKeyslots().front();
            const crypto::SecureBytes slotKey = crypto::deriveKey(Password, slot.kdf);
            slot.publicKey.clear();
            slot.wrappedKey =
                crypto::aead::seal(slotKey, root, vault::passwordKeyslotAad(slot.kekVersion));
            repo.rewrapPasswordKeyslot(slot);
            QVERIFY_THROWS_EXCEPTION(protocol::ApiError, vault.rotateRootKey(NoTables));
            QCOMPARE(rootOf(vault), root);
        }
        Vault vault(*m_db, m_clock);
        QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
        QCOMPARE(rootOf(vault), root);
        QVERIFY(!store::VaultStateRepository(*m_db).passwordKeyslots().front().publicKey.isEmpty());
        QCOMPARE(vault.rotateRootKey(NoTables).passwordSlotsRewrapped, 1);
        Vault restarted(*m_db, m_clock);
        QCOMPARE(restarted.unsealWithPassword(Password), Result::Unsealed);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    Clock m_clock;
};

QTEST_GUILESS_MAIN(TestKeyLifecycle)
#include "tst_key_lifecycle.moc"
