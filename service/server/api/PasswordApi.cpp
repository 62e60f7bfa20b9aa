// POST /sys/change-password: re-wraps the password keyslot only (secrets untouched). The
// Argon2id work runs off the server's thread (api/PasswordWork): a password change does not
// hold up anyone else's requests.
#include "Clock.h"
#include "access/RequestThrottle.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/PasswordWork.h"
#include "api/Routes.h"
#include "crypto/SecureBytes.h"
#include "store/Timestamps.h"
#include "vault/PasswordSlots.h"
#include "vault/Vault.h"

#include <QLoggingCategory>
#include <memory>
#include <optional>

Q_LOGGING_CATEGORY(lcPassword, "cortex.sys")

namespace cortex::api {

namespace {

constexpr const char *ChangePasswordAction = "change_password";

HttpResponse finishChange(ApiContext &ctx, HttpRequest &request,
                          const vault::PasswordChange &change)
{
    if (!change.opened) {
        ctx.throttle.recordWrongPassword(request);
        qCWarning(lcPassword).noquote()
            << request.requestId << "password change refused: wrong password from"
            << request.peer.toString();
        throw ApiError::unauthorized(QStringLiteral("invalid_password"),
                                     QStringLiteral("the current password is wrong"));
    }
    if (!ctx.vault.installPasswordSlot(change))
        throw ApiError(409, QStringLiteral("keyslots_changed"),
                       QStringLiteral("the password keyslots changed while this change was "
                                      "being worked on; nothing was changed, try again"));
    request.notes.detail.insert(QStringLiteral("method"), change.byAdmin
                                                              ? QStringLiteral("admin")
                                                              : QStringLiteral("current_password"));
    qCInfo(lcPassword).noquote() << request.requestId << "unseal password changed";
    return HttpResponse::json(
        200, {{QStringLiteral("changed"), true},
              {QStringLiteral("password_keyslots"), ctx.vault.passwordSlotCount()}});
}

} // namespace

void registerPasswordRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};
    // With current_password it works sealed or unsealed and replaces the slot that password
    // opens; without it the vault must be unsealed and the caller an admin, and every password
    // slot is replaced.
    router.add("POST", QStringLiteral("/sys/change-password"), audited(open, ChangePasswordAction),
               [&ctx](HttpRequest &request) {
                   const JsonReader body =
                       JsonReader::parse(request.body, {u"new_password", u"current_password"});
                   body.rejectUnknownFields({u"current_password", u"new_password"});
                   auto change = std::make_shared<vault::PasswordChange>();
                   change->replacement = body.requireSecretString(u"new_password");
                   if (qsizetype(change->replacement.size()) < vault::MinPasswordBytes)
                       throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                                  QStringLiteral("new_password must be at least "
                                                                 "%1 bytes")
                                                      .arg(vault::MinPasswordBytes));
                   change->byAdmin = !body.object().contains(u"current_password");
                   if (!change->byAdmin) {
                       change->current = body.requireSecretString(u"current_password");
                       ctx.throttle.admitPasswordAttempt(request);
                   } else {
                       if (ctx.vault.isSealed())
                           throw ApiError::badRequest(QStringLiteral("missing_field"),
                                                      QStringLiteral("the vault is sealed: give "
                                                                     "current_password"));
                       ctx.adminAuth.require(request);
                       request.notes.actorType = QStringLiteral("admin");
                       request.notes.actor = QStringLiteral("admin");
                       change->root = crypto::SecureBytes::copyOf(ctx.vault.rootKey().view());
                   }
                   crypto::wipe(request.body); // the request is kept until the change is done
                   const std::optional<vault::PasswordSlots> slots = ctx.vault.passwordSlots();
                   if (!slots)
                       throw ApiError::badRequest(
                           QStringLiteral("not_initialized"),
                           QStringLiteral("the vault has not been initialized"));
                   change->seen = *slots;
                   change->profile = ctx.kdfProfile;
                   change->now = store::timestamp(ctx.clock.now());
                   return ctx.passwordWork.run(
                       request, ChangePasswordAction, [change] { change->derive(); },
                       [&ctx, change](HttpRequest &r) { return finishChange(ctx, r, *change); });
               });
}

} // namespace cortex::api
