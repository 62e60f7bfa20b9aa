// GET /project/secrets/{project}: an agent host fetches its env vars with a project token.

#include "Clock.h"
#include "access/ProjectTokens.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/GrantRepository.h"
#include "store/SecretRepository.h"
#include "vault/SecretService.h"

namespace cortex::api {

using http::HttpRequest;
using http::HttpResponse;
using protocol::ApiError;

void registerProjectSecretRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/project/secrets/{project}"), UnsealedRoute,
               [&ctx](HttpRequest &request) {
                   // TODO(issue 3, rate limiting): failed token attempts count per peer here.
                   // TODO(issue 3, JWT): a token with two dots takes the EdDSA JWT path.
                   const QString project = request.param(QStringLiteral("project"));
                   store::Transaction tx(
                       ctx.db); // one consistent view of token, grants and secrets
                   const access::ProjectTokens::Authorized auth = ctx.projectTokens.authorize(
                       request.header("Authorization"), project, ctx.clock.now());

                   // Re-checked on every fetch: the key path must still be approved, its secret
                   // must still exist in the project's namespace and the project must still hold a
                   // grant.
                   store::SecretRepository secrets(ctx.db);
                   store::GrantRepository grants(ctx.db);
                   QJsonObject env;
                   const QJsonObject &mapped = auth.token.mappedKeys;
                   for (auto it = mapped.begin(); it != mapped.end(); ++it) {
                       const QString keyPath = it.value().toString();
                       if (!auth.approvedKeys.contains(keyPath))
                           continue;
                       const auto secret = secrets.findByPath(auth.project.ns, keyPath);
                       if (!secret || secret->secretType != u"KEY_VALUE")
                           continue;
                       if (!grants.findForSecret(project, secret->id))
                           continue;
                       if (secret->isHoneyToken)
                           // TODO(issue 4): alarm, revoke the project's tokens and notify.
                           throw ApiError::unauthorized(QStringLiteral("access_denied"),
                                                        QStringLiteral("secret access denied"));
                       vault::SecretService::Revealed revealed = ctx.secrets.reveal(secret->id);
                       // QJsonValue needs a QString; that copy is outside our control (as in
                       // SecretsApi), the SecureBytes is wiped when it goes.
                       env.insert(it.key(), QString::fromUtf8(revealed.value.view()));
                   }
                   tx.commit();
                   return HttpResponse::json(200, QJsonObject{{QStringLiteral("env_vars"), env}});
               });
}

} // namespace cortex::api
