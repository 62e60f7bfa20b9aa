// Envelope encryption: a value opens only with the root key and exactly the two AADs it was
// sealed with; moved, swapped, truncated or altered parts do not open.

#include "crypto/Aead.h"
#include "crypto/SecureBytes.h"
#include "vault/Envelope.h"
#include "vault/SecretService.h"

#include <QSet>
#include <QTest>

using namespace cortex;
using crypto::SecureBytes;
using vault::Envelope;

namespace {

QByteArray bytesOf(const SecureBytes &secure)
{
    return secure.view().toByteArray();
}

QByteArray flipped(QByteArray bytes, qsizetype index)
{
    bytes[index] = char(bytes.at(index) ^ 0x80);
    return bytes;
}

const QByteArray BodyAad = "default|db/password|1";
const QByteArray DekAad = "secret_versions|sec_a|1|1";

} // namespace

class TestEnvelope : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void freshKeyAndNonceEverySeal();
    void wrongRootKey();
    void wrongBodyAad();
    void wrongDekAad();
    void swappedWrappedDek();
    void swappedCiphertext();
    void truncated_data();
    void truncated();
    void everyFlippedByteRefused();
    void aadsNameTheRow();
};

void TestEnvelope::roundTrip_data()
{
    QTest::addColumn<QByteArray>("plaintext");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("short") << QByteArray("hunter2");
    QTest::newRow("binary") << QByteArray("\x00\x01\xff\xfe\x00", 5);
    QTest::newRow("utf8") << QString::fromUtf8("p\u00e4ssw\u00f6rd \u2713").toUtf8();
    QTest::newRow("1 MiB") << QByteArray(1024 * 1024, 'x');
}

void TestEnvelope::roundTrip()
{
    QFETCH(QByteArray, plaintext);
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope envelope = vault::sealEnvelope(root, plaintext, BodyAad, DekAad);
    QVERIFY(!envelope.ciphertext.isEmpty());
    QVERIFY(!envelope.wrappedDek.isEmpty());
    if (plaintext.size() >= 4)
        QVERIFY(!envelope.ciphertext.contains(plaintext));
    // nonce || ciphertext || tag, for the value and for the 32-byte DEK
    QCOMPARE(envelope.ciphertext.size(),
             qsizetype(crypto::aead::NonceBytes + crypto::aead::TagBytes) + plaintext.size());
    QCOMPARE(envelope.wrappedDek.size(),
             qsizetype(crypto::aead::NonceBytes + crypto::aead::TagBytes + crypto::aead::KeyBytes));

    const std::optional<SecureBytes> opened = vault::openEnvelope(root, envelope, BodyAad, DekAad);
    QVERIFY(opened.has_value());
    QCOMPARE(bytesOf(*opened), plaintext);
}

void TestEnvelope::freshKeyAndNonceEverySeal()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    QSet<QByteArray> ciphertexts;
    QSet<QByteArray> wrapped;
    for (int i = 0; i < 8; ++i) {
        const Envelope e = vault::sealEnvelope(root, "same value", BodyAad, DekAad);
        ciphertexts.insert(e.ciphertext);
        wrapped.insert(e.wrappedDek);
    }
    QCOMPARE(ciphertexts.size(), 8);
    QCOMPARE(wrapped.size(), 8);

    // The DEK is not the root key: the value does not open under the root key directly.
    const Envelope e = vault::sealEnvelope(root, "same value", BodyAad, DekAad);
    QVERIFY(!crypto::aead::open(root, e.ciphertext, BodyAad).has_value());
    const std::optional<SecureBytes> dek = crypto::aead::open(root, e.wrappedDek, DekAad);
    QVERIFY(dek.has_value());
    QCOMPARE(dek->size(), crypto::aead::KeyBytes);
    QVERIFY(!dek->equals(root));
    const std::optional<SecureBytes> value = crypto::aead::open(*dek, e.ciphertext, BodyAad);
    QVERIFY(value.has_value());
    QCOMPARE(bytesOf(*value), QByteArray("same value"));
}

void TestEnvelope::wrongRootKey()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const SecureBytes other = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope e = vault::sealEnvelope(root, "value", BodyAad, DekAad);
    QVERIFY(!vault::openEnvelope(other, e, BodyAad, DekAad).has_value());
    QVERIFY(!vault::openEnvelope(SecureBytes(crypto::aead::KeyBytes), e, BodyAad, DekAad));
}

void TestEnvelope::wrongBodyAad()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope e = vault::sealEnvelope(root, "value", BodyAad, DekAad);
    QVERIFY(!vault::openEnvelope(root, e, "default|db/password|2", DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, e, "other|db/password|1", DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, e, "default|db/passwor|1", DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, e, QByteArray(), DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, e, BodyAad + '\0', DekAad).has_value());
    QVERIFY(vault::openEnvelope(root, e, BodyAad, DekAad).has_value());
}

void TestEnvelope::wrongDekAad()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope e = vault::sealEnvelope(root, "value", BodyAad, DekAad);
    QVERIFY(!vault::openEnvelope(root, e, BodyAad, "secret_versions|sec_b|1|1").has_value());
    QVERIFY(!vault::openEnvelope(root, e, BodyAad, "secret_versions|sec_a|2|1").has_value());
    QVERIFY(!vault::openEnvelope(root, e, BodyAad, "secret_versions|sec_a|1|2").has_value());
    QVERIFY(!vault::openEnvelope(root, e, BodyAad, QByteArray()).has_value());
    // The two AADs are not interchangeable.
    QVERIFY(!vault::openEnvelope(root, e, DekAad, BodyAad).has_value());
}

void TestEnvelope::swappedWrappedDek()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const QByteArray otherBody = "default|api/key|1";
    const QByteArray otherDek = "secret_versions|sec_b|1|1";
    const Envelope a = vault::sealEnvelope(root, "value a", BodyAad, DekAad);
    const Envelope b = vault::sealEnvelope(root, "value b", otherBody, otherDek);

    // a's ciphertext with b's wrapped DEK, opened as a or as b: neither opens.
    const Envelope mixed{a.ciphertext, b.wrappedDek};
    QVERIFY(!vault::openEnvelope(root, mixed, BodyAad, DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, mixed, otherBody, otherDek).has_value());
    QVERIFY(!vault::openEnvelope(root, mixed, BodyAad, otherDek).has_value());

    // Even when both envelopes carry the same AADs, a DEK belongs to its own ciphertext.
    const Envelope c = vault::sealEnvelope(root, "value c", BodyAad, DekAad);
    QVERIFY(!vault::openEnvelope(root, {a.ciphertext, c.wrappedDek}, BodyAad, DekAad).has_value());
    QVERIFY(!vault::openEnvelope(root, {c.ciphertext, a.wrappedDek}, BodyAad, DekAad).has_value());
}

void TestEnvelope::swappedCiphertext()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope a = vault::sealEnvelope(root, "value a", BodyAad, DekAad);
    const Envelope b =
        vault::sealEnvelope(root, "value b", "default|api/key|1", "secret_versions|sec_b|1|1");
    QVERIFY(!vault::openEnvelope(root, {b.ciphertext, a.wrappedDek}, BodyAad, DekAad).has_value());
}

void TestEnvelope::truncated_data()
{
    QTest::addColumn<bool>("inCiphertext");
    QTest::addColumn<int>("keep"); // bytes kept; negative: all but that many
    QTest::newRow("ciphertext minus last byte") << true << -1;
    QTest::newRow("ciphertext minus tag") << true << -16;
    QTest::newRow("ciphertext nonce only") << true << 24;
    QTest::newRow("ciphertext shorter than nonce") << true << 10;
    QTest::newRow("ciphertext empty") << true << 0;
    QTest::newRow("wrapped dek minus last byte") << false << -1;
    QTest::newRow("wrapped dek nonce and tag only") << false << 40;
    QTest::newRow("wrapped dek empty") << false << 0;
}

void TestEnvelope::truncated()
{
    QFETCH(bool, inCiphertext);
    QFETCH(int, keep);
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    Envelope e = vault::sealEnvelope(root, "a value of some length", BodyAad, DekAad);
    QByteArray &part = inCiphertext ? e.ciphertext : e.wrappedDek;
    part.truncate(keep < 0 ? part.size() + keep : keep);
    QVERIFY(!vault::openEnvelope(root, e, BodyAad, DekAad).has_value());
}

void TestEnvelope::everyFlippedByteRefused()
{
    const SecureBytes root = SecureBytes::random(crypto::aead::KeyBytes);
    const Envelope e = vault::sealEnvelope(root, "value", BodyAad, DekAad);
    for (qsizetype i = 0; i < e.ciphertext.size(); ++i)
        QVERIFY2(
            !vault::openEnvelope(root, {flipped(e.ciphertext, i), e.wrappedDek}, BodyAad, DekAad),
            qPrintable(QStringLiteral("ciphertext byte %1").arg(i)));
    for (qsizetype i = 0; i < e.wrappedDek.size(); ++i)
        QVERIFY2(
            !vault::openEnvelope(root, {e.ciphertext, flipped(e.wrappedDek, i)}, BodyAad, DekAad),
            qPrintable(QStringLiteral("wrapped DEK byte %1").arg(i)));
    // Appended bytes are refused too.
    QVERIFY(!vault::openEnvelope(root, {e.ciphertext + '\0', e.wrappedDek}, BodyAad, DekAad));
    QVERIFY(!vault::openEnvelope(root, {e.ciphertext, e.wrappedDek + '\0'}, BodyAad, DekAad));
}

// The AADs SecretService builds differ whenever the place differs.
void TestEnvelope::aadsNameTheRow()
{
    using vault::SecretService;
    const QString ns = QStringLiteral("default");
    const QString path = QStringLiteral("db/password");
    const QSet<QByteArray> bodies = {
        SecretService::bodyAad(ns, path, 1),
        SecretService::bodyAad(ns, path, 2),
        SecretService::bodyAad(QStringLiteral("team"), path, 1),
        SecretService::bodyAad(ns, QStringLiteral("db/password2"), 1),
        SecretService::bodyAad(ns, QStringLiteral("db"), 1),
        SecretService::bodyAad(ns, path, 11),
    };
    QCOMPARE(bodies.size(), 6);
    const QSet<QByteArray> deks = {
        SecretService::dekAad(QStringLiteral("sec_a"), 1, 1),
        SecretService::dekAad(QStringLiteral("sec_b"), 1, 1),
        SecretService::dekAad(QStringLiteral("sec_a"), 2, 1),
        SecretService::dekAad(QStringLiteral("sec_a"), 1, 2),
        SecretService::dekAad(QStringLiteral("sec_a"), 11, 1),
        SecretService::dekAad(QStringLiteral("sec_a1"), 1, 1),
    };
    QCOMPARE(deks.size(), 6);
    QVERIFY(!bodies.intersects(deks));

    // Their exact bytes, which every stored ciphertext is bound to: a change here would make
    // existing secrets fail their integrity check.
    QCOMPARE(SecretService::bodyAad(ns, path, 1), BodyAad);
    QCOMPARE(SecretService::dekAad(QStringLiteral("sec_a"), 1, 1), DekAad);
    QCOMPARE(SecretService::bodyAad(QStringLiteral("équipe"), QStringLiteral("clé/ü"), 1234567),
             QByteArray("\xc3\xa9quipe|cl\xc3\xa9/\xc3\xbc|1234567"));
    QCOMPARE(SecretService::dekAad(QStringLiteral("sec_9"), 2147483647, -3),
             QByteArray("secret_versions|sec_9|2147483647|-3"));
}

QTEST_GUILESS_MAIN(TestEnvelope)
#include "tst_envelope.moc"
