#pragma once

namespace cortex::http {
class Router;
}

namespace cortex::api {

struct ApiContext;

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
