#include "access/ProjectEnvironment.h"

#include "access/HoneyTokenAlarm.h"

#include "access/PolicyCheck.h"
#include "protocol/ApiError.h"
#include "store/GrantRepository.h"
#include "vault/SecretService.h"

#include <unordered_map>

namespace cortex::access {

using protocol::ApiError;

const PolicyCheck &ProjectEnvironment::policies()
{
    // The subject is the agent the token belongs to, as at discover (reference §18 item 21).
    if (!m_policies)
        m_policies.emplace(m_rows.policies(), m_auth.token.agentId);
    return *m_policies;
}

std::optional<store::SecretRow> ProjectEnvironment::find(const QString &keyPath,
                                                         QStringView secretType)
{
    if (!m_auth.approvedKeys.contains(keyPath))
        return std::nullopt;
    bool inScope = false;
    const QJsonObject &mapped = m_auth.token.mappedKeys;
    for (auto it = mapped.begin(); it != mapped.end() && !inScope; ++it)
        inScope = it.value().toString() == keyPath;
    if (!inScope)
        return std::nullopt;
    if (!policies().allows(keyPath))
        return std::nullopt;
    auto secret = store::SecretRepository(m_db).findByPath(m_auth.project.ns, keyPath);
    if (!secret || secret->secretType != secretType)
        return std::nullopt;
    if (!store::GrantRepository(m_db).findForSecret(m_auth.project.projectName, secret->id))
        return std::nullopt;
    return secret;
}

std::map<QString, crypto::SecureBytes> ProjectEnvironment::values()
{
    // The project's grants with their secrets and current envelopes in one query (not one per
    // key): this runs on every fetch. Keyed by key_path, in the project's namespace.
    std::unordered_map<QString, store::SecretRepository::Stored> granted;
    for (store::SecretRepository::Granted &g : m_rows.granted(m_auth.project.projectName))
        if (g.stored.meta.ns == m_auth.project.ns)
            granted.insert_or_assign(g.stored.meta.keyPath, std::move(g.stored));

    struct NotDeliverable
    {
    };
    std::map<QString, crypto::SecureBytes> env;
    const QJsonObject &mapped = m_auth.token.mappedKeys;
    for (auto it = mapped.begin(); it != mapped.end(); ++it) {
        const QString keyPath = it.value().toString();
        const auto found = granted.find(keyPath);
        if (found == granted.end() || !m_auth.approvedKeys.contains(keyPath) ||
            !policies().allows(keyPath))
            continue;
        try {
            // The type and honey checks run on the metadata, before anything is decrypted.
            vault::SecretService::Revealed revealed =
                m_secrets.open(found->second, std::nullopt, [this](const store::SecretRow &meta) {
                    if (meta.isHoneyToken) // before the type check: any decoy alarms
                        denyHoneyToken(meta);
                    if (meta.secretType != u"KEY_VALUE")
                        throw NotDeliverable{};
                });
            env.insert_or_assign(it.key(), std::move(revealed.value));
        } catch (const NotDeliverable &) {
            continue;
        }
    }
    return env;
}

void ProjectEnvironment::denyHoneyToken(const store::SecretRow &secret) const
{
    HoneyTokenTouched touched(secret.ns, secret.keyPath, secret.id);
    touched.agentId = m_auth.token.agentId;
    touched.project = m_auth.project.projectName;
    throw touched;
}

} // namespace cortex::access
