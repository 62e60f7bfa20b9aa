// The server's signing keys: the public JWKS (no auth; public keys are stored in clear, so it
// answers while sealed too) and the operator's key rotation.

#include "Clock.h"
#include "access/ServerKeys.h"
#include "api/ApiContext.h"
#include "api/Routes.h"

namespace cortex::api {

void registerServerKeyRoutes(http::Router &router, ApiContext &ctx)
{
    constexpr http::RouteOptions Public{.allowedWhileSealed = true, .requiresAdmin = false};
    router.add("GET", QStringLiteral("/.well-known/jwks.json"), Public, [&ctx](HttpRequest &) {
        HttpResponse response = HttpResponse::json(200, ctx.serverKeys.jwks(ctx.clock.now()));
        // Verifiers may cache it for a while: a new key signs nothing before it is published.
        response.headers.append(
            {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=300")});
        return response;
    });

    router.add("POST", QStringLiteral("/admin/server-keys/rotate"),
               audited(AdminRoute, "rotate_server_key"), [&ctx](HttpRequest &) {
                   const access::ServerKeys::Rotated rotated = ctx.serverKeys.rotate();
                   return HttpResponse::json(
                       200, {{QStringLiteral("kid"), rotated.kid},
                             {QStringLiteral("previous_kid"), rotated.previousKid}});
               });
}

} // namespace cortex::api
