// POST /sys/init: creates the vault of a server that started on an empty data dir with no
// password to hand, with a password keyslot, a share set, or both. Once.
#include "Clock.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "api/SealStatus.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "vault/Vault.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSysInit, "cortex.sys")

namespace cortex::api {

void registerSysInitRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};
    // Not audited: the vault it creates is sealed, so there is no key to write a row with.
    router.add("POST", QStringLiteral("/sys/init"), open, [&ctx](HttpRequest &request) {
        const JsonReader body = JsonReader::parse(request.body, {u"password"});
        body.rejectUnknownFields({u"secret_shares", u"secret_threshold", u"password"});
        if (ctx.vault.isInitialized())
            throw ApiError::conflict(QStringLiteral("already_initialized"),
                                     QStringLiteral("the vault is already initialized"));
        const std::optional<qint64> count = body.optionalInt(u"secret_shares");
        const std::optional<qint64> threshold = body.optionalInt(u"secret_threshold");
        if (count.has_value() != threshold.has_value())
            throw ApiError::badRequest(QStringLiteral("missing_field"),
                                       QStringLiteral("secret_shares and secret_threshold go "
                                                      "together"));
        if (threshold)
            vault::requireShareSetBounds(*threshold, *count);
        crypto::SecureBytes password;
        if (body.object().contains(u"password")) {
            password = body.requireSecretString(u"password");
            if (qsizetype(password.size()) < vault::MinPasswordBytes)
                throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                           QStringLiteral("password must be at least %1 bytes")
                                               .arg(vault::MinPasswordBytes));
        }
        if (password.isEmpty() && !threshold)
            throw ApiError::badRequest(QStringLiteral("missing_field"),
                                       QStringLiteral("give secret_shares and secret_threshold, "
                                                      "a password, or both"));

        const std::optional<QByteArray> presetHash = ctx.adminAuth.takePresetTokenHash();
        const QByteArray adminToken = presetHash ? QByteArray() : AdminAuth::generateToken();
        std::optional<vault::NewShareSet> set;
        try {
            store::Transaction tx(ctx.db);
            set = ctx.vault.initialize(password.view(), ctx.kdfProfile,
                                       threshold ? int(*threshold) : 0, count ? int(*count) : 0);
            ctx.adminAuth.setTokenHash(presetHash ? *presetHash : AdminAuth::tokenHash(adminToken),
                                       store::timestamp(ctx.clock.now()));
            tx.commit();
        } catch (...) {
            if (presetHash)
                ctx.adminAuth.presetTokenHash(*presetHash);
            throw;
        }
        qCInfo(lcSysInit).noquote() << request.requestId << "vault initialized through /sys/init"
                                    << (set ? QStringLiteral("with a %1-of-%2 share set")
                                                  .arg(set->info.threshold)
                                                  .arg(set->info.shareCount)
                                            : QStringLiteral("with a password"))
                                    << "from" << request.peer.toString();
        QJsonObject out = set ? set->toJson() : QJsonObject();
        if (presetHash) {
            out.insert(QStringLiteral("admin_token_source"), QStringLiteral("ADMIN_TOKEN"));
        } else {
            out.insert(QStringLiteral("admin_token"), QString::fromLatin1(adminToken));
            out.insert(QStringLiteral("admin_token_source"), QStringLiteral("generated"));
        }
        const QJsonObject status = sealStatus(ctx);
        for (auto it = status.begin(); it != status.end(); ++it)
            if (!out.contains(it.key()))
                out.insert(it.key(), it.value());
        return HttpResponse::json(200, out);
    });
}

} // namespace cortex::api
