#pragma once

#include <QtGlobal>

namespace cortex::access {

// Tunables of agent access. Defaults follow issue 3; VaultServer passes them in, so tests and a
// future config file can change them without touching the logic.
struct AccessSettings
{
    qint64 clockSkewSeconds = 300;                   // |server time - ts| allowed at discover
    qint64 tokenTtlSeconds = 14 * 24 * 3600;         // project token lifetime
    qint64 approvalValiditySeconds = 30 * 24 * 3600; // how long an approval covers re-discovers
};

} // namespace cortex::access
