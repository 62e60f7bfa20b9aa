#include "notify/Notifier.h"

#include "Clock.h"
#include "audit/AuditLog.h"
#include "crypto/Random.h"
#include "notify/ChannelConfig.h"
#include "notify/Delivery.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/NotificationChannelRepository.h"
#include "store/Timestamps.h"
#include "vault/Vault.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcNotify, "cortex.notify")

namespace cortex::notify {

struct Notifier::Job
{
    QString deliveryId;
    QString channelId;
    QString channelName;
    QString channelType;
    QString event;
    std::shared_ptr<const PreparedRequest> request; // shared with the worker running an attempt
    int attempts = 0;
};

namespace {
NotifySettings settingsFromEnvironment()
{
    QStringList warnings;
    NotifySettings settings = NotifySettings::fromEnvironment(&warnings);
    for (const QString &warning : warnings)
        qCWarning(lcNotify).noquote() << warning;
    return settings;
}
} // namespace

Notifier::Notifier(store::Database &db, vault::Vault &vault, audit::AuditLog &audit,
                   const Clock &clock, QObject *parent)
    : Notifier(db, vault, audit, clock, settingsFromEnvironment(), parent)
{}

Notifier::Notifier(store::Database &db, vault::Vault &vault, audit::AuditLog &audit,
                   const Clock &clock, NotifySettings settings, QObject *parent)
    : QObject(parent), m_db(db), m_vault(vault), m_audit(audit), m_clock(clock),
      m_settings(std::move(settings))
{
    initCurl();
    m_pool.setMaxThreadCount(std::max(1, m_settings.workerThreads));
}

Notifier::~Notifier()
{
    m_abort = true;
    m_pool.waitForDone();
    if (!m_jobs.empty())
        qCWarning(lcNotify) << "stopping with" << m_jobs.size() << "notification deliveries unsent";
}

void Notifier::dispatch(const Notification &notification)
{
    if (m_vault.isSealed()) {
        qCWarning(lcNotify).noquote()
            << "notification" << notification.event << "not sent: the vault is sealed";
        return;
    }
    std::vector<store::NotificationChannelRow> channels;
    try {
        channels = store::NotificationChannelRepository(m_db).listEnabled();
    } catch (const std::exception &e) {
        qCWarning(lcNotify).noquote() << "notification" << notification.event
                                      << "not sent: cannot read the channels:" << e.what();
        return;
    }
    for (const store::NotificationChannelRow &channel : channels) {
        try {
            enqueue(channel, notification);
        } catch (const std::exception &e) {
            qCWarning(lcNotify).noquote() << "notification" << notification.event << "to channel"
                                          << channel.name << "not queued:" << e.what();
        }
    }
}

QString Notifier::sendTo(const store::NotificationChannelRow &channel,
                         const Notification &notification)
{
    return enqueue(channel, notification);
}

QString Notifier::enqueue(const store::NotificationChannelRow &channel, Notification notification)
{
    if (notification.time.isEmpty())
        notification.time = store::timestamp(m_clock.now());
    if (qsizetype(m_jobs.size()) >= m_settings.maxQueuedDeliveries)
        throw protocol::ApiError::serviceUnavailable(
            QStringLiteral("notification_queue_full"),
            QStringLiteral("too many notification deliveries are pending"));
    const std::optional<QJsonObject> config = openChannelConfig(m_vault.rootKey(), channel);
    if (!config) {
        qCCritical(lcNotify).noquote()
            << "integrity check failed for the config of notification channel" << channel.id;
        throw protocol::ApiError(500, QStringLiteral("integrity_error"),
                                 QStringLiteral("the stored channel config failed its integrity"
                                                " check"));
    }
    auto job = std::make_unique<Job>();
    job->deliveryId = crypto::randomToken(u"dlv_", 16);
    job->channelId = channel.id;
    job->channelName = channel.name;
    job->channelType = channel.channelType;
    job->event = notification.event;
    job->request = buildRequest(channel.channelType, *config, notification, job->deliveryId,
                                m_settings, m_clock.now());
    const QString id = job->deliveryId;
    m_jobs.emplace(id, std::move(job));
    startAttempt(id);
    return id;
}

void Notifier::startAttempt(const QString &deliveryId)
{
    const auto it = m_jobs.find(deliveryId);
    if (it == m_jobs.end() || m_abort)
        return;
    Job &job = *it->second;
    ++job.attempts;
    const qint64 timestamp = m_clock.now().toSecsSinceEpoch();
    m_pool.start([this, deliveryId, request = job.request, timestamp, settings = m_settings] {
        const AttemptResult result = performAttempt(*request, timestamp, settings, m_abort);
        // Queued to the owner thread; dropped by Qt if the Notifier is gone by then.
        QMetaObject::invokeMethod(
            this, [this, deliveryId, result] { onAttemptDone(deliveryId, result); },
            Qt::QueuedConnection);
    });
}

void Notifier::onAttemptDone(const QString &deliveryId, const AttemptResult &result)
{
    const auto it = m_jobs.find(deliveryId);
    if (it == m_jobs.end())
        return;
    const Job &job = *it->second;
    if (result.ok) {
        finish(deliveryId, true, result.status, QString());
        return;
    }
    if (result.retryable && job.attempts < m_settings.attempts && !m_abort) {
        const qint64 delay = qint64(m_settings.backoffMs) << std::min(job.attempts - 1, 20);
        qCInfo(lcNotify).noquote()
            << "notification" << job.event << "to channel" << job.channelName << "attempt"
            << job.attempts << "failed:" << result.error << "- retrying in" << delay << "ms";
        QTimer::singleShot(std::chrono::milliseconds(delay), this,
                           [this, deliveryId] { startAttempt(deliveryId); });
        return;
    }
    finish(deliveryId, false, result.status, result.error);
}

void Notifier::finish(const QString &deliveryId, bool ok, long status, const QString &error)
{
    const auto it = m_jobs.find(deliveryId);
    if (it == m_jobs.end())
        return;
    const std::unique_ptr<Job> job = std::move(it->second);
    m_jobs.erase(it);
    const store::ChannelDelivery delivery{
        job->deliveryId, job->event, store::timestamp(m_clock.now()), ok, job->attempts, error};
    if (ok) {
        qCInfo(lcNotify).noquote() << "notification" << job->event << "delivered to channel"
                                   << job->channelName << "after" << job->attempts << "attempt(s)";
    } else {
        qCWarning(lcNotify).noquote()
            << "notification" << job->event << "to channel" << job->channelName
            << QStringLiteral("(%1)").arg(job->channelType) << "failed after" << job->attempts
            << "attempt(s):" << error;
    }
    try {
        store::Transaction tx(m_db);
        store::NotificationChannelRepository(m_db).recordDelivery(job->channelId, delivery);
        if (!ok) {
            audit::AuditEvent event(QStringLiteral("notification_failed"), job->channelId,
                                    QStringLiteral("error"));
            event.actorType = QStringLiteral("system");
            event.actor = QStringLiteral("notifier");
            event.detail = {{QStringLiteral("channel"), job->channelName},
                            {QStringLiteral("channel_type"), job->channelType},
                            {QStringLiteral("event"), job->event},
                            {QStringLiteral("delivery_id"), job->deliveryId},
                            {QStringLiteral("attempts"), job->attempts},
                            {QStringLiteral("error"), error}};
            if (status > 0)
                event.detail.insert(job->channelType == u"email" ? QStringLiteral("smtp_status")
                                                                 : QStringLiteral("http_status"),
                                    qint64(status));
            m_audit.record(event);
        }
        tx.commit();
    } catch (const std::exception &e) {
        qCWarning(lcNotify).noquote()
            << "cannot record the outcome of notification delivery" << deliveryId << "to channel"
            << job->channelName << ":" << e.what();
        // The audit row could not be written (sealed?): keep at least the channel's status.
        if (!ok) {
            try {
                store::NotificationChannelRepository(m_db).recordDelivery(job->channelId, delivery);
            } catch (const std::exception &) {
            }
        }
    }
    Q_EMIT deliveryFinished(job->channelId, deliveryId, ok);
}

} // namespace cortex::notify
