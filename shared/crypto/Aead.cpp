#include "crypto/Aead.h"

#include "crypto/Bytes_p.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto::aead {

using detail::bytes;
using detail::ullSize;

static_assert(KeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(NonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(TagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

namespace {

constexpr auto NonceSize = static_cast<qsizetype>(NonceBytes);
constexpr auto TagSize = static_cast<qsizetype>(TagBytes);

// Encrypts into out, which must have room for plaintext.size() + TagBytes.
void encryptInto(unsigned char *out, const SecureBytes &key, QByteArrayView nonce,
                 QByteArrayView plaintext, QByteArrayView aad)
{
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out, &written, bytes(plaintext), ullSize(plaintext),
                                               bytes(aad), ullSize(aad), nullptr, bytes(nonce),
                                               key.data());
}

} // namespace

QByteArray seal(const SecureBytes &key, QByteArrayView plaintext, QByteArrayView aad)
{
    ensureSodium();
    if (key.size() != KeyBytes)
        return {};
    QByteArray out(NonceSize + plaintext.size() + TagSize, Qt::Uninitialized);
    // 192-bit nonces are large enough to draw at random for every message, which is the point
    // of using XChaCha rather than ChaCha20-Poly1305.
    randombytes_buf(out.data(), NonceBytes);
    encryptInto(bytes(out) + NonceSize, key, QByteArrayView(out).first(NonceSize), plaintext, aad);
    return out;
}

std::optional<SecureBytes> open(const SecureBytes &key, QByteArrayView sealed, QByteArrayView aad)
{
    if (sealed.size() < NonceSize + TagSize)
        return std::nullopt;
    return openWithNonce(key, sealed.first(NonceSize), sealed.sliced(NonceSize), aad);
}

QByteArray sealWithNonce(const SecureBytes &key, QByteArrayView nonce, QByteArrayView plaintext,
                         QByteArrayView aad)
{
    ensureSodium();
    if (key.size() != KeyBytes || nonce.size() != NonceSize)
        return {};
    QByteArray out(plaintext.size() + TagSize, Qt::Uninitialized);
    encryptInto(bytes(out), key, nonce, plaintext, aad);
    return out;
}

std::optional<SecureBytes> openWithNonce(const SecureBytes &key, QByteArrayView nonce,
                                         QByteArrayView ciphertextAndTag, QByteArrayView aad)
{
    ensureSodium();
    if (key.size() != KeyBytes || nonce.size() != NonceSize || ciphertextAndTag.size() < TagSize)
        return std::nullopt;
    // Decrypt straight into secure memory: the plaintext never touches an ordinary heap buffer.
    // libsodium checks the tag before writing any plaintext and zeroes the output on failure.
    SecureBytes plaintext(static_cast<std::size_t>(ciphertextAndTag.size() - TagSize));
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plaintext.data(), &written, nullptr, bytes(ciphertextAndTag), ullSize(ciphertextAndTag),
            bytes(aad), ullSize(aad), bytes(nonce), key.data()) != 0)
        return std::nullopt;
    return plaintext;
}

} // namespace cortex::crypto::aead
