// /sys/rekey/*: a new share set from a quorum of the current one (vault::Rekey).
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "vault/Rekey.h"
#include "vault/ShareQuorum.h"
#include "vault/ShareSet.h"

namespace cortex::api {

namespace {

// The audit row says how far the rekey got and which sets are involved, never a share.
void noteOutcome(HttpRequest &request, const QJsonObject &result)
{
    for (const char *field : {"complete", "progress", "threshold", "secret_threshold",
                              "secret_shares", "key_id", "new_key_id", "verification_required"}) {
        const QString name = QString::fromLatin1(field);
        if (result.contains(name))
            request.notes.detail.insert(name, result.value(name));
    }
}

} // namespace

void registerRekeyRoutes(http::Router &router, ApiContext &ctx)
{
    const http::RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};

    router.add("POST", QStringLiteral("/sys/rekey/init"), audited(AdminRoute, "rekey_init"),
               [&ctx](HttpRequest &request) {
                   const JsonReader body = JsonReader::parse(request.body);
                   body.rejectUnknownFields(
                       {u"secret_shares", u"secret_threshold", u"require_verification"});
                   const qint64 count = body.requireInt(u"secret_shares");
                   const qint64 threshold = body.requireInt(u"secret_threshold");
                   vault::requireShareSetBounds(threshold, count); // before narrowing
                   const QJsonObject result =
                       ctx.rekey.begin(int(threshold), int(count),
                                       body.optionalBool(u"require_verification").value_or(false));
                   noteOutcome(request, result);
                   return HttpResponse::json(200, result);
               });

    router.add("GET", QStringLiteral("/sys/rekey/init"), open,
               [&ctx](HttpRequest &) { return HttpResponse::json(200, ctx.rekey.status()); });

    router.add("DELETE", QStringLiteral("/sys/rekey/init"), audited(AdminRoute, "rekey_cancel"),
               [&ctx](HttpRequest &) {
                   ctx.rekey.cancel();
                   return HttpResponse::json(200, ctx.rekey.status());
               });

    // Share holders are not admins: the nonce and their shares are what they bring.
    const auto shareRound = [&ctx](bool verification) {
        return [&ctx, verification](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body, {u"share"});
            body.rejectUnknownFields({u"nonce", u"share"});
            const QString nonce = body.requireString(u"nonce");
            shares::Share share = vault::parseShareOrThrow(body.requireSecretString(u"share"));
            request.notes.detail.insert(QStringLiteral("share_index"), int(share.index));
            const QJsonObject result = verification ? ctx.rekey.verify(nonce, std::move(share))
                                                    : ctx.rekey.update(nonce, std::move(share));
            noteOutcome(request, result);
            return HttpResponse::json(200, result);
        };
    };
    router.add("POST", QStringLiteral("/sys/rekey/update"), audited(UnsealedRoute, "rekey_update"),
               shareRound(false));
    router.add("POST", QStringLiteral("/sys/rekey/verify"), audited(UnsealedRoute, "rekey_verify"),
               shareRound(true));
}

} // namespace cortex::api
