// Honey-token alarms for operators: the list (unacknowledged first) and acknowledgement.

#include "Clock.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "store/Database.h"
#include "store/Timestamps.h"

#include <QSqlQuery>

namespace cortex::api {

namespace {

constexpr char AlarmColumns[] = "id, kind, time, namespace, key_path, agent_id, project,"
                                " source_address, request_id, audit_seq, acknowledged_at,"
                                " acknowledged_note";

QJsonObject alarmJson(const QSqlQuery &q)
{
    const QString acknowledgedAt = q.value(10).toString();
    return {{QStringLiteral("id"), q.value(0).toString()},
            {QStringLiteral("kind"), q.value(1).toString()},
            {QStringLiteral("time"), q.value(2).toString()},
            {QStringLiteral("namespace"), q.value(3).toString()},
            {QStringLiteral("key_path"), q.value(4).toString()},
            {QStringLiteral("agent_id"), q.value(5).toString()},
            {QStringLiteral("project"), q.value(6).toString()},
            {QStringLiteral("source_address"), q.value(7).toString()},
            {QStringLiteral("request_id"), q.value(8).toString()},
            {QStringLiteral("audit_seq"), q.value(9).toLongLong()},
            {QStringLiteral("acknowledged"), !acknowledgedAt.isEmpty()},
            {QStringLiteral("acknowledged_at"),
             acknowledgedAt.isEmpty() ? QJsonValue() : QJsonValue(acknowledgedAt)},
            {QStringLiteral("note"), q.value(11).toString()}};
}

} // namespace

void registerAlarmRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/alarms"), AdminRoute, [&ctx](HttpRequest &) {
        QSqlQuery q = ctx.db.exec(QStringLiteral("SELECT %1 FROM alarms ORDER BY"
                                                 " acknowledged_at IS NOT NULL, audit_seq DESC")
                                      .arg(QLatin1StringView(AlarmColumns)));
        QJsonArray alarms;
        while (q.next())
            alarms.append(alarmJson(q));
        return HttpResponse::json(200, QJsonObject{{QStringLiteral("alarms"), alarms}});
    });

    router.add("POST", QStringLiteral("/admin/alarms/{id}/ack"), audited(AdminRoute, "alarm_ack"),
               [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   QString note;
                   if (!request.body.trimmed().isEmpty()) {
                       const JsonReader body = JsonReader::parse(request.body);
                       body.rejectUnknownFields({u"note"});
                       note = body.optionalString(u"note").value_or(QString());
                       if (note.size() > 1000)
                           throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                                      QStringLiteral("note is longer than 1000 "
                                                                     "characters"));
                   }
                   const auto select = [&] {
                       QSqlQuery q =
                           ctx.db.exec(QStringLiteral("SELECT %1 FROM alarms WHERE id = ?")
                                           .arg(QLatin1StringView(AlarmColumns)),
                                       {id});
                       if (!q.next())
                           throw ApiError::notFound(QStringLiteral("alarm_not_found"),
                                                    QStringLiteral("no such alarm"));
                       return alarmJson(q);
                   };
                   const QJsonObject before = select();
                   const bool already = before.value(QStringLiteral("acknowledged")).toBool();
                   if (!already)
                       ctx.db.execOne(QStringLiteral("UPDATE alarms SET acknowledged_at = ?,"
                                                     " acknowledged_note = ? WHERE id = ?"),
                                      {store::timestamp(ctx.clock.now()), note, id});
                   QJsonObject alarm = select();
                   alarm.insert(QStringLiteral("already_acknowledged"), already);
                   request.notes.detail = {{QStringLiteral("already_acknowledged"), already}};
                   return HttpResponse::json(200, alarm);
               });
}

} // namespace cortex::api
