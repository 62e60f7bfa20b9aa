#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace cortex::crypto {

// Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13). The parameters are stored next to the
// salt so that they can be raised later without breaking existing keyslots.
enum class KdfProfile { Interactive, Moderate, Sensitive };

std::optional<KdfProfile>
parseKdfProfile(const QString &name); // "interactive" | "moderate" | "sensitive"
QString kdfProfileName(KdfProfile profile);

struct KdfParams
{
    QString algorithm = QStringLiteral("argon2id13");
    QByteArray salt; // 16 bytes
    quint64 opslimit = 0;
    quint64 memlimit = 0; // bytes

    // Fresh random salt with the profile's libsodium limits.
    static KdfParams forProfile(KdfProfile profile);
    // True when the algorithm is known and the limits are within libsodium's bounds.
    bool isValid() const;

    friend bool operator==(const KdfParams &, const KdfParams &) = default;
};

// Derives outLen bytes from the password. Returns an empty SecureBytes when the parameters are
// invalid or the memory cannot be had.
SecureBytes deriveKey(QByteArrayView password, const KdfParams &params, std::size_t outLen = 32);

} // namespace cortex::crypto
