#include "api/SecretJson.h"

namespace cortex::api {

QJsonObject secretMetadataJson(const store::SecretRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("key_path"), row.keyPath},
            {QStringLiteral("secret_type"), row.secretType},
            {QStringLiteral("description"), row.description},
            {QStringLiteral("namespace"), row.ns},
            {QStringLiteral("is_honey_token"), row.isHoneyToken},
            {QStringLiteral("version"), row.currentVersion},
            {QStringLiteral("created_at"), row.createdAt},
            {QStringLiteral("updated_at"), row.updatedAt}};
}

} // namespace cortex::api
