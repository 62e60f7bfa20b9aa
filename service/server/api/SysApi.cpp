#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "audit/AuditLog.h"
#include "http/Router.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "store/Database.h"
#include "vault/Vault.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSys, "cortex.sys")

namespace cortex::api {

namespace {

QJsonObject sealStatus(vault::Vault &vault)
{
    return {{QStringLiteral("initialized"), vault.isInitialized()},
            {QStringLiteral("sealed"), vault.isSealed()},
            {QStringLiteral("progress"), 0},
            {QStringLiteral("threshold"), 1},
            {QStringLiteral("unseal_methods"), QJsonArray{QStringLiteral("password")}},
            {QStringLiteral("version"), QStringLiteral(CORTEX_VERSION)}};
}

} // namespace

void registerSysRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};

    router.add("GET", QStringLiteral("/sys/seal-status"), open,
               [&ctx](HttpRequest &) { return HttpResponse::json(200, sealStatus(ctx.vault)); });

    // Audited once unsealed; a refused attempt while sealed has no key to write a row with,
    // so it goes to the server log.
    router.add("POST", QStringLiteral("/sys/unseal"), audited(open, "unseal"),
               [&ctx](HttpRequest &request) {
                   const protocol::JsonReader body = protocol::JsonReader::parse(request.body);
                   body.rejectUnknownFields({u"password"});
                   const crypto::SecureBytes password = body.requireSecretString(u"password");
                   if (password.isEmpty())
                       throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                                  QStringLiteral("password must not be empty"));
                   switch (ctx.vault.unsealWithPassword(password.view())) {
                   case vault::Vault::UnsealResult::NotInitialized:
                       throw ApiError::badRequest(
                           QStringLiteral("not_initialized"),
                           QStringLiteral("the vault has not been initialized"));
                   case vault::Vault::UnsealResult::WrongPassword:
                       qCWarning(lcSys).noquote()
                           << request.requestId << "unseal refused: wrong password from"
                           << request.peer.toString();
                       throw ApiError::unauthorized(QStringLiteral("invalid_password"),
                                                    QStringLiteral("unseal failed"));
                   case vault::Vault::UnsealResult::Unsealed:
                       qCInfo(lcSys).noquote() << request.requestId << "vault unsealed";
                       break;
                   case vault::Vault::UnsealResult::AlreadyUnsealed:
                       break;
                   }
                   return HttpResponse::json(200, sealStatus(ctx.vault));
               });

    router.add("POST", QStringLiteral("/sys/seal"),
               audited({.allowedWhileSealed = true, .requiresAdmin = true}, "seal"),
               [&ctx](HttpRequest &request) {
                   if (!ctx.vault.isSealed()) {
                       // Written and signed while the keys are still here.
                       ctx.audit.record(audit::AuditEvent(QStringLiteral("seal")), &request);
                       request.notes.audited = true;
                       ctx.audit.checkpointNow();
                   }
                   ctx.vault.seal();
                   qCInfo(lcSys).noquote() << request.requestId << "vault sealed by admin";
                   return HttpResponse::json(200, sealStatus(ctx.vault));
               });

    router.add("GET", QStringLiteral("/health"), open, [&ctx](HttpRequest &) {
        QJsonObject status = sealStatus(ctx.vault);
        if (ctx.vault.isSealed()) {
            status.insert(QStringLiteral("error"), QStringLiteral("vault is sealed"));
            status.insert(QStringLiteral("error_code"), QStringLiteral("sealed"));
            return HttpResponse::json(503, status);
        }
        status.insert(QStringLiteral("status"), QStringLiteral("ok"));
        return HttpResponse::json(200, status);
    });
}

} // namespace cortex::api
