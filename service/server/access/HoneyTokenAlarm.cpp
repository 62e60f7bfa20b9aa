#include "access/HoneyTokenAlarm.h"

#include "Clock.h"
#include "audit/AuditLog.h"
#include "crypto/Random.h"
#include "http/HttpMessage.h"
#include "notify/Notifier.h"
#include "store/AlarmRepository.h"
#include "store/Database.h"
#include "store/PendingGrantRepository.h"
#include "store/ProjectRepository.h"
#include "store/Timestamps.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHoney, "cortex.honey")

namespace cortex::access {

HoneyTokenTouched::HoneyTokenTouched(QString ns_, QString keyPath_, QString secretId_)
    : protocol::ApiError(401, QStringLiteral("access_denied"),
                         QStringLiteral("secret access denied")),
      ns(std::move(ns_)), keyPath(std::move(keyPath_)), secretId(std::move(secretId_))
{}

HoneyTokenAlarm::HoneyTokenAlarm(store::Database &db, audit::AuditLog &audit,
                                 notify::Notifier &notifier, const Clock &clock)
    : m_db(db), m_audit(audit), m_notifier(notifier), m_clock(clock)
{}

QString HoneyTokenAlarm::raise(const HoneyTokenTouched &touched, const http::HttpRequest &request)
{
    const QString now = store::timestamp(m_clock.now());
    const QString agentId = !touched.agentId.isEmpty()            ? touched.agentId
                            : request.notes.actorType == u"agent" ? request.notes.actor
                                                                  : QString();
    const QString project = touched.project;
    const QString alarmId = crypto::randomToken(u"alm_", 12);

    store::Transaction tx(m_db);
    int tokensRevoked = 0;
    int approvalsSuspended = 0;
    if (!project.isEmpty()) {
        store::ProjectRepository projects(m_db);
        if (const auto row = projects.find(project)) {
            projects.bumpGeneration(row->id, now);
            tokensRevoked = projects.revokeProjectTokens(row->id, now);
        }
        approvalsSuspended += store::PendingGrantRepository(m_db).suspendApprovals(project);
    }
    if (!agentId.isEmpty())
        approvalsSuspended += store::PendingGrantRepository(m_db).suspendAgentApprovals(agentId);

    const qint64 seq = m_audit.record(
        audit::AuditEvent(QStringLiteral("honey_token_access"), touched.keyPath,
                          QStringLiteral("alarm"),
                          {{QStringLiteral("alarm_id"), alarmId},
                           {QStringLiteral("namespace"), touched.ns},
                           {QStringLiteral("secret_id"), touched.secretId},
                           {QStringLiteral("agent_id"), agentId},
                           {QStringLiteral("project"), project},
                           {QStringLiteral("tokens_revoked"), tokensRevoked},
                           {QStringLiteral("approvals_suspended"), approvalsSuspended}}),
        &request);
    const QString source = m_audit.sourceAddressOf(request);
    store::AlarmRepository(m_db).insert({alarmId, seq, QStringLiteral("honey_token_read"), now,
                                         touched.ns, touched.keyPath, agentId, project, source,
                                         request.requestId});

    notify::Notification message;
    message.event = QStringLiteral("honey_token_read");
    message.severity = QStringLiteral("critical");
    message.ns = touched.ns;
    message.keyPath = touched.keyPath;
    message.agentId = agentId;
    message.project = project;
    message.time = now;
    message.requestId = request.requestId;
    message.extra = {{QStringLiteral("alarm_id"), alarmId},
                     {QStringLiteral("source_address"), source},
                     {QStringLiteral("tokens_revoked"), tokensRevoked},
                     {QStringLiteral("approvals_suspended"), approvalsSuspended}};
    m_db.afterCommit([this, message] { m_notifier.dispatch(message); });
    tx.commit();
    qCWarning(lcHoney).noquote() << request.requestId << "HONEY TOKEN touched:" << touched.keyPath
                                 << "namespace" << touched.ns << "agent" << agentId << "project"
                                 << project << "from" << source << "alarm" << alarmId;
    return alarmId;
}

} // namespace cortex::access
