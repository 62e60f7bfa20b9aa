// /admin/policies: glob policies narrowing which key paths an agent may be given (evaluated by
// access/PolicyCheck at discover and on every fetch). No update, as in the reference.

#include "Clock.h"
#include "access/PolicyCheck.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "store/Database.h"
#include "store/PolicyRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
constexpr qsizetype MaxPolicyNameLength = 128;
constexpr qsizetype MaxPatternsPerList = 256;

QJsonObject policyJson(const store::PolicyRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("policy_name"), row.policyName},
            {QStringLiteral("agent_pattern"), row.agentPattern},
            {QStringLiteral("allowed_paths"), QJsonArray::fromStringList(row.allowedPaths)},
            {QStringLiteral("denied_paths"), QJsonArray::fromStringList(row.deniedPaths)},
            {QStringLiteral("created_at"), row.createdAt}};
}

ApiError invalidField(const QString &field, const QString &message)
{
    return ApiError::badRequest(QStringLiteral("invalid_field"), message,
                                {{QStringLiteral("field"), field}});
}

// A JSON array of valid path globs; absent or null is an empty list unless required.
QStringList pathList(const JsonReader &body, const QString &field, bool required)
{
    const QJsonValue value = body.object().value(field);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            throw ApiError::badRequest(QStringLiteral("missing_field"),
                                       QStringLiteral("%1 is required").arg(field),
                                       {{QStringLiteral("field"), field}});
        return {};
    }
    if (!value.isArray() || value.toArray().size() > MaxPatternsPerList)
        throw invalidField(field, QStringLiteral("%1 must be an array of at most %2 glob patterns")
                                      .arg(field)
                                      .arg(MaxPatternsPerList));
    QStringList patterns;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || !access::isValidPathGlob(item.toString()))
            throw invalidField(field,
                               QStringLiteral("%1 holds an invalid pattern: use key-path"
                                              " characters, '*', '?' and whole '**' segments")
                                   .arg(field));
        patterns.append(item.toString());
    }
    return patterns;
}
} // namespace

void registerPolicyRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/policies"), AdminRoute, [&ctx](HttpRequest &) {
        QJsonArray list;
        for (const store::PolicyRow &row : store::PolicyRepository(ctx.db).list())
            list.append(policyJson(row));
        return HttpResponse::json(200, list);
    });

    router.add(
        "POST", QStringLiteral("/admin/policies"), audited(AdminRoute, "create_policy"),
        [&ctx](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields(
                {u"policy_name", u"agent_pattern", u"allowed_paths", u"denied_paths"});
            const QString name = body.requireString(u"policy_name");
            request.notes.resource = name;
            if (name.trimmed().isEmpty() || name.size() > MaxPolicyNameLength)
                throw invalidField(QStringLiteral("policy_name"),
                                   QStringLiteral("policy_name must be 1..%1 characters, not blank")
                                       .arg(MaxPolicyNameLength));
            const QString agentPattern = body.requireString(u"agent_pattern");
            if (!access::isValidAgentGlob(agentPattern))
                throw invalidField(QStringLiteral("agent_pattern"),
                                   QStringLiteral("agent_pattern must be a glob over agent ids:"
                                                  " agent-id characters, '*' and '?'"));
            const QString now = store::timestamp(ctx.clock.now());
            store::PolicyRow row{crypto::randomToken(u"pol_", 16),
                                 name,
                                 agentPattern,
                                 pathList(body, QStringLiteral("allowed_paths"), true),
                                 pathList(body, QStringLiteral("denied_paths"), false),
                                 now};
            store::PolicyRepository policies(ctx.db);
            store::Transaction tx(ctx.db);
            if (policies.findByName(name))
                throw ApiError::conflict(
                    QStringLiteral("policy_exists"),
                    QStringLiteral("a policy named '%1' already exists").arg(name));
            policies.insert(row);
            tx.commit();
            return HttpResponse::json(201, {{QStringLiteral("id"), row.id},
                                            {QStringLiteral("policy_name"), row.policyName}});
        });

    router.add("DELETE", QStringLiteral("/admin/policies/{id}"),
               audited(AdminRoute, "delete_policy"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   if (!store::PolicyRepository(ctx.db).remove(id))
                       throw ApiError::notFound(QStringLiteral("policy_not_found"),
                                                QStringLiteral("no policy with id '%1'").arg(id));
                   return HttpResponse::json(
                       200, {{QStringLiteral("deleted"), true}, {QStringLiteral("id"), id}});
               });
}

} // namespace cortex::api
