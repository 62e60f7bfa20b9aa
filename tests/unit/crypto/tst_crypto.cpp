// Known-answer and behaviour tests for the crypto layer. The standard vectors are read from
// tests/vectors/crypto-kat.json so that there is one copy of them in the tree.

#include "crypto/Aead.h"
#include "crypto/Base64Url.h"
#include "crypto/ConstantTime.h"
#include "crypto/Ed25519.h"
#include "crypto/Hash.h"
#include "crypto/Kdf.h"
#include "crypto/Random.h"
#include "crypto/SecureBytes.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <sodium.h>

#include <cstring>
#include <limits>
#include <optional>

using namespace cortex::crypto;

namespace {

QByteArray flipBit(QByteArray bytes, qsizetype index, int bit = 0)
{
    bytes[index] = static_cast<char>(bytes.at(index) ^ (1 << bit));
    return bytes;
}

SecureBytes secure(const QByteArray &bytes)
{
    return SecureBytes::copyOf(bytes);
}

QByteArray toQByteArray(const std::optional<SecureBytes> &bytes)
{
    return bytes ? bytes->view().toByteArray() : QByteArray();
}

} // namespace

class TestCrypto : public QObject
{
    Q_OBJECT

private:
    QJsonArray vectors(const char *section) const
    {
        return m_vectors.value(QLatin1StringView(section)).toArray();
    }

    // Strict hex: QByteArray::fromHex silently skips junk, which would hide a corrupt vector.
    static QByteArray hex(const QJsonValue &value)
    {
        const QByteArray text = value.toString().toLatin1();
        const QByteArray bytes = QByteArray::fromHex(text);
        if (bytes.size() * 2 != text.size() || bytes.toHex() != text.toLower())
            qFatal("malformed hex in the vectors file: %s", text.constData());
        return bytes;
    }

    static QByteArray utf8(const QJsonValue &value)
    {
        if (!value.isString())
            qFatal("missing string in the vectors file");
        return value.toString().toUtf8();
    }

    QJsonObject m_vectors;

private Q_SLOTS:
    void initTestCase()
    {
        QFile file(QStringLiteral(CORTEX_VECTORS_FILE));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.errorString()));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        m_vectors = doc.object();
        // Every section must be present and non-empty, or the data-driven tests below would
        // pass vacuously.
        for (const char *section :
             {"xchacha20poly1305_ietf", "ed25519", "hmac_sha256", "argon2id_v13_p1"})
            QVERIFY2(!vectors(section).isEmpty(), section);
    }

    // ---- XChaCha20-Poly1305 ------------------------------------------------------------

    void aeadKnownAnswer_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("nonce");
        QTest::addColumn<QByteArray>("aad");
        QTest::addColumn<QByteArray>("plaintext");
        QTest::addColumn<QByteArray>("ciphertext");
        QTest::addColumn<QByteArray>("tag");
        for (const QJsonValue &v : vectors("xchacha20poly1305_ietf")) {
            const QJsonObject o = v.toObject();
            QTest::newRow(qPrintable(o.value(u"source").toString()))
                << hex(o.value(u"key")) << hex(o.value(u"nonce")) << hex(o.value(u"aad"))
                << utf8(o.value(u"plaintext_utf8")) << hex(o.value(u"ciphertext"))
                << hex(o.value(u"tag"));
        }
    }

    void aeadKnownAnswer()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, nonce);
        QFETCH(QByteArray, aad);
        QFETCH(QByteArray, plaintext);
        QFETCH(QByteArray, ciphertext);
        QFETCH(QByteArray, tag);
        QCOMPARE(ciphertext.size(), plaintext.size());
        QCOMPARE(tag.size(), qsizetype(aead::TagBytes));
        const SecureBytes k = secure(key);
        const QByteArray expected = ciphertext + tag;

        QCOMPARE(aead::sealWithNonce(k, nonce, plaintext, aad), expected);
        QCOMPARE(toQByteArray(aead::openWithNonce(k, nonce, expected, aad)), plaintext);
        // open() takes nonce || ciphertext || tag, the layout seal() produces.
        QCOMPARE(toQByteArray(aead::open(k, nonce + expected, aad)), plaintext);

        // One flipped bit anywhere (ciphertext start/middle/end, tag, AAD, nonce, key) fails.
        for (qsizetype i : {qsizetype(0), ciphertext.size() / 2, ciphertext.size() - 1}) {
            QVERIFY(!aead::openWithNonce(k, nonce, flipBit(expected, i), aad));
            QVERIFY(!aead::open(k, nonce + flipBit(expected, i, 7), aad));
        }
        for (qsizetype i = ciphertext.size(); i < expected.size(); ++i)
            QVERIFY(!aead::openWithNonce(k, nonce, flipBit(expected, i), aad));
        for (qsizetype i = 0; i < aad.size(); ++i)
            QVERIFY(!aead::openWithNonce(k, nonce, expected, flipBit(aad, i)));
        QVERIFY(!aead::openWithNonce(k, nonce, expected, {}));
        QVERIFY(!aead::openWithNonce(k, flipBit(nonce, 23), expected, aad));
        QVERIFY(!aead::openWithNonce(secure(flipBit(key, 0)), nonce, expected, aad));
        QVERIFY(!aead::openWithNonce(secure(flipBit(key, 31, 7)), nonce, expected, aad));
        // Truncated or extended input.
        QVERIFY(!aead::openWithNonce(k, nonce, expected.chopped(1), aad));
        QVERIFY(!aead::openWithNonce(k, nonce, expected + '\0', aad));
    }

    void aeadSealOpen()
    {
        const SecureBytes key = SecureBytes::random(aead::KeyBytes);
        const QByteArray plaintext = QByteArrayLiteral("db password: hunter2");
        const QByteArray aad = QByteArrayLiteral("secrets/42/v3");

        const QByteArray sealed = aead::seal(key, plaintext, aad);
        QCOMPARE(sealed.size(), qsizetype(aead::NonceBytes + aead::TagBytes) + plaintext.size());
        QVERIFY(!sealed.contains(plaintext));
        QCOMPARE(toQByteArray(aead::open(key, sealed, aad)), plaintext);
        // The stored layout is nonce || ciphertext || tag.
        QCOMPARE(aead::sealWithNonce(key, sealed.first(aead::NonceBytes), plaintext, aad),
                 sealed.sliced(aead::NonceBytes));

        // A fresh nonce each time: same input, different output.
        const QByteArray again = aead::seal(key, plaintext, aad);
        QVERIFY(again.first(aead::NonceBytes) != sealed.first(aead::NonceBytes));
        QVERIFY(again != sealed);

        QVERIFY(!aead::open(key, sealed, QByteArrayLiteral("secrets/42/v4")));
        QVERIFY(!aead::open(SecureBytes::random(aead::KeyBytes), sealed, aad));
        QVERIFY(!aead::open(key, flipBit(sealed, 0), aad)); // nonce
        QVERIFY(!aead::open(key, sealed.chopped(1), aad));

        // Empty plaintext still authenticates.
        const QByteArray sealedEmpty = aead::seal(key, {}, aad);
        QCOMPARE(sealedEmpty.size(), qsizetype(aead::NonceBytes + aead::TagBytes));
        const std::optional<SecureBytes> openedEmpty = aead::open(key, sealedEmpty, aad);
        QVERIFY(openedEmpty);
        QVERIFY(openedEmpty->isEmpty());
        QVERIFY(!aead::open(key, flipBit(sealedEmpty, 30), aad));
        QVERIFY(!aead::open(key, sealedEmpty, {}));
    }

    void aeadRejectsBadSizes()
    {
        const SecureBytes key = SecureBytes::random(aead::KeyBytes);
        const QByteArray sealed = aead::seal(key, QByteArrayLiteral("x"), {});
        QVERIFY(aead::open(key, sealed, {}));

        // Short input, down to nothing.
        for (qsizetype n : {qsizetype(0), qsizetype(1), qsizetype(aead::NonceBytes),
                            qsizetype(aead::NonceBytes + aead::TagBytes - 1)})
            QVERIFY(!aead::open(key, sealed.first(n), {}));
        // Keys of the wrong size, including a prefix/extension of the right key.
        const SecureBytes shortKey = SecureBytes::copyOf(key.view().first(31));
        SecureBytes longKey(33);
        std::memcpy(longKey.data(), key.data(), key.size());
        for (const SecureBytes *bad : {&shortKey, static_cast<const SecureBytes *>(&longKey)}) {
            QVERIFY(!aead::open(*bad, sealed, {}));
            QVERIFY(aead::seal(*bad, QByteArrayLiteral("x"), {}).isEmpty());
        }
        QVERIFY(!aead::open(SecureBytes(), sealed, {}));
        QVERIFY(aead::seal(SecureBytes(), QByteArrayLiteral("x"), {}).isEmpty());
        // Nonces of the wrong size.
        const QByteArray nonce(aead::NonceBytes, 'n');
        QVERIFY(aead::sealWithNonce(key, nonce.chopped(1), "x", {}).isEmpty());
        QVERIFY(aead::sealWithNonce(key, nonce + 'n', "x", {}).isEmpty());
        const QByteArray ct = aead::sealWithNonce(key, nonce, "x", {});
        QCOMPARE(ct.size(), qsizetype(1 + aead::TagBytes));
        QVERIFY(aead::openWithNonce(key, nonce, ct, {}));
        QVERIFY(!aead::openWithNonce(key, nonce.chopped(1), ct, {}));
        QVERIFY(!aead::openWithNonce(key, nonce, ct.first(aead::TagBytes - 1), {}));
    }

    // ---- Ed25519 -------------------------------------------------------------------------

    void ed25519KnownAnswer_data()
    {
        QTest::addColumn<QByteArray>("seed");
        QTest::addColumn<QByteArray>("publicKey");
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QByteArray>("signature");
        for (const QJsonValue &v : vectors("ed25519")) {
            const QJsonObject o = v.toObject();
            QTest::newRow(qPrintable(o.value(u"source").toString()))
                << hex(o.value(u"seed")) << hex(o.value(u"public")) << hex(o.value(u"message"))
                << hex(o.value(u"signature"));
        }
    }

    void ed25519KnownAnswer()
    {
        QFETCH(QByteArray, seed);
        QFETCH(QByteArray, publicKey);
        QFETCH(QByteArray, message);
        QFETCH(QByteArray, signature);

        const std::optional<SigningKey> key = SigningKey::fromSeed(seed);
        QVERIFY(key);
        QCOMPARE(key->publicKey(), publicKey);
        QCOMPARE(key->seed().view().toByteArray(), seed);
        QCOMPARE(key->sign(message), signature);
        QVERIFY(ed25519::isValidPublicKey(publicKey));
        QVERIFY(ed25519::verify(publicKey, message, signature));

        // Tampered message: one bit changed, one byte added, one removed.
        QVERIFY(!ed25519::verify(publicKey, message + 'x', signature));
        if (!message.isEmpty()) {
            QVERIFY(!ed25519::verify(publicKey, flipBit(message, 0), signature));
            QVERIFY(!ed25519::verify(publicKey, message.chopped(1), signature));
        }
        // Tampered signature: R half, S half, last byte.
        for (qsizetype i : {0, 31, 32, 63})
            QVERIFY(!ed25519::verify(publicKey, message, flipBit(signature, i)));
        QVERIFY(!ed25519::verify(publicKey, message, signature.chopped(1)));
        QVERIFY(!ed25519::verify(publicKey, message, signature + '\0'));
        // Another key.
        QVERIFY(!ed25519::verify(flipBit(publicKey, 0), message, signature));
        QVERIFY(!ed25519::verify(publicKey.chopped(1), message, signature));
    }

    void ed25519CrossKey()
    {
        // Test 1's signature must not verify under test 2's key and vice versa.
        const QJsonArray all = vectors("ed25519");
        QVERIFY(all.size() >= 2);
        const QJsonObject a = all.at(0).toObject();
        const QJsonObject b = all.at(1).toObject();
        QVERIFY(!ed25519::verify(hex(b.value(u"public")), hex(a.value(u"message")),
                                 hex(a.value(u"signature"))));
        QVERIFY(!ed25519::verify(hex(a.value(u"public")), hex(b.value(u"message")),
                                 hex(b.value(u"signature"))));
    }

    void ed25519Generate()
    {
        const SigningKey a = SigningKey::generate();
        const SigningKey b = SigningKey::generate();
        QCOMPARE(a.publicKey().size(), qsizetype(SigningKey::PublicKeyBytes));
        QVERIFY(a.publicKey() != b.publicKey());
        QVERIFY(ed25519::isValidPublicKey(a.publicKey()));

        const QByteArray message = QByteArrayLiteral("audit entry 17");
        const QByteArray signature = a.sign(message);
        QCOMPARE(signature.size(), qsizetype(SigningKey::SignatureBytes));
        QVERIFY(ed25519::verify(a.publicKey(), message, signature));
        QVERIFY(!ed25519::verify(b.publicKey(), message, signature));

        // The seed rebuilds the same key pair, and Ed25519 signing is deterministic.
        const SecureBytes seed = a.seed();
        QCOMPARE(seed.size(), SigningKey::SeedBytes);
        const std::optional<SigningKey> restored = SigningKey::fromSeed(seed.view());
        QVERIFY(restored);
        QCOMPARE(restored->publicKey(), a.publicKey());
        QCOMPARE(restored->sign(message), signature);
    }

    void ed25519RejectsBadInput()
    {
        QVERIFY(!SigningKey::fromSeed({}));
        QVERIFY(!SigningKey::fromSeed(QByteArray(31, '\1')));
        QVERIFY(!SigningKey::fromSeed(QByteArray(33, '\1')));

        // A key that holds no secret (moved-from) signs nothing.
        SigningKey key = SigningKey::generate();
        const SigningKey taken = std::move(key);
        QVERIFY(!taken.sign("m").isEmpty());
        QVERIFY(key.sign("m").isEmpty()); // NOLINT(bugprone-use-after-move): that is the test
        QVERIFY(key.seed().isEmpty());
    }

    void ed25519PublicKeyValidation_data()
    {
        QTest::addColumn<QByteArray>("publicKey");
        QTest::addColumn<bool>("valid");
        for (const QJsonValue &v : vectors("ed25519")) {
            const QJsonObject o = v.toObject();
            QTest::newRow(qPrintable(o.value(u"source").toString()))
                << hex(o.value(u"public")) << true;
        }
        const auto fromHex = [](const char *h) {
            return QByteArray::fromHex(h);
        };
        // y = 0: a point of order 4.
        QTest::newRow("all zero") << QByteArray(32, '\0') << false;
        QTest::newRow("identity (order 1)")
            << fromHex("0100000000000000000000000000000000000000000000000000000000000000") << false;
        QTest::newRow("order 2 (y = -1)")
            << fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") << false;
        QTest::newRow("order 8")
            << fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a") << false;
        QTest::newRow("order 8, other")
            << fromHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05") << false;
        // y = p: the non-canonical encoding of y = 0.
        QTest::newRow("non-canonical y")
            << fromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") << false;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("31 bytes") << QByteArray(31, '\x42') << false;
    }

    void ed25519PublicKeyValidation()
    {
        QFETCH(QByteArray, publicKey);
        QFETCH(bool, valid);
        QCOMPARE(ed25519::isValidPublicKey(publicKey), valid);
    }

    void ed25519PublicKeyValidationSizes()
    {
        // A valid key with a byte added or removed is not a key.
        const QByteArray good = hex(vectors("ed25519").at(0).toObject().value(u"public"));
        QVERIFY(ed25519::isValidPublicKey(good));
        QVERIFY(!ed25519::isValidPublicKey(good + '\0'));
        QVERIFY(!ed25519::isValidPublicKey(good.chopped(1)));
    }

    // ---- Hashes --------------------------------------------------------------------------

    void hmacKnownAnswer_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        for (const QJsonValue &v : vectors("hmac_sha256")) {
            const QJsonObject o = v.toObject();
            const QByteArray key =
                o.contains(u"key") ? hex(o.value(u"key")) : utf8(o.value(u"key_utf8"));
            QTest::newRow(qPrintable(o.value(u"source").toString()))
                << key << utf8(o.value(u"data_utf8")) << hex(o.value(u"mac"));
        }
    }

    void hmacKnownAnswer()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        QCOMPARE(hmacSha256(key, data), mac);
        QCOMPARE(hmacSha256(SecureBytes::copyOf(key), data), mac);
        QVERIFY(hmacSha256(flipBit(key, 0), data) != mac);
        QVERIFY(hmacSha256(key, data + '\0') != mac);
        // The pre-keyed form: the same MAC, and again for the next message (its keyed state is
        // copied, not used up).
        const HmacSha256Key keyed(key);
        QCOMPARE(keyed.mac(data), mac);
        QCOMPARE(keyed.mac(data), mac);
        QCOMPARE(keyed.mac(data + '\0'), hmacSha256(key, data + '\0'));
        QCOMPARE(keyed.mac(data), mac);
    }

    void hmacKeyLengths()
    {
        // RFC 2104: a key longer than the 64-byte block is replaced by its hash, and a shorter
        // one is zero-padded. Both rules are observable, and both need the any-length API.
        const QByteArray data = QByteArrayLiteral("message");
        const QByteArray longKey(131, '\xaa'); // the length RFC 4231 cases 6 and 7 use
        QCOMPARE(hmacSha256(longKey, data), hmacSha256(sha256(longKey), data));
        QVERIFY(hmacSha256(longKey, data) != hmacSha256(longKey.chopped(1), data));
        const QByteArray shortKey = QByteArrayLiteral("k");
        QCOMPARE(hmacSha256(shortKey, data), hmacSha256(shortKey + QByteArray(63, '\0'), data));
        QCOMPARE(hmacSha256(QByteArray(), data), hmacSha256(QByteArray(64, '\0'), data));
        QCOMPARE(hmacSha256(QByteArray(), {}).size(), 32);
        // The pre-keyed form follows both rules too.
        QCOMPARE(HmacSha256Key(longKey).mac(data), hmacSha256(longKey, data));
        QCOMPARE(HmacSha256Key(shortKey).mac(data), hmacSha256(shortKey, data));
        QCOMPARE(HmacSha256Key(QByteArray()).mac({}), hmacSha256(QByteArray(), {}));
        HmacSha256Key cleared(shortKey);
        QVERIFY(!cleared.isEmpty());
        cleared.clear();
        QVERIFY(cleared.isEmpty());
    }

    void sha256KnownAnswer_data()
    {
        // FIPS 180-2 appendix B.1 and the digest of the empty string (not in the vectors file).
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("digest");
        QTest::newRow("abc") << QByteArrayLiteral("abc")
                             << QByteArray::fromHex("ba7816bf8f01cfea414140de5dae2223"
                                                    "b00361a396177a9cb410ff61f20015ad");
        QTest::newRow("empty") << QByteArray()
                               << QByteArray::fromHex("e3b0c44298fc1c149afbf4c8996fb924"
                                                      "27ae41e4649b934ca495991b7852b855");
        QTest::newRow("FIPS 180-2 B.2")
            << QByteArrayLiteral("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            << QByteArray::fromHex("248d6a61d20638b8e5c026930c3e6039"
                                   "a33ce45964ff2167f6ecedd419db06c1");
    }

    void sha256KnownAnswer()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, digest);
        QCOMPARE(digest.size(), 32);
        QCOMPARE(sha256(input), digest);
        QCOMPARE(sha256(QByteArrayView(input)), digest);
    }

    // ---- Argon2id ------------------------------------------------------------------------

    void argon2idKnownAnswer_data()
    {
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<QByteArray>("salt");
        QTest::addColumn<quint64>("opslimit");
        QTest::addColumn<quint64>("memlimit");
        QTest::addColumn<int>("outLen");
        QTest::addColumn<QByteArray>("out");
        for (const QJsonValue &v : vectors("argon2id_v13_p1")) {
            const QJsonObject o = v.toObject();
            const auto ops = static_cast<quint64>(o.value(u"opslimit").toInteger());
            const auto mem = static_cast<quint64>(o.value(u"memlimit_bytes").toInteger());
            QTest::newRow(qPrintable(QStringLiteral("ops %1, mem %2 MiB").arg(ops).arg(mem >> 20)))
                << utf8(o.value(u"password_utf8")) << hex(o.value(u"salt")) << ops << mem
                << o.value(u"out_len").toInt() << hex(o.value(u"out"));
        }
    }

    void argon2idKnownAnswer()
    {
        QFETCH(QByteArray, password);
        QFETCH(QByteArray, salt);
        QFETCH(quint64, opslimit);
        QFETCH(quint64, memlimit);
        QFETCH(int, outLen);
        QFETCH(QByteArray, out);
        QCOMPARE(out.size(), outLen);

        KdfParams params;
        params.salt = salt;
        params.opslimit = opslimit;
        params.memlimit = memlimit;
        QVERIFY(params.isValid());
        const SecureBytes key = deriveKey(password, params, static_cast<std::size_t>(outLen));
        QCOMPARE(key.view().toByteArray(), out);
    }

    void argon2idSensitivity()
    {
        // Cheapest valid settings: this checks what feeds the hash, not the vectors.
        KdfParams params;
        params.salt = QByteArray(16, '\x01');
        params.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        params.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
        QVERIFY(params.isValid());
        const QByteArray password = QByteArrayLiteral("pw");
        const SecureBytes base = deriveKey(password, params);
        QCOMPARE(base.size(), std::size_t(32));
        QVERIFY(base.equals(deriveKey(password, params))); // deterministic

        QVERIFY(!base.equals(deriveKey(QByteArrayLiteral("pW"), params)));
        KdfParams other = params;
        other.salt[15] = '\x02';
        QVERIFY(!base.equals(deriveKey(password, other)));
        other = params;
        other.opslimit += 1;
        QVERIFY(!base.equals(deriveKey(password, other)));
        other = params;
        other.memlimit *= 2;
        QVERIFY(!base.equals(deriveKey(password, other)));

        QCOMPARE(deriveKey(password, params, 64).size(), std::size_t(64));
        QCOMPARE(deriveKey(QByteArray(), params).size(), std::size_t(32));
        QCOMPARE(deriveKey(QByteArrayView(), params).view(), deriveKey("", params).view());
        // Output lengths libsodium refuses give nothing.
        QVERIFY(deriveKey(password, params, 0).isEmpty());
        QVERIFY(deriveKey(password, params, crypto_pwhash_argon2id_BYTES_MIN - 1).isEmpty());
    }

    void deriveKeyRejectsInvalidParams()
    {
        KdfParams params = KdfParams::forProfile(KdfProfile::Interactive);
        params.algorithm = QStringLiteral("argon2i13");
        QVERIFY(deriveKey("pw", params).isEmpty());
        params = KdfParams::forProfile(KdfProfile::Interactive);
        params.salt.chop(1);
        QVERIFY(deriveKey("pw", params).isEmpty());
        params = KdfParams::forProfile(KdfProfile::Interactive);
        params.memlimit = 0;
        QVERIFY(deriveKey("pw", params).isEmpty());
        QVERIFY(deriveKey("pw", KdfParams()).isEmpty()); // no salt, zero limits
    }

    void kdfProfiles_data()
    {
        QTest::addColumn<KdfProfile>("profile");
        QTest::addColumn<QString>("name");
        QTest::addColumn<quint64>("opslimit");
        QTest::addColumn<quint64>("memlimit");
        // libsodium's functions, and the values libsodium 1.0.18 documents for them, so that a
        // silent change of library defaults shows up here rather than in old keyslots.
        QTest::newRow("interactive") << KdfProfile::Interactive << QStringLiteral("interactive")
                                     << quint64(crypto_pwhash_opslimit_interactive())
                                     << quint64(crypto_pwhash_memlimit_interactive());
        QTest::newRow("moderate") << KdfProfile::Moderate << QStringLiteral("moderate")
                                  << quint64(crypto_pwhash_opslimit_moderate())
                                  << quint64(crypto_pwhash_memlimit_moderate());
        QTest::newRow("sensitive") << KdfProfile::Sensitive << QStringLiteral("sensitive")
                                   << quint64(crypto_pwhash_opslimit_sensitive())
                                   << quint64(crypto_pwhash_memlimit_sensitive());
    }

    void kdfProfiles()
    {
        QFETCH(KdfProfile, profile);
        QFETCH(QString, name);
        QFETCH(quint64, opslimit);
        QFETCH(quint64, memlimit);

        const KdfParams params = KdfParams::forProfile(profile);
        QCOMPARE(params.algorithm, QStringLiteral("argon2id13"));
        QCOMPARE(params.salt.size(), qsizetype(crypto_pwhash_SALTBYTES));
        QCOMPARE(params.salt.size(), 16);
        QCOMPARE(params.opslimit, opslimit);
        QCOMPARE(params.memlimit, memlimit);
        QVERIFY(params.isValid());
        // A fresh salt each time.
        QVERIFY(KdfParams::forProfile(profile).salt != params.salt);

        QCOMPARE(kdfProfileName(profile), name);
        QCOMPARE(parseKdfProfile(name), std::optional<KdfProfile>(profile));
    }

    void kdfProfileNumbers()
    {
        // The 1.0.18 numbers, written out: the stored keyslots depend on them.
        const KdfParams i = KdfParams::forProfile(KdfProfile::Interactive);
        QCOMPARE(i.opslimit, quint64(2));
        QCOMPARE(i.memlimit, quint64(64) << 20);
        const KdfParams m = KdfParams::forProfile(KdfProfile::Moderate);
        QCOMPARE(m.opslimit, quint64(3));
        QCOMPARE(m.memlimit, quint64(256) << 20);
        const KdfParams s = KdfParams::forProfile(KdfProfile::Sensitive);
        QCOMPARE(s.opslimit, quint64(4));
        QCOMPARE(s.memlimit, quint64(1024) << 20);
    }

    void kdfProfileNames()
    {
        QVERIFY(!parseKdfProfile(QString()));
        QVERIFY(!parseKdfProfile(QStringLiteral("fast")));
        QVERIFY(!parseKdfProfile(QStringLiteral("interactive ")));
        QVERIFY(!parseKdfProfile(QStringLiteral("Interactive")));
    }

    void kdfParamsValidation()
    {
        const KdfParams good = KdfParams::forProfile(KdfProfile::Interactive);
        QVERIFY(good.isValid());

        for (const QString &alg : {QString(), QStringLiteral("argon2i13"),
                                   QStringLiteral("Argon2id13"), QStringLiteral("argon2id13 "),
                                   QStringLiteral("argon2id"), QStringLiteral("scrypt")}) {
            KdfParams p = good;
            p.algorithm = alg;
            QVERIFY2(!p.isValid(), qPrintable(alg));
        }
        for (qsizetype saltSize : {0, 8, 15, 17, 32}) {
            KdfParams p = good;
            p.salt = QByteArray(saltSize, '\x5a');
            QVERIFY2(!p.isValid(), qPrintable(QString::number(saltSize)));
        }

        KdfParams p = good;
        p.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN - 1;
        QVERIFY(!p.isValid());
        p.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        QVERIFY(p.isValid());
        p.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MAX;
        QVERIFY(p.isValid());
        p.opslimit = quint64(crypto_pwhash_argon2id_OPSLIMIT_MAX) + 1;
        QVERIFY(!p.isValid());
        p.opslimit = std::numeric_limits<quint64>::max();
        QVERIFY(!p.isValid());

        p = good;
        p.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN - 1;
        QVERIFY(!p.isValid());
        p.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
        QVERIFY(p.isValid());
        p.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MAX;
        QVERIFY(p.isValid());
        p.memlimit = quint64(crypto_pwhash_argon2id_MEMLIMIT_MAX) + 1;
        QVERIFY(!p.isValid());
        p.memlimit = 0;
        QVERIFY(!p.isValid());
    }

    // ---- base64url -----------------------------------------------------------------------

    void base64UrlKnownAnswer_data()
    {
        // RFC 4648 §10 (the padding removed) and the two characters base64url changes.
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
        QTest::newRow("- and _") << QByteArray::fromHex("fbff") << QByteArray("-_8");
        QTest::newRow("all 62s and 63s")
            << QByteArray::fromHex("fbefbeffffff") << QByteArray("----____");
        QTest::newRow("zero bytes") << QByteArray(3, '\0') << QByteArray("AAAA");
    }

    void base64UrlKnownAnswer()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, text);
        QCOMPARE(base64UrlEncode(bytes), text);
        const std::optional<QByteArray> decoded = base64UrlDecode(text);
        QVERIFY(decoded);
        QCOMPARE(*decoded, bytes);
    }

    void base64UrlRoundTrip()
    {
        for (std::size_t size = 0; size <= 70; ++size) {
            const QByteArray bytes = randomBytes(size);
            const QByteArray text = base64UrlEncode(bytes);
            QCOMPARE(text.size(), qsizetype((size * 4 + 2) / 3));
            QVERIFY(!text.contains('=') && !text.contains('+') && !text.contains('/'));
            QCOMPARE(base64UrlDecode(text), std::optional<QByteArray>(bytes));
        }
        // Every byte value survives.
        QByteArray all;
        for (int i = 0; i < 256; ++i)
            all.append(static_cast<char>(i));
        QCOMPARE(base64UrlDecode(base64UrlEncode(all)), std::optional<QByteArray>(all));
    }

    void base64UrlStrictRejections_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("padding ==") << QByteArray("Zg==");
        QTest::newRow("padding =") << QByteArray("Zm8=");
        QTest::newRow("only padding") << QByteArray("====");
        QTest::newRow("padding mid") << QByteArray("Zg==Zg");
        QTest::newRow("standard +") << QByteArray("+_8");
        QTest::newRow("standard /") << QByteArray("-/8");
        QTest::newRow("space inside") << QByteArray("Zm9v Yg");
        QTest::newRow("leading space") << QByteArray(" Zm9v");
        QTest::newRow("trailing newline") << QByteArray("Zm9v\n");
        QTest::newRow("CRLF") << QByteArray("Zm9v\r\nYg");
        QTest::newRow("tab") << QByteArray("\tZg");
        QTest::newRow("NUL") << QByteArray("Zm9v\0Yg", 7);
        QTest::newRow("non-ASCII") << QByteArray("Zm9v\xc3\xa9");
        QTest::newRow("dot") << QByteArray("Zm.v");
        QTest::newRow("length 1") << QByteArray("Z");
        QTest::newRow("length 5") << QByteArray("Zm9vY");
        QTest::newRow("length 9") << QByteArray("Zm9vYmFyZ");
        // Non-zero bits after the last whole byte: "Zh" would otherwise also decode to "f".
        QTest::newRow("trailing bits, 1 byte") << QByteArray("Zh");
        QTest::newRow("trailing bits, 1 byte, low bit") << QByteArray("Zx");
        QTest::newRow("trailing bits, 2 bytes") << QByteArray("Zm9");
        QTest::newRow("trailing bits, all") << QByteArray("__");
    }

    void base64UrlStrictRejections()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!base64UrlDecode(text));
    }

    // ---- Constant-time compare -----------------------------------------------------------

    void constantTimeCompare()
    {
        const QByteArray a = QByteArray::fromHex("00112233445566778899aabbccddeeff");
        QVERIFY(constantTimeEquals(a, a));
        QVERIFY(constantTimeEquals(a, QByteArray(a.constData(), a.size()))); // distinct buffers
        for (qsizetype i : {qsizetype(0), qsizetype(7), a.size() - 1})
            QVERIFY(!constantTimeEquals(a, flipBit(a, i)));
        QVERIFY(!constantTimeEquals(a, a.chopped(1)));
        QVERIFY(!constantTimeEquals(a.chopped(1), a));
        QVERIFY(!constantTimeEquals(a, a + '\0'));
        QVERIFY(!constantTimeEquals(a, {}));
        QVERIFY(!constantTimeEquals({}, a));
        QVERIFY(constantTimeEquals({}, {}));
        QVERIFY(constantTimeEquals(QByteArray(), QByteArray("")));
    }

    // ---- SecureBytes ---------------------------------------------------------------------

    void secureBytesConstruction()
    {
        const SecureBytes empty;
        QVERIFY(empty.isEmpty());
        QCOMPARE(empty.size(), std::size_t(0));
        QVERIFY(empty.data() == nullptr);
        QVERIFY(empty.view().isEmpty());

        const SecureBytes zeroSized(0); // owns no allocation
        QVERIFY(zeroSized.isEmpty());
        QVERIFY(zeroSized.data() == nullptr);

        const SecureBytes zeros(48);
        QCOMPARE(zeros.size(), std::size_t(48));
        QVERIFY(zeros.data() != nullptr);
        QCOMPARE(zeros.view(), QByteArrayView(QByteArray(48, '\0')));

        const QByteArray content = QByteArrayLiteral("s3cr3t");
        const SecureBytes copy = SecureBytes::copyOf(content);
        QCOMPARE(copy.view().toByteArray(), content);
        QVERIFY(static_cast<const void *>(copy.data()) !=
                static_cast<const void *>(content.constData()));
        QVERIFY(SecureBytes::copyOf({}).data() == nullptr);

        const SecureBytes r1 = SecureBytes::random(32);
        const SecureBytes r2 = SecureBytes::random(32);
        QCOMPARE(r1.size(), std::size_t(32));
        QVERIFY(!r1.equals(r2));
        QVERIFY(!r1.equals(SecureBytes(32)));
        QVERIFY(SecureBytes::random(0).isEmpty());
    }

    void secureBytesMove()
    {
        SecureBytes a = SecureBytes::copyOf("alpha");
        const unsigned char *const buffer = a.data();

        SecureBytes b(std::move(a));
        QVERIFY(a.isEmpty()); // NOLINT(bugprone-use-after-move): the moved-from state is the test
        QVERIFY(a.data() == nullptr);
        QVERIFY(b.data() == buffer); // moved, not copied
        QCOMPARE(b.view(), QByteArrayView("alpha"));

        SecureBytes c = SecureBytes::copyOf("gamma");
        c = std::move(b);
        QVERIFY(b.isEmpty());
        QVERIFY(b.data() == nullptr);
        QVERIFY(c.data() == buffer);
        QCOMPARE(c.view(), QByteArrayView("alpha"));

        // A moved-from object is usable again.
        b = SecureBytes::copyOf("beta");
        QCOMPARE(b.view(), QByteArrayView("beta"));

        // Moving an empty object into a full one frees the full one's contents.
        c = SecureBytes();
        QVERIFY(c.isEmpty());
        QVERIFY(c.data() == nullptr);
    }

    void secureBytesCloneAndClear()
    {
        SecureBytes original = SecureBytes::copyOf("original");
        SecureBytes copy = original.clone();
        QVERIFY(copy.equals(original));
        QVERIFY(copy.data() != original.data());
        copy.data()[0] = 'O';
        QCOMPARE(original.view(), QByteArrayView("original")); // independent buffers
        QVERIFY(!copy.equals(original));

        QVERIFY(SecureBytes().clone().isEmpty());

        original.clear();
        QVERIFY(original.isEmpty());
        QVERIFY(original.data() == nullptr);
        original.clear(); // idempotent
        QVERIFY(original.isEmpty());
    }

    void secureBytesEquals()
    {
        const SecureBytes a = SecureBytes::copyOf("abcdef");
        QVERIFY(a.equals(SecureBytes::copyOf("abcdef")));
        QVERIFY(!a.equals(SecureBytes::copyOf("abcdeg")));
        QVERIFY(!a.equals(SecureBytes::copyOf("Abcdef")));
        // Different sizes, including a common prefix, are unequal.
        QVERIFY(!a.equals(SecureBytes::copyOf("abcde")));
        QVERIFY(!a.equals(SecureBytes::copyOf("abcdefg")));
        QVERIFY(!a.equals(SecureBytes()));
        QVERIFY(SecureBytes().equals(SecureBytes(0)));
    }

    void wipeQByteArray()
    {
        // An unshared buffer is emptied.
        QByteArray secret = QByteArrayLiteral("top secret value").toLower();
        secret.detach();
        wipe(secret);
        QVERIFY(secret.isEmpty());

        // A shared buffer is released without touching the other owner's copy.
        QByteArray first(32, 'k');
        QByteArray second = first;
        wipe(second);
        QVERIFY(second.isEmpty());
        QCOMPARE(first, QByteArray(32, 'k'));

        // Raw data is not ours to overwrite.
        const char raw[] = "raw bytes";
        QByteArray view = QByteArray::fromRawData(raw, sizeof raw - 1);
        wipe(view);
        QVERIFY(view.isEmpty());
        QCOMPARE(QByteArrayView(raw), QByteArrayView("raw bytes"));

        // Buffers with slack before and after the live range.
        QByteArray trimmed(64, 's');
        trimmed.remove(0, 10);
        trimmed.chop(10);
        wipe(trimmed);
        QVERIFY(trimmed.isEmpty());

        QByteArray nothing;
        wipe(nothing);
        QVERIFY(nothing.isEmpty());
    }

    void wipeQString()
    {
        QString secret = QStringLiteral("Top Secret Share").toLower();
        wipe(secret);
        QVERIFY(secret.isEmpty());

        // Shared or raw text is released, never written through.
        QString first(32, u'k');
        QString second = first;
        wipe(second);
        QVERIFY(second.isEmpty());
        QCOMPARE(first, QString(32, u'k'));

        static const QChar raw[] = {u'r', u'a', u'w'};
        QString view = QString::fromRawData(raw, 3);
        wipe(view);
        QVERIFY(view.isEmpty());
        QCOMPARE(QStringView(raw, 3), QStringView(u"raw"));

        QString trimmed(64, u's');
        trimmed.remove(0, 10);
        trimmed.chop(10);
        wipe(trimmed);
        QVERIFY(trimmed.isEmpty());
    }

    // ---- Random --------------------------------------------------------------------------

    void randomBytesAndTokens()
    {
        QCOMPARE(randomBytes(0).size(), 0);
        QCOMPARE(randomBytes(33).size(), 33);
        QVERIFY(randomBytes(32) != randomBytes(32));

        QSet<QString> seen;
        for (int i = 0; i < 100; ++i) {
            const QString token = randomToken(u"sec_", 16);
            QVERIFY(token.startsWith(u"sec_"));
            const std::optional<QByteArray> body = base64UrlDecode(token.sliced(4).toLatin1());
            QVERIFY2(body, qPrintable(token));
            QCOMPARE(body->size(), 16);
            seen.insert(token);
        }
        QCOMPARE(seen.size(), 100);

        const QString token = randomToken(u"tok_");
        QVERIFY(token.startsWith(u"tok_"));
        QCOMPARE(token.size(), 4 + 43); // 32 bytes by default
        QCOMPARE(randomToken(u"x_", 0), QStringLiteral("x_"));
        QCOMPARE(randomToken(u"", 3).size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
