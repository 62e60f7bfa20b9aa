#pragma once

#include "crypto/Kdf.h"

#include "ServerFwd.h"

namespace cortex::access {
struct AccessSettings;
class AgentDiscovery;
class ProjectTokens;
class ServerKeys;
class RequestThrottle;
} // namespace cortex::access
namespace cortex::vault {
class ShareUnseal;
class Rekey;
} // namespace cortex::vault

namespace cortex::api {

// What route handlers work with; owned by VaultServer, which outlives every request.
struct ApiContext
{
    store::Database &db;
    vault::Vault &vault;
    vault::SecretService &secrets;
    AdminAuth &adminAuth;
    const Clock &clock;
    const access::AccessSettings &accessSettings;
    access::AgentDiscovery &discovery;
    access::ProjectTokens &projectTokens;
    access::ServerKeys &serverKeys;
    access::RequestThrottle &throttle;
    audit::AuditLog &audit;
    notify::Notifier &notifier;
    vault::ShareUnseal &shareUnseal;
    vault::Rekey &rekey;
    const crypto::KdfProfile &kdfProfile; // for keyslots made through the API
    PasswordWork &passwordWork;           // Argon2id off the server's thread
};

} // namespace cortex::api
