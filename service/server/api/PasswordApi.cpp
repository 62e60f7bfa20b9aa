// POST /sys/change-password: re-wraps the password keyslot only (secrets untouched).
#include "access/RequestThrottle.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "vault/Vault.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPassword, "cortex.sys")

namespace cortex::api {

void registerPasswordRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};
    // With current_password it works sealed or unsealed and replaces the slot that password
    // opens; without it the vault must be unsealed and the caller an admin, and every password
    // slot is replaced.
    router.add(
        "POST", QStringLiteral("/sys/change-password"), audited(open, "change_password"),
        [&ctx](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields({u"current_password", u"new_password"});
            const crypto::SecureBytes replacement = body.requireSecretString(u"new_password");
            if (qsizetype(replacement.size()) < vault::MinPasswordBytes)
                throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                           QStringLiteral("new_password must be at least "
                                                          "%1 bytes")
                                               .arg(vault::MinPasswordBytes));
            if (body.object().contains(u"current_password")) {
                const crypto::SecureBytes current = body.requireSecretString(u"current_password");
                ctx.throttle.admitPasswordAttempt(request);
                if (!ctx.vault.changePassword(current.view(), replacement.view(), ctx.kdfProfile)) {
                    ctx.throttle.recordWrongPassword(request);
                    qCWarning(lcPassword).noquote()
                        << request.requestId << "password change refused: wrong password from"
                        << request.peer.toString();
                    throw ApiError::unauthorized(QStringLiteral("invalid_password"),
                                                 QStringLiteral("the current password is "
                                                                "wrong"));
                }
                request.notes.detail.insert(QStringLiteral("method"),
                                            QStringLiteral("current_password"));
            } else {
                if (ctx.vault.isSealed())
                    throw ApiError::badRequest(QStringLiteral("missing_field"),
                                               QStringLiteral("the vault is sealed: give "
                                                              "current_password"));
                ctx.adminAuth.require(request);
                request.notes.actorType = QStringLiteral("admin");
                request.notes.actor = QStringLiteral("admin");
                ctx.vault.replacePasswords(replacement.view(), ctx.kdfProfile);
                request.notes.detail.insert(QStringLiteral("method"), QStringLiteral("admin"));
            }
            qCInfo(lcPassword).noquote() << request.requestId << "unseal password changed";
            return HttpResponse::json(
                200, {{QStringLiteral("changed"), true},
                      {QStringLiteral("password_keyslots"), ctx.vault.passwordSlotCount()}});
        });
}

} // namespace cortex::api
