#pragma once

#include "notify/Notification.h"
#include "notify/NotifySettings.h"

#include <QObject>
#include <QThreadPool>
#include <atomic>
#include <map>
#include <memory>

#include "ServerFwd.h"

namespace cortex::audit {
class AuditLog;
}
namespace cortex::store {
struct NotificationChannelRow;
}

namespace cortex::notify {

struct PreparedRequest;
struct AttemptResult;

// Sends notifications to every enabled channel (table notification_channels) without blocking
// the caller: deliveries run asynchronously with timeouts and retries with backoff; a delivery
// that finally fails is recorded in the audit log (action notification_failed).
//
// Threads: everything here runs on the thread that owns the Notifier (the server's), except
// the blocking curl transfers, which run on a private thread pool and report back through
// queued calls. The store, the vault and the audit log are only touched on the owner thread.
// Each delivery's outcome is written to its channel's last_delivery_* columns.
//
// Deliveries queued before a seal still run (an alarm that led to the seal must go out); the
// channel configs they carry are wiped when they finish. While sealed nothing new is queued:
// the configs cannot be opened.
class Notifier : public QObject
{
    Q_OBJECT
public:
    // Settings from the environment (NotifySettings::fromEnvironment; warnings are logged).
    Notifier(store::Database &db, vault::Vault &vault, audit::AuditLog &audit, const Clock &clock,
             QObject *parent = nullptr);
    Notifier(store::Database &db, vault::Vault &vault, audit::AuditLog &audit, const Clock &clock,
             NotifySettings settings, QObject *parent = nullptr);
    // Aborts transfers still running (their channels keep their previous last_delivery).
    ~Notifier() override;

    // Queues the notification for every enabled channel and returns at once. Call it after the
    // change that caused it committed (store::Database::afterCommit). Never throws.
    void dispatch(const Notification &notification);

    // Queues the notification for this one channel, enabled or not, and returns the delivery
    // id (its outcome appears as the channel's last_delivery). Throws protocol::ApiError:
    // sealed, 500 integrity_error when the stored config does not open, 503 when the queue is
    // full.
    QString sendTo(const store::NotificationChannelRow &channel, const Notification &notification);

    const NotifySettings &settings() const { return m_settings; }
    int pendingDeliveries() const { return int(m_jobs.size()); }

Q_SIGNALS:
    // After the outcome was stored (and, for a failure, audited).
    void deliveryFinished(const QString &channelId, const QString &deliveryId, bool ok);

private:
    struct Job;

    QString enqueue(const store::NotificationChannelRow &channel, Notification notification);
    void startAttempt(const QString &deliveryId);
    void onAttemptDone(const QString &deliveryId, const AttemptResult &result);
    void finish(const QString &deliveryId, bool ok, long status, const QString &error);

    store::Database &m_db;
    vault::Vault &m_vault;
    audit::AuditLog &m_audit;
    const Clock &m_clock;
    NotifySettings m_settings;
    std::map<QString, std::unique_ptr<Job>> m_jobs; // by delivery id
    std::atomic<bool> m_abort{false};
    QThreadPool m_pool;
};

} // namespace cortex::notify
