#pragma once

#include "access/PolicyCheck.h"
#include "access/ProjectTokens.h"
#include "crypto/SecureBytes.h"
#include "store/SecretRepository.h"

#include <QString>
#include <map>
#include <optional>

namespace cortex::vault {
class SecretService;
}

namespace cortex::access {

// What a project token may read right now, shared by GET /project/secrets and
// GET /project/config. A key path counts only while it is in the token's scope, still approved,
// its secret still exists in the project's namespace, the project still holds a grant for it and
// the policies of the token's agent allow it (all re-checked on every request). Call inside the
// request's transaction, after authorize().
class ProjectEnvironment
{
public:
    // `rows`: where values() reads the project's grants and the policies (ProjectTokens::rows()).
    ProjectEnvironment(store::Database &db, vault::SecretService &secrets,
                       const ProjectTokens::Authorized &auth, AccessRows &rows)
        : m_db(db), m_secrets(secrets), m_auth(auth), m_rows(rows)
    {}

    // The env vars (token's ENV name -> decrypted value) of the KEY_VALUE secrets. Throws
    // ApiError 401 access_denied, with no partial result, when one of them is a honey token.
    std::map<QString, crypto::SecureBytes> values();

    // The in-scope, approved, granted secret of `secretType` at keyPath; nullopt otherwise.
    std::optional<store::SecretRow> find(const QString &keyPath, QStringView secretType);

    // Throws HoneyTokenTouched (a generic 401 access_denied to the client): the request gate
    // raises the alarm and revokes this project's tokens.
    [[noreturn]] void denyHoneyToken(const store::SecretRow &secret) const;

private:
    // Loaded once per request, so a policy added after approval applies to the very next one.
    const PolicyCheck &policies();

    store::Database &m_db;
    vault::SecretService &m_secrets;
    const ProjectTokens::Authorized &m_auth;
    AccessRows &m_rows;
    std::optional<PolicyCheck> m_policies;
};

} // namespace cortex::access
