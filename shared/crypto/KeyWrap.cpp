#include "crypto/KeyWrap.h"

#include "crypto/Aead.h"
#include "crypto/Bytes_p.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto::keywrap {

using detail::bytes;

static_assert(PublicKeyBytes == crypto_scalarmult_BYTES);
static_assert(SecretKeyBytes == crypto_scalarmult_SCALARBYTES);

namespace {

constexpr char Label[] = "cortex-vault/keywrap/v1";

// Empty when the point is of low order (the shared secret would be all zeros).
SecureBytes wrappingKey(const SecureBytes &secretKey, QByteArrayView ephemeralPublic,
                        QByteArrayView recipientPublic, QByteArrayView peerPublic)
{
    SecureBytes shared(crypto_scalarmult_BYTES);
    if (crypto_scalarmult(shared.data(), secretKey.data(), bytes(peerPublic)) != 0)
        return {};
    SecureBytes key(aead::KeyBytes);
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, key.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(Label),
                              sizeof(Label) - 1);
    crypto_generichash_update(&state, shared.data(), shared.size());
    crypto_generichash_update(&state, bytes(ephemeralPublic), PublicKeyBytes);
    crypto_generichash_update(&state, bytes(recipientPublic), PublicKeyBytes);
    crypto_generichash_final(&state, key.data(), key.size());
    sodium_memzero(&state, sizeof state);
    return key;
}

} // namespace

QByteArray publicKeyOf(const SecureBytes &secretKey)
{
    ensureSodium();
    if (secretKey.size() != SecretKeyBytes)
        return {};
    QByteArray pub(qsizetype(PublicKeyBytes), Qt::Uninitialized);
    crypto_scalarmult_base(bytes(pub), secretKey.data());
    return pub;
}

QByteArray sealTo(QByteArrayView recipientPublicKey, QByteArrayView plaintext, QByteArrayView aad)
{
    ensureSodium();
    if (recipientPublicKey.size() != qsizetype(PublicKeyBytes))
        return {};
    const SecureBytes ephemeralSecret = SecureBytes::random(SecretKeyBytes);
    const QByteArray ephemeralPublic = publicKeyOf(ephemeralSecret);
    const SecureBytes key =
        wrappingKey(ephemeralSecret, ephemeralPublic, recipientPublicKey, recipientPublicKey);
    if (key.isEmpty())
        return {};
    return ephemeralPublic + aead::seal(key, plaintext, aad);
}

std::optional<SecureBytes> openWith(const SecureBytes &secretKey, QByteArrayView sealed,
                                    QByteArrayView aad)
{
    ensureSodium();
    if (secretKey.size() != SecretKeyBytes || sealed.size() < qsizetype(PublicKeyBytes))
        return std::nullopt;
    const QByteArrayView ephemeralPublic = sealed.first(qsizetype(PublicKeyBytes));
    const QByteArray recipientPublic = publicKeyOf(secretKey);
    const SecureBytes key =
        wrappingKey(secretKey, ephemeralPublic, recipientPublic, ephemeralPublic);
    if (key.isEmpty())
        return std::nullopt;
    return aead::open(key, sealed.sliced(qsizetype(PublicKeyBytes)), aad);
}

} // namespace cortex::crypto::keywrap
