// GET /project/secrets/{project}: an agent host fetches its env vars with a project token.

#include "Clock.h"
#include "access/ProjectEnvironment.h"
#include "access/ProjectTokens.h"
#include "api/ApiContext.h"
#include "api/ProjectAuth.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "protocol/JsonText.h"
#include "store/Database.h"

#include <utility>

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

            // Scope, approval, grants and secrets are re-checked on every fetch. The answer is
            // written straight from the decrypted values (sorted by name, as QJsonObject would
            // write them): no QString and QJsonObject copies of the secrets, and less CPU.
            const std::map<QString, crypto::SecureBytes> values =
                access::ProjectEnvironment(ctx.db, ctx.secrets, auth, ctx.projectTokens.rows())
                    .values();
            // The audit row names what was delivered: {"env_vars":[names]}, written as
            // QJsonDocument::Compact would, without its objects.
            QByteArray body = "{\"env_vars\":{";
            QByteArray detail = "{\"env_vars\":[";
            bool first = true;
            for (const auto &[name, value] : values) {
                const QByteArray nameUtf8 = name.toUtf8();
                if (!std::exchange(first, false)) {
                    body += ',';
                    detail += ',';
                }
                protocol::appendJsonString(body, nameUtf8);
                body += ':';
                protocol::appendJsonString(body, value.view());
                protocol::appendJsonString(detail, nameUtf8);
            }
            body += "}}";
            detail += "]}";
            request.notes.resource = project;
            request.notes.detailJson = QString::fromUtf8(detail);
            tx.commit();
            return HttpResponse{200, std::move(body), QByteArrayLiteral("application/json"), {}};
        });
}

} // namespace cortex::api
