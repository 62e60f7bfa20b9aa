#pragma once

// Forward declarations of the service's main types, for headers that only pass them around.
namespace cortex {
class Clock;
class VaultServer;
} // namespace cortex
namespace cortex::store {
class Database;
}
namespace cortex::vault {
class Vault;
class SecretService;
} // namespace cortex::vault
namespace cortex::api {
class AdminAuth;
class PasswordWork;
struct ApiContext;
} // namespace cortex::api
namespace cortex::audit {
class AuditLog;
}
namespace cortex::notify {
class Notifier;
}
