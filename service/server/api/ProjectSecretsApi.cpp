// GET /project/secrets/{project}: an agent host fetches its env vars with a project token.

#include "Clock.h"
#include "access/ProjectEnvironment.h"
#include "access/ProjectTokens.h"
#include "api/ApiContext.h"
#include "api/ProjectAuth.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "store/Database.h"

#include <QJsonArray>

namespace cortex::api {

void registerProjectSecretRoutes(http::Router &router, ApiContext &ctx)
{
    router.add(
        "GET", QStringLiteral("/project/secrets/{project}"), audited(UnsealedRoute, "get_secrets"),
        [&ctx](HttpRequest &request) {
            const QString project = request.param(QStringLiteral("project"));
            request.notes.resource = project;
            store::Transaction tx(ctx.db); // one consistent view of token, grants and secrets
            const access::ProjectTokens::Authorized auth =
                authorizeProjectRequest(ctx, request, project);

            // Scope, approval, grants and secrets are re-checked on every fetch.
            QJsonObject env;
            for (const auto &[name, value] :
                 access::ProjectEnvironment(ctx.db, ctx.secrets, auth, ctx.projectTokens.rows())
                     .values())
                // QJsonValue needs a QString; that copy is outside our control (as in
                // SecretsApi), the SecureBytes is wiped when it goes.
                env.insert(name, QString::fromUtf8(value.view()));
            request.notes.resource = project;
            request.notes.detail = {
                {QStringLiteral("env_vars"), QJsonArray::fromStringList(env.keys())}};
            tx.commit();
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("env_vars"), env}});
        });
}

} // namespace cortex::api
