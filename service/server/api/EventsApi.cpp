// GET /admin/events?after=SEQ[&timeout=S]: a long-poll over the audit log that tells the
// operator console at once of new alarms, pending grants and device requests.

#include "api/ApiContext.h"
#include "api/Routes.h"
#include "audit/AuditLog.h"
#include "store/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QPointer>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTimer>
#include <map>
#include <memory>

namespace cortex::api {

namespace {

Q_LOGGING_CATEGORY(lcEvents, "cortex.events")

constexpr int MaxTimeoutSeconds = 30;
constexpr int MaxWaiters = 256;       // concurrent long-polls; more get 503 + Retry-After
constexpr int MaxEventsPerPoll = 500; // more: last_seq is the last one returned

// The audit actions that are events, and the event type each becomes.
QString eventType(const QString &action)
{
    if (action == u"honey_token_access")
        return QStringLiteral("alarm");
    if (action == u"discover_pending_new")
        return QStringLiteral("pending_grant");
    if (action == u"device_authorize")
        return QStringLiteral("device_request");
    return {};
}

const QVariantList &eventActions()
{
    static const QVariantList actions{QStringLiteral("honey_token_access"),
                                      QStringLiteral("discover_pending_new"),
                                      QStringLiteral("device_authorize")};
    return actions;
}

// A non-negative decimal integer, digits only; nullopt otherwise.
std::optional<qint64> parseCount(const QString &text)
{
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,18}$"));
    if (!digits.match(text).hasMatch())
        return std::nullopt;
    return text.toLongLong();
}

QJsonValue textOrNull(const QVariant &v)
{
    return v.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(v.toString());
}

// One poll's answer: the events after `after` (at most MaxEventsPerPoll) and the seq the next
// poll continues from.
struct Batch
{
    QJsonArray events;
    qint64 lastSeq = 0;

    HttpResponse response() const
    {
        return HttpResponse::json(200, QJsonObject{{QStringLiteral("events"), events},
                                                   {QStringLiteral("last_seq"), lastSeq}});
    }
};

class EventHub : public QObject
{
public:
    EventHub(ApiContext &ctx, QObject *parent) : QObject(parent), m_ctx(ctx)
    {
        connect(&ctx.audit, &audit::AuditLog::appended, this, &EventHub::onAppended);
    }
    ~EventHub() override
    {
        // Going away with the server: answer whoever still waits rather than leave them hanging.
        std::map<quint64, Waiter> waiters;
        waiters.swap(m_waiters);
        for (auto &[id, waiter] : waiters)
            waiter.slot.complete(HttpResponse::error(ApiError::serviceUnavailable(
                QStringLiteral("shutting_down"), QStringLiteral("the server is shutting down"))));
    }

    HttpResponse poll(HttpRequest &request);

private:
    // A waiter may be dropped from inside its own timer's timeout: delete the timer later.
    struct DeleteLater
    {
        void operator()(QTimer *timer) const
        {
            timer->stop();
            timer->deleteLater();
        }
    };
    struct Waiter
    {
        qint64 after = 0;
        http::ResponseSlot slot;
        std::unique_ptr<QTimer, DeleteLater> timer;
    };

    qint64 tailSeq();
    Batch fetch(qint64 after);
    void onAppended(qint64 seq, const QString &action, const QString &status);
    void finish(quint64 id, bool timedOut, std::map<qint64, Batch> *cache = nullptr);

    ApiContext &m_ctx;
    std::map<quint64, Waiter> m_waiters;
    quint64 m_nextId = 0;
};

// The highest seq the audit log has reached (a pruned log continues from its anchor).
qint64 EventHub::tailSeq()
{
    QSqlQuery rows = m_ctx.db.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM audit_log"));
    qint64 tail = rows.next() ? rows.value(0).toLongLong() : 0;
    QSqlQuery anchors =
        m_ctx.db.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints"));
    if (anchors.next())
        tail = qMax(tail, anchors.value(0).toLongLong());
    return tail;
}

Batch EventHub::fetch(qint64 after)
{
    Batch batch;
    QSqlQuery q = m_ctx.db.exec(
        QStringLiteral("SELECT a.seq, a.time, a.action, a.resource, a.actor, a.status, a.detail,"
                       " (SELECT MIN(al.id) FROM alarms al WHERE al.audit_seq = a.seq)"
                       " FROM audit_log a WHERE a.seq > ? AND a.action IN (?, ?, ?)"
                       " ORDER BY a.seq LIMIT ?"),
        QVariantList{after} + eventActions() + QVariantList{MaxEventsPerPoll + 1});
    qint64 lastReturned = after;
    bool more = false;
    while (q.next()) {
        if (batch.events.size() == MaxEventsPerPoll) {
            more = true;
            break;
        }
        const qint64 seq = q.value(0).toLongLong();
        const QString action = q.value(2).toString();
        QJsonObject detail;
        if (!q.value(6).isNull())
            detail = QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object();
        QJsonObject event{{QStringLiteral("seq"), seq},
                          {QStringLiteral("type"), eventType(action)},
                          {QStringLiteral("time"), q.value(1).toString()},
                          {QStringLiteral("action"), action},
                          {QStringLiteral("resource"), textOrNull(q.value(3))},
                          {QStringLiteral("actor"), textOrNull(q.value(4))},
                          {QStringLiteral("status"), q.value(5).toString()},
                          {QStringLiteral("detail"), detail}};
        if (!q.value(7).isNull())
            event.insert(QStringLiteral("alarm_id"), q.value(7).toString());
        batch.events.append(event);
        lastReturned = seq;
    }
    batch.lastSeq = more ? lastReturned : qMax(lastReturned, tailSeq());
    return batch;
}

HttpResponse EventHub::poll(HttpRequest &request)
{
    request.notes.resource = QStringLiteral("events");
    const QString afterText = request.queryValue(QStringLiteral("after"));
    const QString timeoutText = request.queryValue(QStringLiteral("timeout"));
    std::optional<qint64> after;
    if (request.query.hasQueryItem(QStringLiteral("after"))) {
        after = parseCount(afterText);
        if (!after)
            throw ApiError::badRequest(QStringLiteral("invalid_after"),
                                       QStringLiteral("after must be a non-negative integer"));
    }
    int timeoutSeconds = MaxTimeoutSeconds;
    if (request.query.hasQueryItem(QStringLiteral("timeout"))) {
        const std::optional<qint64> t = parseCount(timeoutText);
        if (!t || *t > MaxTimeoutSeconds)
            throw ApiError::badRequest(
                QStringLiteral("invalid_timeout"),
                QStringLiteral("timeout must be an integer from 0 to %1 seconds")
                    .arg(MaxTimeoutSeconds));
        timeoutSeconds = int(*t);
    }

    // Without `after` the client starts now: only what comes next. An `after` beyond the
    // log's end (a restored store, another server) also starts at the end, or it would miss
    // everything until the log caught up.
    const qint64 tail = tailSeq();
    const qint64 from = after ? qMin(*after, tail) : tail;
    if (from < tail) {
        const Batch batch = fetch(from);
        if (!batch.events.isEmpty() || timeoutSeconds == 0)
            return batch.response();
    }
    if (timeoutSeconds == 0)
        return Batch{{}, tail}.response();

    if (m_waiters.size() >= MaxWaiters) {
        return HttpResponse::error(ApiError::serviceUnavailable(
            QStringLiteral("too_many_waiters"),
            QStringLiteral("too many event streams are open; retry shortly"),
            {{QStringLiteral("retry_after_seconds"), 1}})); // and Retry-After: 1
    }

    const quint64 id = ++m_nextId;
    Waiter &waiter = m_waiters[id];
    waiter.after = tail; // nothing matched up to the tail: wake for what follows
    waiter.slot = request.defer();
    waiter.timer.reset(new QTimer(this));
    waiter.timer->setSingleShot(true);
    connect(waiter.timer.get(), &QTimer::timeout, this, [this, id] { finish(id, true); });
    waiter.timer->start(timeoutSeconds * 1000);
    // The client went away (or the server is closing its connection): forget it.
    waiter.slot.onCancelled(this, [this, id] { m_waiters.erase(id); });
    return HttpResponse::deferred();
}

void EventHub::onAppended(qint64 seq, const QString &action, const QString &)
{
    if (m_waiters.empty() || eventType(action).isEmpty())
        return;
    std::vector<quint64> due;
    for (const auto &[id, waiter] : m_waiters)
        if (waiter.after < seq)
            due.push_back(id);
    std::map<qint64, Batch> batches; // most waiters wait from the same seq: read once
    for (quint64 id : due)
        finish(id, false, &batches);
}

// Answers one waiter with what it has not seen yet (on timeout possibly nothing).
void EventHub::finish(quint64 id, bool timedOut, std::map<qint64, Batch> *cache)
{
    const auto it = m_waiters.find(id);
    if (it == m_waiters.end())
        return;
    const qint64 after = it->second.after;
    Batch batch;
    try {
        if (cache && cache->count(after))
            batch = cache->at(after);
        else
            batch = fetch(after);
        if (cache)
            (*cache)[after] = batch;
    } catch (const std::exception &e) {
        qCWarning(lcEvents) << "cannot read events:" << e.what();
        Waiter failed = std::move(it->second);
        m_waiters.erase(it);
        failed.slot.complete(HttpResponse::error(ApiError::internal()));
        return;
    }
    if (batch.events.isEmpty() && !timedOut)
        return; // not for this waiter after all: keep waiting
    Waiter done = std::move(it->second);
    m_waiters.erase(it);
    done.slot.complete(batch.response());
}

} // namespace

void registerEventRoutes(http::Router &router, ApiContext &ctx)
{
    // Owned by the audit log whose signal it follows; the routes live no longer than it does.
    auto *hub = new EventHub(ctx, &ctx.audit);
    router.add("GET", QStringLiteral("/admin/events"), AdminRoute,
               [hub = QPointer<EventHub>(hub)](HttpRequest &request) {
                   if (!hub)
                       throw ApiError::serviceUnavailable(
                           QStringLiteral("shutting_down"),
                           QStringLiteral("the server is shutting down"));
                   return hub->poll(request);
               });
}

} // namespace cortex::api
