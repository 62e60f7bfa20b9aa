#pragma once

#include "ServerFwd.h"

namespace cortex::api {

// What route handlers work with; owned by VaultServer, which outlives every request.
struct ApiContext
{
    store::Database &db;
    vault::Vault &vault;
    vault::SecretService &secrets;
    AdminAuth &adminAuth;
    const Clock &clock;
};

} // namespace cortex::api
