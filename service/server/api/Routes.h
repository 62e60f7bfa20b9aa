#pragma once

#include "http/Router.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"

namespace cortex::api {

// The names every route file uses.
using http::HttpRequest;
using http::HttpResponse;
using protocol::ApiError;
using protocol::JsonReader;

struct ApiContext;

// Admin routes need X-Admin-Token and an unsealed vault.
inline constexpr http::RouteOptions AdminRoute{.allowedWhileSealed = false, .requiresAdmin = true};
// Agent and project-token routes authenticate themselves but still need an unsealed vault.
inline constexpr http::RouteOptions UnsealedRoute{};

// The same, with the route's audit action: every request leaves one audit row.
constexpr http::RouteOptions audited(http::RouteOptions options, const char *action)
{
    options.auditAction = action;
    return options;
}

// Each area registers its routes; one file per area.
void registerSysRoutes(http::Router &router, ApiContext &ctx);
void registerSysInitRoutes(http::Router &router, ApiContext &ctx);
void registerRekeyRoutes(http::Router &router, ApiContext &ctx);
void registerPasswordRoutes(http::Router &router, ApiContext &ctx);
void registerSecretRoutes(http::Router &router, ApiContext &ctx);
void registerNamespaceRoutes(http::Router &router, ApiContext &ctx);
void registerImportRoutes(http::Router &router, ApiContext &ctx);
void registerAgentRoutes(http::Router &router, ApiContext &ctx);
void registerProjectRoutes(http::Router &router, ApiContext &ctx);
void registerPendingGrantRoutes(http::Router &router, ApiContext &ctx);
void registerDiscoverRoutes(http::Router &router, ApiContext &ctx);
void registerProjectSecretRoutes(http::Router &router, ApiContext &ctx);
void registerProjectConfigRoutes(http::Router &router, ApiContext &ctx);
void registerServerKeyRoutes(http::Router &router, ApiContext &ctx);
void registerPolicyRoutes(http::Router &router, ApiContext &ctx);
void registerAuditRoutes(http::Router &router, ApiContext &ctx);
void registerAlarmRoutes(http::Router &router, ApiContext &ctx);
void registerNotificationChannelRoutes(http::Router &router, ApiContext &ctx);
void registerEventRoutes(http::Router &router, ApiContext &ctx);
void registerRotateKeyRoutes(http::Router &router, ApiContext &ctx);

inline void registerAllRoutes(http::Router &router, ApiContext &ctx)
{
    registerSysRoutes(router, ctx);
    registerSysInitRoutes(router, ctx);
    registerRekeyRoutes(router, ctx);
    registerPasswordRoutes(router, ctx);
    registerSecretRoutes(router, ctx);
    registerNamespaceRoutes(router, ctx);
    registerImportRoutes(router, ctx);
    registerAgentRoutes(router, ctx);
    registerProjectRoutes(router, ctx);
    registerPendingGrantRoutes(router, ctx);
    registerDiscoverRoutes(router, ctx);
    registerProjectSecretRoutes(router, ctx);
    registerProjectConfigRoutes(router, ctx);
    registerServerKeyRoutes(router, ctx);
    registerPolicyRoutes(router, ctx);
    registerAuditRoutes(router, ctx);
    registerAlarmRoutes(router, ctx);
    registerNotificationChannelRoutes(router, ctx);
    registerEventRoutes(router, ctx);
    registerRotateKeyRoutes(router, ctx);
}

} // namespace cortex::api
