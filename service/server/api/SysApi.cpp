// Seal state: status, unseal (password or one share at a time), seal, health.
#include "access/RequestThrottle.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/PasswordWork.h"
#include "api/Routes.h"
#include "api/SealStatus.h"
#include "audit/AuditLog.h"
#include "http/Router.h"
#include "store/Database.h"
#include "vault/PasswordSlots.h"
#include "vault/ShareUnseal.h"
#include "vault/Vault.h"

#include <QLoggingCategory>
#include <memory>
#include <optional>

Q_LOGGING_CATEGORY(lcSys, "cortex.sys")

namespace cortex::api {

namespace {

constexpr const char *UnsealAction = "unseal";

HttpResponse finishPasswordUnseal(ApiContext &ctx, HttpRequest &request,
                                  const vault::PasswordSlots &seen,
                                  std::optional<vault::OpenedSlot> opened)
{
    switch (ctx.vault.finishPasswordUnseal(seen, std::move(opened))) {
    case vault::Vault::UnsealResult::NotInitialized:
        throw ApiError::badRequest(QStringLiteral("not_initialized"),
                                   QStringLiteral("the vault has not been initialized"));
    case vault::Vault::UnsealResult::WrongPassword:
        ctx.throttle.recordWrongPassword(request);
        qCWarning(lcSys).noquote() << request.requestId << "unseal refused: wrong password from"
                                   << request.peer.toString();
        throw ApiError::unauthorized(QStringLiteral("invalid_password"),
                                     QStringLiteral("unseal failed"));
    case vault::Vault::UnsealResult::Unsealed:
        qCInfo(lcSys).noquote() << request.requestId << "vault unsealed with a password";
        request.notes.detail.insert(QStringLiteral("method"), QStringLiteral("password"));
        break;
    case vault::Vault::UnsealResult::AlreadyUnsealed: // by someone else meanwhile
        break;
    }
    return HttpResponse::json(200, sealStatus(ctx));
}

// The Argon2id derivations run off the server's thread (api/PasswordWork), as a password
// change's do: with the `sensitive` profile one takes seconds, and /health, /sys/seal-status
// and share unseals are answered meanwhile.
HttpResponse unsealWithPassword(ApiContext &ctx, HttpRequest &request, const JsonReader &body)
{
    auto password = std::make_shared<crypto::SecureBytes>(body.requireSecretString(u"password"));
    if (password->isEmpty())
        throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                   QStringLiteral("password must not be empty"));
    if (!ctx.vault.isSealed())
        return HttpResponse::json(200, sealStatus(ctx)); // nothing is derived
    std::optional<vault::PasswordSlots> slots = ctx.vault.passwordSlots();
    if (!slots)
        throw ApiError::badRequest(QStringLiteral("not_initialized"),
                                   QStringLiteral("the vault has not been initialized"));
    ctx.throttle.admitPasswordAttempt(request);
    crypto::wipe(request.body); // the request is kept until the derivation is done
    auto seen = std::make_shared<const vault::PasswordSlots>(std::move(*slots));
    auto opened = std::make_shared<std::optional<vault::OpenedSlot>>();
    return ctx.passwordWork.run(
        request, UnsealAction,
        [seen, password, opened] {
            *opened = vault::openPasswordSlot(*seen, password->view());
            password->clear();
        },
        [&ctx, seen, opened](HttpRequest &r) {
            return finishPasswordUnseal(ctx, r, *seen, std::move(*opened));
        });
}

void unsealWithShare(ApiContext &ctx, HttpRequest &request, const JsonReader &body)
{
    if (!ctx.vault.isInitialized())
        throw ApiError::badRequest(QStringLiteral("not_initialized"),
                                   QStringLiteral("the vault has not been initialized"));
    const crypto::SecureBytes text = body.requireSecretString(u"share");
    const QString nonce = body.optionalString(u"nonce").value_or(QString());
    if (!ctx.vault.isSealed())
        return;
    try {
        shares::Share share = vault::parseShareOrThrow(text);
        const int index = share.index;
        if (ctx.shareUnseal.submit(std::move(share), nonce, &request)) {
            // The recovery_boot alarm row stands for this request.
            request.notes.audited = true;
            qCWarning(lcSys).noquote()
                << request.requestId << "vault unsealed with shares (recovery boot)";
        } else {
            qCInfo(lcSys).noquote() << request.requestId << "unseal share" << index
                                    << "accepted from" << request.peer.toString();
        }
    } catch (const ApiError &refusal) {
        qCWarning(lcSys).noquote() << request.requestId << "unseal share refused (" << refusal.code
                                   << ") from" << request.peer.toString();
        throw;
    }
}

} // namespace

void registerSysRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};

    router.add("GET", QStringLiteral("/sys/seal-status"), open,
               [&ctx](HttpRequest &) { return HttpResponse::json(200, sealStatus(ctx)); });

    // {password} | {share, nonce?} | {reset: true}. Audited once unsealed; a refused attempt
    // while sealed has no key to write a row with, so it goes to the server log.
    router.add("POST", QStringLiteral("/sys/unseal"), audited(open, UnsealAction),
               [&ctx](HttpRequest &request) {
                   const JsonReader body = JsonReader::parse(request.body, {u"password", u"share"});
                   body.rejectUnknownFields({u"password", u"share", u"nonce", u"reset"});
                   const bool reset = body.optionalBool(u"reset").value_or(false);
                   const bool hasPassword = body.object().contains(u"password");
                   const bool hasShare = body.object().contains(u"share");
                   if (hasPassword && hasShare)
                       throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                                  QStringLiteral("give a password or a share, "
                                                                 "not both"));
                   if (reset) {
                       if (hasPassword || hasShare)
                           throw ApiError::badRequest(
                               QStringLiteral("invalid_field"),
                               QStringLiteral("reset discards the progress; give it alone"));
                       ctx.shareUnseal.reset();
                       request.notes.detail.insert(QStringLiteral("reset"), true);
                       return HttpResponse::json(200, sealStatus(ctx));
                   }
                   if (!hasShare)
                       return unsealWithPassword(ctx, request, body);
                   unsealWithShare(ctx, request, body);
                   return HttpResponse::json(200, sealStatus(ctx));
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
                   return HttpResponse::json(200, sealStatus(ctx));
               });

    router.add("GET", QStringLiteral("/health"), open, [&ctx](HttpRequest &) {
        QJsonObject status = sealStatus(ctx);
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
