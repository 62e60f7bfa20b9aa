// /admin/projects: projects bound by discover, their grants (the ACL of which secrets a project
// may receive, under which env var), deletion and the kill switch.

#include "Clock.h"
#include "access/AccessNames.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "protocol/Names.h"
#include "store/Database.h"
#include "store/GrantRepository.h"
#include "store/PendingGrantRepository.h"
#include "store/ProjectRepository.h"
#include "store/SecretRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
QString requireProjectName(const HttpRequest &request)
{
    const QString name = request.param(QStringLiteral("project"));
    if (!protocol::isValidProjectName(name))
        throw ApiError::badRequest(QStringLiteral("invalid_project_name"),
                                   protocol::describeProjectNameRule());
    return name;
}

ApiError projectNotFound(const QString &name)
{
    return ApiError::notFound(QStringLiteral("project_not_found"),
                              QStringLiteral("no project named '%1'").arg(name));
}

QJsonObject grantJson(const store::GrantRow &g)
{
    return {{QStringLiteral("id"), g.id},
            {QStringLiteral("project_name"), g.projectName},
            {QStringLiteral("secret_id"), g.secretId},
            {QStringLiteral("secret_key_path"), g.keyPath},
            {QStringLiteral("secret_namespace"), g.secretNs},
            {QStringLiteral("env_var_name"), g.envVarName},
            {QStringLiteral("granted_by"), g.grantedBy},
            {QStringLiteral("granted_at"), g.grantedAt}};
}

// The project as the operator sees it; env_mappings/scope/expiry describe its newest token.
QJsonObject projectJson(store::ProjectRepository &repo, const store::ProjectRow &p,
                        const QString &now)
{
    const auto latest = repo.latestToken(p.id);
    const int active = repo.activeTokenCount(p.id, now);
    QString status = QStringLiteral("none");
    if (active > 0)
        status = QStringLiteral("active");
    else if (latest && (!latest->revokedAt.isEmpty() || latest->generation != p.tokenGeneration))
        status = QStringLiteral("revoked");
    else if (latest)
        status = QStringLiteral("expired");
    QJsonArray scope;
    QStringList keys;
    if (latest)
        for (const QJsonValue &v : latest->mappedKeys)
            if (!keys.contains(v.toString()))
                keys.append(v.toString());
    keys.sort();
    return {{QStringLiteral("id"), p.id},
            {QStringLiteral("project_name"), p.projectName},
            {QStringLiteral("agent_id"), p.agentId},
            {QStringLiteral("namespace"), p.ns},
            {QStringLiteral("env_mappings"), latest ? latest->mappedKeys : QJsonObject()},
            {QStringLiteral("scope"), QJsonArray::fromStringList(keys)},
            {QStringLiteral("created_at"), p.createdAt},
            {QStringLiteral("updated_at"), p.updatedAt},
            {QStringLiteral("token_expires_at"),
             latest ? QJsonValue(latest->expiresAt) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("token_revoked_at"), latest && !latest->revokedAt.isEmpty()
                                                     ? QJsonValue(latest->revokedAt)
                                                     : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("token_status"), status},
            {QStringLiteral("active_tokens"), active}};
}
} // namespace

void registerProjectRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/projects"), AdminRoute, [&ctx](HttpRequest &) {
        store::ProjectRepository repo(ctx.db);
        const QString now = store::timestamp(ctx.clock.now());
        QJsonArray list;
        for (const store::ProjectRow &p : repo.list())
            list.append(projectJson(repo, p, now));
        return HttpResponse::json(200, list);
    });

    // Forgets the project: its tokens die, its requests and approvals go, the name is free to
    // be bound again (through a new approval). Grants are kept: they are staged by name.
    router.add("DELETE", QStringLiteral("/admin/projects/{project}"),
               audited(AdminRoute, "delete_project"), [&ctx](HttpRequest &request) {
                   const QString name = requireProjectName(request);
                   store::ProjectRepository repo(ctx.db);
                   store::Transaction tx(ctx.db);
                   const auto project = repo.find(name);
                   if (!project)
                       throw projectNotFound(name);
                   repo.remove(project->id);
                   store::PendingGrantRepository(ctx.db).removeForProject(name);
                   tx.commit();
                   return HttpResponse::json(200, {{QStringLiteral("deleted"), true},
                                                   {QStringLiteral("project_name"), name}});
               });

    // The kill switch: every token of the project fails on its very next use (token_revoked),
    // and the approvals are suspended so that the next discover waits for an operator again.
    router.add(
        "POST", QStringLiteral("/admin/projects/{project}/revoke"),
        audited(AdminRoute, "revoke_project_token"), [&ctx](HttpRequest &request) {
            const QString name = requireProjectName(request);
            if (!request.body.trimmed().isEmpty())
                JsonReader::parse(request.body).rejectUnknownFields({});
            const QString now = store::timestamp(ctx.clock.now());
            store::ProjectRepository repo(ctx.db);
            store::Transaction tx(ctx.db);
            const auto project = repo.find(name);
            if (!project)
                throw projectNotFound(name);
            repo.bumpGeneration(project->id, now);
            const int tokens = repo.revokeProjectTokens(project->id, now);
            const int approvals = store::PendingGrantRepository(ctx.db).suspendApprovals(name);
            tx.commit();
            return HttpResponse::json(200, {{QStringLiteral("revoked"), true},
                                            {QStringLiteral("project_name"), name},
                                            {QStringLiteral("tokens_revoked"), tokens},
                                            {QStringLiteral("approvals_suspended"), approvals}});
        });

    router.add("GET", QStringLiteral("/admin/projects/{project}/grants"), AdminRoute,
               [&ctx](HttpRequest &request) {
                   QJsonArray list;
                   for (const store::GrantRow &g :
                        store::GrantRepository(ctx.db).forProject(requireProjectName(request)))
                       list.append(grantJson(g));
                   return HttpResponse::json(200, list);
               });

    router.add("POST", QStringLiteral("/admin/projects/{project}/grants"),
               audited(AdminRoute, "create_project_grant"), [&ctx](HttpRequest &request) {
                   const QString name = requireProjectName(request);
                   const JsonReader body = JsonReader::parse(request.body);
                   body.rejectUnknownFields({u"secret_id", u"env_var_name"});
                   const QString secretId = body.requireString(u"secret_id");
                   const auto explicitEnv = body.optionalString(u"env_var_name");
                   store::Transaction tx(ctx.db);
                   const auto secret = store::SecretRepository(ctx.db).find(secretId);
                   if (!secret)
                       throw ApiError::notFound(QStringLiteral("secret_not_found"),
                                                QStringLiteral("no secret with this id"));
                   const QString env =
                       explicitEnv.value_or(access::defaultEnvName(secret->keyPath));
                   if (!protocol::isValidEnvName(env))
                       throw ApiError::badRequest(
                           QStringLiteral("invalid_env_var_name"),
                           explicitEnv ? protocol::describeEnvNameRule()
                                       : QStringLiteral("the key path does not give a valid env"
                                                        " var name; pass env_var_name"));
                   store::GrantRepository grants(ctx.db);
                   if (grants.findForSecret(name, secretId))
                       throw ApiError::conflict(QStringLiteral("grant_exists"),
                                                QStringLiteral("project '%1' already has a grant"
                                                               " for this secret")
                                                    .arg(name));
                   store::GrantRow row{crypto::randomToken(u"grt_", 16),
                                       name,
                                       secretId,
                                       env,
                                       QStringLiteral("admin"),
                                       store::timestamp(ctx.clock.now()),
                                       secret->keyPath,
                                       secret->ns};
                   grants.insert(row);
                   tx.commit();
                   return HttpResponse::json(201, grantJson(row));
               });

    // Takes effect on the next fetch: tokens re-check their grants on every use.
    router.add("DELETE", QStringLiteral("/admin/projects/{project}/grants/{grant_id}"),
               audited(AdminRoute, "delete_project_grant"), [&ctx](HttpRequest &request) {
                   const QString name = requireProjectName(request);
                   const QString id = request.param(QStringLiteral("grant_id"));
                   store::GrantRepository grants(ctx.db);
                   store::Transaction tx(ctx.db);
                   if (!grants.find(name, id))
                       throw ApiError::notFound(
                           QStringLiteral("grant_not_found"),
                           QStringLiteral("no such grant for project '%1'").arg(name));
                   grants.remove(id);
                   tx.commit();
                   return HttpResponse::json(
                       200, {{QStringLiteral("deleted"), true}, {QStringLiteral("id"), id}});
               });
}

} // namespace cortex::api
