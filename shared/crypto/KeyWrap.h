#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <optional>

namespace cortex::crypto::keywrap {

// Wraps a key to an X25519 public key, so that a keyslot can be re-wrapped (root-KEK rotation)
// by a server that does not hold the slot's secret (the operator's password, the officers'
// share key): only opening needs the secret.
//
// sealTo: a fresh ephemeral X25519 key pair; wrapping key = BLAKE2b-256 over
// "cortex-vault/keywrap/v1" || shared secret || ephemeral public || recipient public;
// output = ephemeral public (32) || XChaCha20-Poly1305(wrapping key, plaintext, aad).
inline constexpr std::size_t PublicKeyBytes = 32;
inline constexpr std::size_t SecretKeyBytes = 32;

// X25519 public key of a 32-byte secret (any 32 bytes: libsodium clamps the scalar).
// Empty when the secret has the wrong size.
QByteArray publicKeyOf(const SecureBytes &secretKey);

// Empty on a malformed or low-order public key.
QByteArray sealTo(QByteArrayView recipientPublicKey, QByteArrayView plaintext, QByteArrayView aad);

// nullopt when the secret, the AAD or any byte is wrong.
std::optional<SecureBytes> openWith(const SecureBytes &secretKey, QByteArrayView sealed,
                                    QByteArrayView aad);

} // namespace cortex::crypto::keywrap
