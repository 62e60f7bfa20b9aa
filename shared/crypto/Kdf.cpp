#include "crypto/Kdf.h"

#include "crypto/Bytes_p.h"
#include "crypto/Random.h"
#include "crypto/Sodium.h"

#include <sodium.h>

namespace cortex::crypto {

namespace {

// The argon2id-specific constants rather than the crypto_pwhash_* defaults: the stored
// algorithm name pins Argon2id v1.3, whatever libsodium's default becomes later. (In 1.0.18
// the two sets are identical.)
constexpr auto SaltSize = static_cast<qsizetype>(crypto_pwhash_argon2id_SALTBYTES);

QString argon2idName()
{
    return QStringLiteral("argon2id13");
}

} // namespace

std::optional<KdfProfile> parseKdfProfile(const QString &name)
{
    if (name == u"interactive")
        return KdfProfile::Interactive;
    if (name == u"moderate")
        return KdfProfile::Moderate;
    if (name == u"sensitive")
        return KdfProfile::Sensitive;
    return std::nullopt;
}

QString kdfProfileName(KdfProfile profile)
{
    switch (profile) {
    case KdfProfile::Interactive:
        return QStringLiteral("interactive");
    case KdfProfile::Moderate:
        return QStringLiteral("moderate");
    case KdfProfile::Sensitive:
        return QStringLiteral("sensitive");
    }
    Q_UNREACHABLE();
}

KdfParams KdfParams::forProfile(KdfProfile profile)
{
    ensureSodium();
    KdfParams params;
    params.algorithm = argon2idName();
    params.salt = randomBytes(crypto_pwhash_argon2id_SALTBYTES);
    switch (profile) {
    case KdfProfile::Interactive:
        params.opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        params.memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
        break;
    case KdfProfile::Moderate:
        params.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
        params.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
        break;
    case KdfProfile::Sensitive:
        params.opslimit = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
        params.memlimit = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
        break;
    }
    return params;
}

bool KdfParams::isValid() const
{
    // Stored parameters come from disk: check them all before they reach crypto_pwhash.
    return algorithm == argon2idName() && salt.size() == SaltSize &&
           opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
           opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
           memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
           memlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX;
}

SecureBytes deriveKey(QByteArrayView password, const KdfParams &params, std::size_t outLen)
{
    ensureSodium();
    if (!params.isValid() || outLen < crypto_pwhash_argon2id_BYTES_MIN ||
        outLen > crypto_pwhash_argon2id_BYTES_MAX ||
        static_cast<std::size_t>(password.size()) > crypto_pwhash_argon2id_PASSWD_MAX)
        return {};
    SecureBytes key(outLen);
    if (crypto_pwhash(key.data(), key.size(), password.data() ? password.data() : "",
                      detail::ullSize(password), detail::bytes(params.salt), params.opslimit,
                      static_cast<std::size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return {}; // out of memory; the key buffer is zeroised as it goes
    return key;
}

} // namespace cortex::crypto
