// Keyslot wrapping to an X25519 public key: the RFC 7748 known answers for the key agreement it
// rests on, and what a keyslot needs from it (opens only with the right secret and AAD).
#include "crypto/KeyWrap.h"

#include <QTest>

using namespace cortex::crypto;

namespace {

SecureBytes secretFromHex(const char *hex)
{
    return SecureBytes::copyOf(QByteArray::fromHex(hex));
}

} // namespace

class TestKeyWrap : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // RFC 7748 section 6.1: Alice's and Bob's public keys from their private keys.
    void publicKeyKnownAnswer_data()
    {
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("alice")
            << QByteArray("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
            << QByteArray("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        QTest::newRow("bob")
            << QByteArray("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
            << QByteArray("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    }
    void publicKeyKnownAnswer()
    {
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, expected);
        QCOMPARE(keywrap::publicKeyOf(secretFromHex(secret.constData())).toHex(), expected);
    }

    void sealOpenRoundTrip()
    {
        const SecureBytes secret = SecureBytes::random(keywrap::SecretKeyBytes);
        const QByteArray pub = keywrap::publicKeyOf(secret);
        const QByteArray key = QByteArray(32, '\x5a');
        const QByteArray sealed = keywrap::sealTo(pub, key, "slot|1");
        QCOMPARE(sealed.size(), qsizetype(32 + 24 + 32 + 16));
        QVERIFY(!sealed.contains(key));
        const std::optional<SecureBytes> opened = keywrap::openWith(secret, sealed, "slot|1");
        QVERIFY(opened);
        QCOMPARE(opened->view().toByteArray(), key);
        // Fresh ephemeral key each time: two wraps of the same key differ.
        QVERIFY(keywrap::sealTo(pub, key, "slot|1") != sealed);
    }

    void openRefusesWrongSecretAadOrBytes()
    {
        const SecureBytes secret = SecureBytes::random(keywrap::SecretKeyBytes);
        const QByteArray sealed = keywrap::sealTo(keywrap::publicKeyOf(secret), "root key", "a");
        QVERIFY(!keywrap::openWith(SecureBytes::random(32), sealed, "a"));
        QVERIFY(!keywrap::openWith(secret, sealed, "b"));
        for (qsizetype i = 0; i < sealed.size(); ++i) {
            QByteArray damaged = sealed;
            damaged[i] = char(damaged[i] ^ 0x01);
            QVERIFY2(!keywrap::openWith(secret, damaged, "a"), qPrintable(QString::number(i)));
        }
        QVERIFY(!keywrap::openWith(secret, sealed.first(40), "a"));
        QVERIFY(!keywrap::openWith(secret, QByteArray(), "a"));
        QVERIFY(!keywrap::openWith(SecureBytes::random(31), sealed, "a"));
    }

    void sealRefusesBadPublicKeys()
    {
        QVERIFY(keywrap::sealTo(QByteArray(31, 'x'), "k", "a").isEmpty());
        // The all-zero point has low order: the shared secret would be zero.
        QVERIFY(keywrap::sealTo(QByteArray(32, '\0'), "k", "a").isEmpty());
        QVERIFY(keywrap::publicKeyOf(SecureBytes::random(16)).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestKeyWrap)
#include "tst_keywrap.moc"
