#pragma once

namespace cortex {
class Clock;
}
namespace cortex::store {
class Database;
}
namespace cortex::vault {
class Vault;
class SecretService;
} // namespace cortex::vault

namespace cortex::api {

class AdminAuth;

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
