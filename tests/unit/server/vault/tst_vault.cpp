// The seal state and the password keyslot: initialise, unseal from a fresh Vault on the same
// store, wrong passwords, seal, the stored Argon2id parameters, and tampered keyslots.

#include "Clock.h"
#include "crypto/Aead.h"
#include "crypto/Kdf.h"
#include "crypto/KeyWrap.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/VaultStateRepository.h"
#include "vault/Vault.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <sodium.h>

using namespace cortex;
using vault::Vault;
using Result = vault::Vault::UnsealResult;

namespace {

const QByteArray Password = "correct horse battery staple";

// True when vault.rootKey() throws the 503 "sealed" ApiError.
bool rootKeyThrowsSealed(const Vault &vault)
{
    try {
        vault.rootKey();
    } catch (const protocol::ApiError &e) {
        return e.status == 503 && e.code == QStringLiteral("sealed");
    }
    return false;
}

QByteArray copyOfRootKey(const Vault &vault)
{
    return vault.rootKey().view().toByteArray();
}

} // namespace

class TestVault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void notInitializedBeforeInit();
    void initLeavesUnsealed();
    void freshVaultUnsealsWithRightPassword();
    void storeReopenedUnseals();
    void wrongPasswordStaysSealed_data();
    void wrongPasswordStaysSealed();
    void initializeTwiceRefused();
    void unsealWhenUnsealed();
    void sealZeroisesRootKey();
    void keyslotStoresProfileParameters_data();
    void keyslotStoresProfileParameters();
    void tamperedKeyslotDoesNotUnseal_data();
    void tamperedKeyslotDoesNotUnseal();

private:
    void openStore();
    QVariantList keyslotRow();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    Clock m_clock;
};

void TestVault::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    openStore();
}

void TestVault::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestVault::openStore()
{
    m_db.reset();
    m_db = std::make_unique<store::Database>(store::Database::openSqlite(m_dir->path()));
}

void TestVault::notInitializedBeforeInit()
{
    Vault vault(*m_db, m_clock);
    QVERIFY(!vault.isInitialized());
    QVERIFY(vault.isSealed());
    QCOMPARE(vault.unsealWithPassword(Password), Result::NotInitialized);
    QVERIFY(vault.isSealed());
    QVERIFY(rootKeyThrowsSealed(vault));
    QVERIFY(!vault.isInitialized());
}

void TestVault::initLeavesUnsealed()
{
    Vault vault(*m_db, m_clock);
    vault.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    QVERIFY(vault.isInitialized());
    QVERIFY(!vault.isSealed());
    QCOMPARE(vault.rootKey().size(), std::size_t(32));
    QVERIFY(copyOfRootKey(vault) != QByteArray(32, '\0'));
    QCOMPARE(vault.kekVersion(), 1);

    // The root key is stored only wrapped: its bytes are nowhere in the store.
    const QByteArray root = copyOfRootKey(vault);
    store::VaultStateRepository repo(*m_db);
    const auto slots = repo.passwordKeyslots();
    QCOMPARE(int(slots.size()), 1);
    QVERIFY(!slots.front().wrappedKey.contains(root));
    QVERIFY(repo.state()->keyCheck != root);
}

void TestVault::freshVaultUnsealsWithRightPassword()
{
    Vault first(*m_db, m_clock);
    first.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    const QByteArray root = copyOfRootKey(first);

    Vault second(*m_db, m_clock);
    QVERIFY(second.isInitialized());
    QVERIFY(second.isSealed());
    QVERIFY(rootKeyThrowsSealed(second));
    QCOMPARE(second.unsealWithPassword(Password), Result::Unsealed);
    QVERIFY(!second.isSealed());
    QCOMPARE(copyOfRootKey(second), root);
    QCOMPARE(second.kekVersion(), 1);
}

void TestVault::storeReopenedUnseals()
{
    QByteArray root;
    {
        Vault vault(*m_db, m_clock);
        vault.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
        root = copyOfRootKey(vault);
    }
    openStore();
    Vault vault(*m_db, m_clock);
    QVERIFY(vault.isInitialized());
    QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
    QCOMPARE(copyOfRootKey(vault), root);
}

void TestVault::wrongPasswordStaysSealed_data()
{
    QTest::addColumn<QByteArray>("wrong");
    QTest::newRow("other") << QByteArray("incorrect horse battery staple");
    QTest::newRow("trailing space") << Password + ' ';
    QTest::newRow("trailing newline") << Password + '\n';
    QTest::newRow("one char short") << Password.chopped(1);
    QTest::newRow("upper case") << Password.toUpper();
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("embedded nul") << QByteArray(Password + QByteArray(1, '\0') + "x");
}

void TestVault::wrongPasswordStaysSealed()
{
    QFETCH(QByteArray, wrong);
    {
        Vault first(*m_db, m_clock);
        first.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    }
    store::VaultStateRepository repo(*m_db);
    const QByteArray slotBefore = repo.passwordKeyslots().front().wrappedKey;

    Vault vault(*m_db, m_clock);
    QCOMPARE(vault.unsealWithPassword(wrong), Result::WrongPassword);
    QVERIFY(vault.isSealed());
    QVERIFY(rootKeyThrowsSealed(vault));
    QCOMPARE(vault.kekVersion(), 0);
    // A wrong password changes nothing: the slot is intact and the right one still works.
    QCOMPARE(repo.passwordKeyslots().size(), std::size_t(1));
    QCOMPARE(repo.passwordKeyslots().front().wrappedKey, slotBefore);
    QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
}

void TestVault::initializeTwiceRefused()
{
    Vault first(*m_db, m_clock);
    first.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    const QByteArray root = copyOfRootKey(first);

    Vault second(*m_db, m_clock);
    try {
        second.initializeWithPassword("another password", crypto::KdfProfile::Interactive);
        QFAIL("a second initialisation was accepted");
    } catch (const protocol::ApiError &e) {
        QCOMPARE(e.status, 409);
        QCOMPARE(e.code, QStringLiteral("already_initialized"));
    }
    QVERIFY(second.isSealed());
    QCOMPARE(store::VaultStateRepository(*m_db).passwordKeyslots().size(), std::size_t(1));
    QCOMPARE(second.unsealWithPassword("another password"), Result::WrongPassword);
    QCOMPARE(second.unsealWithPassword(Password), Result::Unsealed);
    QCOMPARE(copyOfRootKey(second), root);
}

void TestVault::unsealWhenUnsealed()
{
    Vault vault(*m_db, m_clock);
    vault.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    const QByteArray root = copyOfRootKey(vault);
    QCOMPARE(vault.unsealWithPassword(Password), Result::AlreadyUnsealed);
    QCOMPARE(vault.unsealWithPassword("wrong"), Result::AlreadyUnsealed);
    QCOMPARE(copyOfRootKey(vault), root);
}

void TestVault::sealZeroisesRootKey()
{
    Vault vault(*m_db, m_clock);
    vault.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    const QByteArray root = copyOfRootKey(vault);
    QVERIFY(!vault.isSealed());

    vault.seal();
    QVERIFY(vault.isSealed());
    QVERIFY(rootKeyThrowsSealed(vault));
    QCOMPARE(vault.kekVersion(), 0);
    vault.seal(); // sealing twice is harmless
    QVERIFY(rootKeyThrowsSealed(vault));

    // Unsealing again brings back the same key.
    QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
    QCOMPARE(copyOfRootKey(vault), root);
}

void TestVault::keyslotStoresProfileParameters_data()
{
    QTest::addColumn<crypto::KdfProfile>("profile");
    QTest::addColumn<quint64>("opslimit");
    QTest::addColumn<quint64>("memlimit");
    // The libsodium constants themselves, not the code under test's table. ("sensitive" needs
    // 1 GiB and seconds per derivation: not run here.)
    QTest::newRow("interactive") << crypto::KdfProfile::Interactive
                                 << quint64(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE)
                                 << quint64(crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    QTest::newRow("moderate") << crypto::KdfProfile::Moderate
                              << quint64(crypto_pwhash_argon2id_OPSLIMIT_MODERATE)
                              << quint64(crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
}

void TestVault::keyslotStoresProfileParameters()
{
    QFETCH(crypto::KdfProfile, profile);
    QFETCH(quint64, opslimit);
    QFETCH(quint64, memlimit);
    {
        Vault vault(*m_db, m_clock);
        vault.initializeWithPassword(Password, profile);
    }
    const auto slots = store::VaultStateRepository(*m_db).passwordKeyslots();
    QCOMPARE(int(slots.size()), 1);
    const store::PasswordKeyslotRow &slot = slots.front();
    QCOMPARE(slot.kdf.algorithm, QStringLiteral("argon2id13"));
    QCOMPARE(slot.kdf.opslimit, opslimit);
    QCOMPARE(slot.kdf.memlimit, memlimit);
    QCOMPARE(slot.kdf.salt.size(), qsizetype(crypto_pwhash_argon2id_SALTBYTES));
    QVERIFY(slot.kdf.salt != QByteArray(slot.kdf.salt.size(), '\0'));
    QCOMPARE(slot.kekVersion, 1);

    // The wrapped key is what Argon2id with exactly these stored parameters unwraps: its output
    // is the X25519 secret whose public key the slot stores.
    const crypto::SecureBytes slotKey = crypto::deriveKey(Password, slot.kdf);
    QVERIFY(!slotKey.isEmpty());
    QCOMPARE(slot.publicKey, crypto::keywrap::publicKeyOf(slotKey));
    const std::optional<crypto::SecureBytes> root = crypto::keywrap::openWith(
        slotKey, slot.wrappedKey, vault::passwordKeyslotAad(slot.kekVersion));
    QVERIFY(root.has_value());
    QCOMPARE(vault::keyCheckValue(*root), store::VaultStateRepository(*m_db).state()->keyCheck);
}

void TestVault::tamperedKeyslotDoesNotUnseal_data()
{
    QTest::addColumn<QString>("sql");
    QTest::newRow("opslimit + 1") << QStringLiteral(
        "UPDATE keyslots SET kdf_opslimit = kdf_opslimit + 1");
    QTest::newRow("opslimit - 1") << QStringLiteral(
        "UPDATE keyslots SET kdf_opslimit = kdf_opslimit - 1");
    QTest::newRow("memlimit halved")
        << QStringLiteral("UPDATE keyslots SET kdf_memlimit = kdf_memlimit / 2");
    QTest::newRow("memlimit + 1 MiB")
        << QStringLiteral("UPDATE keyslots SET kdf_memlimit = kdf_memlimit + 1048576");
    QTest::newRow("salt changed") << QStringLiteral(
        "UPDATE keyslots SET kdf_salt = zeroblob(length(kdf_salt))");
    QTest::newRow("salt shortened")
        << QStringLiteral("UPDATE keyslots SET kdf_salt = substr(kdf_salt, 1, 8)");
    QTest::newRow("algorithm argon2i")
        << QStringLiteral("UPDATE keyslots SET kdf_algorithm = 'argon2i13'");
    QTest::newRow("algorithm unknown")
        << QStringLiteral("UPDATE keyslots SET kdf_algorithm = 'none'");
    QTest::newRow("kek version of the slot")
        << QStringLiteral("UPDATE keyslots SET kek_version = kek_version + 1");
    QTest::newRow("wrapped key truncated") << QStringLiteral(
        "UPDATE keyslots SET wrapped_key = substr(wrapped_key, 1, length(wrapped_key) - 1)");
    QTest::newRow("wrapped key replaced")
        << QStringLiteral("UPDATE keyslots SET wrapped_key = zeroblob(length(wrapped_key))");
    QTest::newRow("key check replaced")
        << QStringLiteral("UPDATE vault_state SET key_check = zeroblob(length(key_check))");
}

void TestVault::tamperedKeyslotDoesNotUnseal()
{
    QFETCH(QString, sql);
    {
        Vault vault(*m_db, m_clock);
        vault.initializeWithPassword(Password, crypto::KdfProfile::Interactive);
    }
    const auto keyslot = [this] {
        QSqlQuery q = m_db->exec(QStringLiteral(
            "SELECT kdf_algorithm, kdf_opslimit, kdf_memlimit, kdf_salt, wrapped_key, kek_version"
            " FROM keyslots"));
        QVariantList row;
        if (q.next()) {
            for (int i = 0; i < 6; ++i)
                row << q.value(i);
        }
        return row;
    };
    const QVariantList pristine = keyslot();
    const QByteArray pristineCheck = store::VaultStateRepository(*m_db).state()->keyCheck;
    QCOMPARE(pristine.size(), 6);

    QCOMPARE(m_db->exec(sql).numRowsAffected(), 1);
    QVERIFY(keyslot() != pristine ||
            store::VaultStateRepository(*m_db).state()->keyCheck != pristineCheck);
    {
        Vault vault(*m_db, m_clock);
        QCOMPARE(vault.unsealWithPassword(Password), Result::WrongPassword);
        QVERIFY(vault.isSealed());
        QVERIFY(rootKeyThrowsSealed(vault));
    }

    // Put the original bytes back: the same password unseals, so the tampering was the cause.
    m_db->exec(QStringLiteral("UPDATE keyslots SET kdf_algorithm = ?, kdf_opslimit = ?,"
                              " kdf_memlimit = ?, kdf_salt = ?, wrapped_key = ?, kek_version = ?"),
               pristine);
    m_db->exec(QStringLiteral("UPDATE vault_state SET key_check = ?"), {pristineCheck});
    Vault vault(*m_db, m_clock);
    QCOMPARE(vault.unsealWithPassword(Password), Result::Unsealed);
}

QTEST_GUILESS_MAIN(TestVault)
#include "tst_vault.moc"
