#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <optional>

namespace cortex::crypto::aead {

// XChaCha20-Poly1305 (IETF) with associated data. The associated data binds a ciphertext to
// the place it belongs (a table row, a version): opening it anywhere else fails.
inline constexpr std::size_t KeyBytes = 32;
inline constexpr std::size_t NonceBytes = 24;
inline constexpr std::size_t TagBytes = 16;

// Random nonce; returns nonce || ciphertext || tag.
QByteArray seal(const SecureBytes &key, QByteArrayView plaintext, QByteArrayView aad);
// Opens nonce || ciphertext || tag; nullopt when the key, the AAD or any byte is wrong.
std::optional<SecureBytes> open(const SecureBytes &key, QByteArrayView sealed, QByteArrayView aad);

// Fixed-nonce forms for known-answer tests; they return/take ciphertext || tag.
QByteArray sealWithNonce(const SecureBytes &key, QByteArrayView nonce, QByteArrayView plaintext,
                         QByteArrayView aad);
std::optional<SecureBytes> openWithNonce(const SecureBytes &key, QByteArrayView nonce,
                                         QByteArrayView ciphertextAndTag, QByteArrayView aad);

} // namespace cortex::crypto::aead
