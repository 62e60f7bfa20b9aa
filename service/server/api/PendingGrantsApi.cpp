// /admin/pending-grants: the operator's side of first-access approval.

#include "Clock.h"
#include "access/AccessSettings.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "store/Database.h"
#include "store/PendingGrantRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
constexpr int ListLimit = 500;

QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QJsonObject pendingJson(const store::PendingGrantRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("agent_id"), row.agentId},
            {QStringLiteral("project_name"), row.projectName},
            {QStringLiteral("namespace"), row.ns},
            {QStringLiteral("requested_keys"), QJsonArray::fromStringList(row.requestedKeys)},
            {QStringLiteral("approved_keys"),
             row.approvedKeys ? QJsonValue(QJsonArray::fromStringList(*row.approvedKeys))
                              : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("status"), row.status},
            {QStringLiteral("requested_at"), row.requestedAt},
            {QStringLiteral("decided_at"), textOrNull(row.decidedAt)},
            {QStringLiteral("decided_by"), textOrNull(row.decidedBy)},
            {QStringLiteral("auto_approval_until"), textOrNull(row.approvalUntil)},
            {QStringLiteral("source_ip"), row.sourceIp}};
}

// An empty body stands for {}: these are command-like POSTs.
JsonReader bodyOrEmpty(const HttpRequest &request)
{
    if (request.body.trimmed().isEmpty())
        return JsonReader(QJsonObject());
    return JsonReader::parse(request.body);
}

// Loads a request that is still waiting for a decision (404 / 409 otherwise).
store::PendingGrantRow requirePending(store::PendingGrantRepository &repo, const QString &id)
{
    const auto row = repo.find(id);
    if (!row)
        throw ApiError::notFound(QStringLiteral("pending_grant_not_found"),
                                 QStringLiteral("no pending grant with this id"));
    if (row->status != u"pending")
        throw ApiError::conflict(QStringLiteral("pending_grant_decided"),
                                 QStringLiteral("pending grant is already %1").arg(row->status));
    return *row;
}
} // namespace

void registerPendingGrantRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/pending-grants"), AdminRoute, [&ctx](HttpRequest &) {
        QJsonArray list;
        for (const store::PendingGrantRow &row :
             store::PendingGrantRepository(ctx.db).list(ListLimit))
            list.append(pendingJson(row));
        return HttpResponse::json(200, list);
    });

    router.add(
        "POST", QStringLiteral("/admin/pending-grants/{id}/approve"),
        audited(AdminRoute, "pending_grant_approve"), [&ctx](HttpRequest &request) {
            const JsonReader body = bodyOrEmpty(request);
            body.rejectUnknownFields({u"approved_keys"});
            std::optional<QStringList> chosen;
            const QJsonValue keys = body.object().value(QStringLiteral("approved_keys"));
            if (!keys.isUndefined() && !keys.isNull()) {
                if (!keys.isArray())
                    throw ApiError::badRequest(
                        QStringLiteral("invalid_field"),
                        QStringLiteral("approved_keys must be an array"),
                        {{QStringLiteral("field"), QStringLiteral("approved_keys")}});
                chosen = QStringList();
                for (const QJsonValue &v : keys.toArray()) {
                    if (!v.isString())
                        throw ApiError::badRequest(
                            QStringLiteral("invalid_field"),
                            QStringLiteral("approved_keys must hold key path strings"),
                            {{QStringLiteral("field"), QStringLiteral("approved_keys")}});
                    if (!chosen->contains(v.toString()))
                        chosen->append(v.toString());
                }
            }
            const QString id = request.param(QStringLiteral("id"));
            store::PendingGrantRepository repo(ctx.db);
            store::Transaction tx(ctx.db);
            const store::PendingGrantRow row = requirePending(repo, id);
            QStringList approved = chosen.value_or(row.requestedKeys);
            for (const QString &k : approved)
                if (!row.requestedKeys.contains(k))
                    throw ApiError::badRequest(QStringLiteral("key_not_requested"),
                                               QStringLiteral("approved_keys may only name keys"
                                                              " the request asked for"));
            approved.sort();
            const QDateTime now = ctx.clock.now();
            const QString until =
                store::timestamp(now.addSecs(ctx.accessSettings.approvalValiditySeconds));
            repo.decide(id, QStringLiteral("approved"), approved, store::timestamp(now),
                        QStringLiteral("admin"), until);
            tx.commit();
            return HttpResponse::json(
                200, {{QStringLiteral("approved"), true},
                      {QStringLiteral("id"), id},
                      {QStringLiteral("approved_keys"), QJsonArray::fromStringList(approved)},
                      {QStringLiteral("auto_approval_until"), until}});
        });

    router.add("POST", QStringLiteral("/admin/pending-grants/{id}/deny"),
               audited(AdminRoute, "pending_grant_deny"), [&ctx](HttpRequest &request) {
                   bodyOrEmpty(request).rejectUnknownFields({});
                   const QString id = request.param(QStringLiteral("id"));
                   store::PendingGrantRepository repo(ctx.db);
                   store::Transaction tx(ctx.db);
                   requirePending(repo, id);
                   repo.decide(id, QStringLiteral("denied"), std::nullopt,
                               store::timestamp(ctx.clock.now()), QStringLiteral("admin"), {});
                   tx.commit();
                   return HttpResponse::json(
                       200, {{QStringLiteral("denied"), true}, {QStringLiteral("id"), id}});
               });

    // Lifts a denial or withdraws an approval (tokens issued under it stop working).
    router.add("DELETE", QStringLiteral("/admin/pending-grants/{id}"),
               audited(AdminRoute, "pending_grant_delete"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   store::PendingGrantRepository repo(ctx.db);
                   store::Transaction tx(ctx.db);
                   if (!repo.find(id))
                       throw ApiError::notFound(QStringLiteral("pending_grant_not_found"),
                                                QStringLiteral("no pending grant with this id"));
                   repo.remove(id);
                   tx.commit();
                   return HttpResponse::json(
                       200, {{QStringLiteral("deleted"), true}, {QStringLiteral("id"), id}});
               });
}

} // namespace cortex::api
