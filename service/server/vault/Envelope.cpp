#include "vault/Envelope.h"

#include "crypto/Aead.h"

namespace cortex::vault {

Envelope sealEnvelope(const crypto::SecureBytes &rootKey, QByteArrayView plaintext,
                      QByteArrayView bodyAad, QByteArrayView dekAad)
{
    const crypto::SecureBytes dek = crypto::SecureBytes::random(crypto::aead::KeyBytes);
    Envelope envelope;
    envelope.ciphertext = crypto::aead::seal(dek, plaintext, bodyAad);
    envelope.wrappedDek = crypto::aead::seal(rootKey, dek.view(), dekAad);
    return envelope; // dek is zeroised as it goes out of scope
}

std::optional<crypto::SecureBytes> openEnvelope(const crypto::SecureBytes &rootKey,
                                                const Envelope &envelope, QByteArrayView bodyAad,
                                                QByteArrayView dekAad)
{
    const std::optional<crypto::SecureBytes> dek =
        crypto::aead::open(rootKey, envelope.wrappedDek, dekAad);
    if (!dek || dek->size() != crypto::aead::KeyBytes)
        return std::nullopt;
    return crypto::aead::open(*dek, envelope.ciphertext, bodyAad);
}

} // namespace cortex::vault
