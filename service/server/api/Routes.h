#pragma once

#include "http/Router.h"

namespace cortex::api {

struct ApiContext;

// Admin routes need X-Admin-Token and an unsealed vault.
inline constexpr http::RouteOptions AdminRoute{.allowedWhileSealed = false, .requiresAdmin = true};

// Each area registers its routes; one file per area.
void registerSysRoutes(http::Router &router, ApiContext &ctx);
void registerSecretRoutes(http::Router &router, ApiContext &ctx);
void registerNamespaceRoutes(http::Router &router, ApiContext &ctx);
void registerImportRoutes(http::Router &router, ApiContext &ctx);

inline void registerAllRoutes(http::Router &router, ApiContext &ctx)
{
    registerSysRoutes(router, ctx);
    registerSecretRoutes(router, ctx);
    registerNamespaceRoutes(router, ctx);
    registerImportRoutes(router, ctx);
}

} // namespace cortex::api
