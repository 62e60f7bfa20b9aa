#pragma once

#include "crypto/SecureBytes.h"

#include <optional>

namespace cortex::startup {

// Takes a secret handed over in the environment (CORTEX_KEK_PASSWORD, ADMIN_TOKEN): copies it
// into locked memory, overwrites its bytes where the process keeps them and removes the
// variable. Removing alone would leave the value readable in /proc/PID/environ, which shows
// the environment block the process started with. Empty when the variable is not set.
std::optional<crypto::SecureBytes> takeSecretFromEnvironment(const char *name);

} // namespace cortex::startup
