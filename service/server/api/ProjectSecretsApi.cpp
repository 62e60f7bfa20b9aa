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

            // Scope, approval, grants and secrets are re-checked on every fetch. The answer is
            // written straight from the decrypted values (sorted by name, as QJsonObject would
            // write them): no QString and QJsonObject copies of the secrets, and less CPU.
            const std::map<QString, crypto::SecureBytes> values =
                access::ProjectEnvironment(ctx.db, ctx.secrets, auth, ctx.projectTokens.rows())
                    .values();
            QByteArray body = "{\"env_vars\":{";
            QStringList names;
            names.reserve(qsizetype(values.size()));
            for (const auto &[name, value] : values) {
                if (!names.isEmpty())
                    body += ',';
                protocol::appendJsonString(body, name.toUtf8());
                body += ':';
                protocol::appendJsonString(body, value.view());
                names.append(name);
            }
            body += "}}";
            request.notes.resource = project;
            request.notes.detail = {
                {QStringLiteral("env_vars"), QJsonArray::fromStringList(names)}};
            tx.commit();
            return HttpResponse{200, std::move(body), QByteArrayLiteral("application/json"), {}};
        });
}

} // namespace cortex::api
