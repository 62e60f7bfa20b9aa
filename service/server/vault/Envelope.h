#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <optional>

namespace cortex::vault {

// Envelope encryption: a fresh random DEK encrypts the value (AAD = bodyAad) and the root KEK
// wraps the DEK (AAD = dekAad). Both AADs name the row the ciphertext belongs to, so a
// ciphertext or wrapped DEK copied to another row, version or table does not open.
struct Envelope
{
    QByteArray ciphertext;
    QByteArray wrappedDek;
};

Envelope sealEnvelope(const crypto::SecureBytes &rootKey, QByteArrayView plaintext,
                      QByteArrayView bodyAad, QByteArrayView dekAad);
std::optional<crypto::SecureBytes> openEnvelope(const crypto::SecureBytes &rootKey,
                                                const Envelope &envelope, QByteArrayView bodyAad,
                                                QByteArrayView dekAad);

} // namespace cortex::vault
