// The audit log for operators: query, verify, export, prune; and the public keys that verify
// its checkpoints.

#include "Clock.h"
#include "access/ServerKeys.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "audit/AuditLog.h"
#include "audit/AuditRows.h"
#include "store/Database.h"
#include "store/Timestamps.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QSqlQuery>

namespace cortex::api {

namespace {

constexpr int DefaultPageSize = 100;
constexpr int MaxPageSize = 1000;

qint64 parseSeq(const QString &text, const char *name)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < 0)
        throw ApiError::badRequest(
            QStringLiteral("invalid_query"),
            QStringLiteral("%1 must be a non-negative integer").arg(QLatin1StringView(name)));
    return value;
}

QString parseTime(const QString &text, const char *name)
{
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        throw ApiError::badRequest(QStringLiteral("invalid_query"),
                                   QStringLiteral("%1 must be an ISO 8601 time, e.g. "
                                                  "2026-11-23T10:00:00Z")
                                       .arg(QLatin1StringView(name)));
    return store::timestamp(t);
}

// A row for the API: the export form without its chain internals, detail parsed back.
QJsonObject rowJson(const QSqlQuery &q)
{
    const audit::AuditRecord record = audit::auditRecordFrom(q);
    QJsonObject json = record.toJson();
    for (const char *internal : {"type", "prev_hash", "entry_hmac", "mac_key_id"})
        json.remove(QLatin1StringView(internal));
    json.insert(QStringLiteral("detail"),
                record.detail.isEmpty() ? QJsonObject()
                                        : QJsonDocument::fromJson(record.detail.toUtf8()).object());
    return json;
}

QJsonObject verifyJson(const audit::VerifyResult &result)
{
    QJsonObject json{{QStringLiteral("ok"), result.ok},
                     {QStringLiteral("rows_checked"), result.rowsChecked},
                     {QStringLiteral("checkpoints_checked"), result.checkpointsChecked}};
    if (result.firstBadSeq)
        json.insert(QStringLiteral("first_bad_seq"), *result.firstBadSeq);
    if (!result.reason.isEmpty())
        json.insert(QStringLiteral("reason"), result.reason);
    return json;
}

} // namespace

void registerAuditRoutes(http::Router &router, ApiContext &ctx)
{
    // Newest first. Filters combine with AND; `cursor` is the next_cursor of the page before.
    router.add(
        "GET", QStringLiteral("/admin/audit-logs"), AdminRoute, [&ctx](HttpRequest &request) {
            QStringList where;
            QVariantList values;
            const auto exact = [&](const char *param, const char *column) {
                const QString name = QLatin1StringView(param);
                if (!request.query.hasQueryItem(name))
                    return;
                where.append(QLatin1StringView(column) + QStringLiteral(" = ?"));
                values.append(request.queryValue(name));
            };
            exact("action", "action");
            exact("actor", "actor");
            exact("actor_type", "actor_type");
            exact("resource", "resource");
            exact("status", "status");
            exact("request_id", "request_id");
            if (request.query.hasQueryItem(QStringLiteral("since"))) {
                where.append(QStringLiteral("time >= ?"));
                values.append(parseTime(request.queryValue(QStringLiteral("since")), "since"));
            }
            if (request.query.hasQueryItem(QStringLiteral("until"))) {
                where.append(QStringLiteral("time < ?"));
                values.append(parseTime(request.queryValue(QStringLiteral("until")), "until"));
            }
            if (request.query.hasQueryItem(QStringLiteral("cursor"))) {
                where.append(QStringLiteral("seq < ?"));
                values.append(parseSeq(request.queryValue(QStringLiteral("cursor")), "cursor"));
            }
            int limit = DefaultPageSize;
            if (request.query.hasQueryItem(QStringLiteral("limit"))) {
                const qint64 asked = parseSeq(request.queryValue(QStringLiteral("limit")), "limit");
                if (asked < 1 || asked > MaxPageSize)
                    throw ApiError::badRequest(
                        QStringLiteral("invalid_query"),
                        QStringLiteral("limit must be from 1 to %1").arg(MaxPageSize));
                limit = int(asked);
            }
            values.append(limit + 1); // one more tells whether a next page exists
            QSqlQuery q = ctx.db.exec(
                QStringLiteral("SELECT %1 FROM audit_log%2 ORDER BY seq DESC LIMIT ?")
                    .arg(QLatin1StringView(audit::AuditRowColumns))
                    .arg(where.isEmpty() ? QString()
                                         : QStringLiteral(" WHERE ") + where.join(u" AND ")),
                values);
            QJsonArray rows;
            QJsonValue nextCursor;
            while (q.next()) {
                if (rows.size() == limit) {
                    nextCursor = rows.last().toObject().value(QStringLiteral("seq"));
                    break;
                }
                rows.append(rowJson(q));
            }
            return HttpResponse::json(
                200, {{QStringLiteral("rows"), rows}, {QStringLiteral("next_cursor"), nextCursor}});
        });

    // Reads only, and must answer even when the log refuses appends because it was cut: its
    // own row is written when possible, never at the price of the answer.
    router.add(
        "POST", QStringLiteral("/admin/audit/verify"), AdminRoute, [&ctx](HttpRequest &request) {
            if (!request.body.trimmed().isEmpty())
                JsonReader::parse(request.body).rejectUnknownFields({});
            const QJsonObject result = verifyJson(ctx.audit.verify());
            try {
                ctx.audit.record(audit::AuditEvent(QStringLiteral("audit_verify"), {},
                                                   result.value(QStringLiteral("ok")).toBool()
                                                       ? QStringLiteral("success")
                                                       : QStringLiteral("error"),
                                                   result),
                                 &request);
            } catch (const ApiError &) {
                // audit_unavailable: the result above is what the operator needs now
            }
            return HttpResponse::json(200, result);
        });

    router.add("GET", QStringLiteral("/admin/audit/export"), audited(AdminRoute, "audit_export"),
               [&ctx](HttpRequest &) {
                   QByteArray lines;
                   QBuffer buffer(&lines);
                   buffer.open(QIODevice::WriteOnly);
                   ctx.audit.writeExport(buffer);
                   HttpResponse response;
                   response.status = 200;
                   response.contentType = QByteArrayLiteral("application/x-ndjson");
                   response.body = lines;
                   response.headers.append(
                       {QByteArrayLiteral("Content-Disposition"),
                        QByteArrayLiteral("attachment; filename=\"cortex-audit.jsonl\"")});
                   return response;
               });

    // Removes old rows, but only up to a checkpoint signed for the purpose, and records that.
    router.add(
        "POST", QStringLiteral("/admin/audit/prune"), audited(AdminRoute, "audit_prune"),
        [&ctx](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields({u"through_seq", u"older_than_days"});
            const std::optional<qint64> through = body.optionalInt(u"through_seq");
            const std::optional<qint64> days = body.optionalInt(u"older_than_days");
            if (through.has_value() == days.has_value())
                throw ApiError::badRequest(
                    QStringLiteral("invalid_field"),
                    QStringLiteral("give exactly one of through_seq and older_than_days"));
            qint64 throughSeq = 0;
            if (through) {
                if (*through < 1)
                    throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                               QStringLiteral("through_seq must be positive"));
                throughSeq = *through;
            } else {
                if (*days < 1 || *days > 36500)
                    throw ApiError::badRequest(
                        QStringLiteral("invalid_field"),
                        QStringLiteral("older_than_days must be from 1 to 36500"));
                throughSeq = ctx.audit.lastSeqBefore(ctx.clock.now().addDays(-*days));
            }
            const qint64 removed = throughSeq > 0 ? ctx.audit.prune(throughSeq, &request) : 0;
            request.notes.audited = removed > 0; // prune() wrote its own row
            request.notes.detail = {{QStringLiteral("rows_removed"), removed}};
            return HttpResponse::json(
                200, {{QStringLiteral("rows_removed"), removed},
                      {QStringLiteral("pruned_through_seq"), removed > 0 ? throughSeq : 0}});
        });

    // Every key that ever signed a checkpoint, for offline verification of exports.
    constexpr http::RouteOptions Public{.allowedWhileSealed = true, .requiresAdmin = false};
    router.add(
        "GET", QStringLiteral("/.well-known/audit-jwks.json"), Public,
        [&ctx](HttpRequest &) { return HttpResponse::json(200, ctx.serverKeys.jwksOfAllKeys()); });
}

} // namespace cortex::api
