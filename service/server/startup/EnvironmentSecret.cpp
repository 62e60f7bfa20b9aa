#include "startup/EnvironmentSecret.h"

#include <QByteArrayView>
#include <QtGlobal>
#include <cstdlib>
#include <cstring>
#include <sodium.h>

namespace cortex::startup {

std::optional<crypto::SecureBytes> takeSecretFromEnvironment(const char *name)
{
    // getenv's pointer is into the block itself (Qt's qgetenv would hand out a copy).
    char *value = std::getenv(name);
    if (!value)
        return std::nullopt;
    const std::size_t length = std::strlen(value);
    crypto::SecureBytes secret =
        crypto::SecureBytes::copyOf(QByteArrayView(value, qsizetype(length)));
    sodium_memzero(value, length);
    qunsetenv(name);
    return secret;
}

} // namespace cortex::startup
