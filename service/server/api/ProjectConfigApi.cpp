// GET /project/config/{project}/{template}: an agent host fetches a rendered config file.
//
// {template} is the key_path of a TEMPLATE_CONFIG secret (as in the reference). Unlike the
// reference (§18 item 13) the template must be in the token's scope, approved and still granted
// to the project, exactly like a KEY_VALUE secret; its variables are the project's env vars, the
// same map GET /project/secrets returns.

#include "Clock.h"
#include "access/ProjectEnvironment.h"
#include "access/ProjectTokens.h"
#include "api/ApiContext.h"
#include "api/ProjectAuth.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "protocol/Template.h"
#include "store/Database.h"
#include "vault/SecretService.h"

#include <QJsonArray>

namespace cortex::api {

void registerProjectConfigRoutes(http::Router &router, ApiContext &ctx)
{
    router.add(
        "GET", QStringLiteral("/project/config/{project}/{template}"),
        audited(UnsealedRoute, "get_config"), [&ctx](HttpRequest &request) {
            const QString project = request.param(QStringLiteral("project"));
            const QString templateName = request.param(QStringLiteral("template"));
            request.notes.resource = project + u'/' + templateName;
            store::Transaction tx(ctx.db); // one consistent view of token, grants and secrets
            // Authentication first: without a valid token of this project nothing tells
            // whether the project or the template exists.
            const access::ProjectTokens::Authorized auth =
                authorizeProjectRequest(ctx, request, project);

            access::ProjectEnvironment environment(ctx.db, ctx.secrets, auth,
                                                   ctx.projectTokens.rows());
            const auto templ = environment.find(templateName, u"TEMPLATE_CONFIG");
            if (!templ)
                throw ApiError::notFound(QStringLiteral("template_not_found"),
                                         QStringLiteral("no such template for this project"));
            // Same honey-token answer as /project/secrets: any in-scope honey token, the
            // template itself included, denies the whole request.
            if (templ->isHoneyToken)
                environment.denyHoneyToken(*templ);
            const std::map<QString, crypto::SecureBytes> env = environment.values();
            const vault::SecretService::Revealed source = ctx.secrets.reveal(templ->id);
            tx.commit();

            const protocol::RenderResult rendered =
                protocol::renderTemplate(source.value.view(), [&env](const QString &name) {
                    const auto it = env.find(name);
                    return it == env.end() ? nullptr : &it->second;
                });
            // Names and offsets only: the messages never quote the template or a value.
            if (!rendered.error.isEmpty())
                throw ApiError(422, QStringLiteral("template_invalid"), rendered.error,
                               {{QStringLiteral("offset"), rendered.errorOffset}});
            if (!rendered.missing.isEmpty())
                throw ApiError(
                    422, QStringLiteral("template_variables_missing"),
                    QStringLiteral("the template uses variables this project does not"
                                   " receive"),
                    {{QStringLiteral("missing"), QJsonArray::fromStringList(rendered.missing)}});

            HttpResponse response;
            response.status = 200;
            response.contentType = QByteArrayLiteral("text/plain; charset=utf-8");
            // The HTTP layer needs a QByteArray; that copy is outside our control (as in
            // SecretsApi), the SecureBytes is wiped when it goes.
            response.body = rendered.text.view().toByteArray();
            return response;
        });
}

} // namespace cortex::api
