#include "api/SealStatus.h"

#include "api/ApiContext.h"
#include "vault/ShareUnseal.h"
#include "vault/Vault.h"

#include <QJsonArray>

namespace cortex::api {

QJsonObject sealStatus(ApiContext &ctx)
{
    QJsonObject status = ctx.shareUnseal.status();
    const bool initialized = ctx.vault.isInitialized();
    QJsonArray methods;
    if (initialized && ctx.vault.passwordSlotCount() > 0)
        methods.append(QStringLiteral("password"));
    if (status.contains(u"share_key_id"))
        methods.append(QStringLiteral("shares"));
    status.insert(QStringLiteral("initialized"), initialized);
    status.insert(QStringLiteral("sealed"), ctx.vault.isSealed());
    status.insert(QStringLiteral("unseal_methods"), methods);
    status.insert(QStringLiteral("version"), QStringLiteral(CORTEX_VERSION));
    return status;
}

} // namespace cortex::api
