#include "audit/RecoveryBootAlarm.h"

#include "Clock.h"
#include "audit/AuditLog.h"
#include "crypto/Random.h"
#include "http/HttpMessage.h"
#include "notify/Notifier.h"
#include "store/AlarmRepository.h"
#include "store/Database.h"
#include "store/Timestamps.h"

#include <QSysInfo>

namespace cortex::audit {

QString raiseRecoveryBoot(store::Database &db, AuditLog &audit, notify::Notifier &notifier,
                          const Clock &clock, const http::HttpRequest *request,
                          const QJsonObject &detail)
{
    const QString now = store::timestamp(clock.now());
    const QString alarmId = crypto::randomToken(u"alm_", 12);
    QJsonObject rowDetail = detail;
    rowDetail.insert(QStringLiteral("alarm_id"), alarmId);
    rowDetail.insert(QStringLiteral("hostname"), QSysInfo::machineHostName());

    store::Transaction tx(db);
    AuditEvent event(QStringLiteral("recovery_boot"), QString(), QStringLiteral("alarm"),
                     rowDetail);
    if (!request) {
        event.actorType = QStringLiteral("system");
        event.actor = QStringLiteral("startup");
    }
    const qint64 seq = audit.record(event, request);
    const QString source = request ? audit.sourceAddressOf(*request) : QString();
    const QString requestId = request ? request->requestId : QString();
    store::AlarmRepository(db).insert(
        {alarmId, seq, QStringLiteral("recovery_boot"), now, {}, {}, {}, {}, source, requestId});
    notify::Notification message;
    message.event = QStringLiteral("recovery_boot");
    message.severity = QStringLiteral("critical");
    message.time = now;
    message.requestId = requestId;
    message.extra = rowDetail;
    message.extra.insert(QStringLiteral("source_address"), source);
    db.afterCommit([&notifier, message] { notifier.dispatch(message); });
    tx.commit();
    return alarmId;
}

} // namespace cortex::audit
