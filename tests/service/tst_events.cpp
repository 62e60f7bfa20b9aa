// GET /admin/events: the operator console's long-poll for new alarms, pending grants and device
// requests. Events are caused through the real API (a discover by an agent that needs approval,
// a read of a honey token); waiting polls run on raw connections so the test can do other
// requests meanwhile.

#include "AgentHelpers.h"

#include <QJsonArray>
#include <QTest>
#include <memory>
#include <vector>

using namespace cortex::test;

namespace {

QByteArray pollRequest(const QByteArray &query, const QByteArray &token,
                       const QByteArray &requestId = {})
{
    QByteArray r = "GET /admin/events" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    r += "X-Admin-Token: " + token + "\r\n";
    if (!requestId.isEmpty())
        r += "X-Request-Id: " + requestId + "\r\n";
    return r + "\r\n";
}

QJsonArray eventsOf(const QJsonObject &body)
{
    return body.value(QStringLiteral("events")).toArray();
}

qint64 lastSeqOf(const QJsonObject &body)
{
    return body.value(QStringLiteral("last_seq")).toInteger(-1);
}

} // namespace

class TestEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void needsTheAdminToken();
    void badParameters_data();
    void badParameters();
    void timeoutWithNothingNewIsEmpty();
    void waitingPollGetsPendingGrantAtOnce();
    void existingEventsAreReturnedWithoutWaiting();
    void pollAfterLastSeqWaits();
    void withoutAfterOnlyNewEventsCount();
    void honeyTokenAlarmCarriesAlarmId();
    void otherRequestsAreServedWhilePollsWait();
    void clientLeavingMidPollDoesNoHarm();
    void requestPipelinedBehindAPollIsAnsweredAfterIt();
    void tooManyWaitersGet503();

private:
    // The seq a poll started now would continue from.
    qint64 tail();
    // A discover for a fresh project: a new pending grant (audit action discover_pending_new).
    QString causePendingGrant();
    // Opens a raw connection with a waiting poll; null on failure.
    std::unique_ptr<RawConnection> startPoll(const QByteArray &query, const QByteArray &id = {});

    TestServer m_server;
    std::unique_ptr<AccessDriver> m_access;
    TestAgent m_agent{QStringLiteral("events-agent")};
    int m_project = 0;
};

void TestEvents::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    m_access = std::make_unique<AccessDriver>(m_server);
    CHECK_STATUS(m_access->registerAgent(m_agent), 201);
}

qint64 TestEvents::tail()
{
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/events?timeout=0"));
    if (r.status != 200)
        qWarning("tail: %s", r.describe().constData());
    return lastSeqOf(r.object());
}

QString TestEvents::causePendingGrant()
{
    const QString project = QStringLiteral("events-%1").arg(++m_project);
    const HttpReply r = m_access->discover(m_agent, project, QStringLiteral("A=1\n"));
    if (r.status != 403 || r.errorCode() != u"pending_approval")
        qWarning("expected pending_approval, got %s", r.describe().constData());
    return grantIdOf(r);
}

std::unique_ptr<RawConnection> TestEvents::startPoll(const QByteArray &query, const QByteArray &id)
{
    auto conn = std::make_unique<RawConnection>(m_server.port());
    if (!conn->isConnected())
        return nullptr;
    conn->write(pollRequest(query, m_server.adminToken(), id));
    if (!conn->flush())
        return nullptr;
    return conn;
}

void TestEvents::needsTheAdminToken()
{
    const HttpReply r =
        m_server.http().get(QStringLiteral("/admin/events?timeout=0"), HttpClient::Auth::None);
    CHECK_STATUS(r, 401);
}

void TestEvents::badParameters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("code");
    QTest::newRow("negative after") << "?after=-1"
                                    << "invalid_after";
    QTest::newRow("word after") << "?after=latest"
                                << "invalid_after";
    QTest::newRow("fraction after") << "?after=1.5"
                                    << "invalid_after";
    QTest::newRow("empty after") << "?after="
                                 << "invalid_after";
    QTest::newRow("huge after") << "?after=99999999999999999999999"
                                << "invalid_after";
    QTest::newRow("timeout too long") << "?timeout=31"
                                      << "invalid_timeout";
    QTest::newRow("negative timeout") << "?timeout=-1"
                                      << "invalid_timeout";
    QTest::newRow("word timeout") << "?after=0&timeout=soon"
                                  << "invalid_timeout";
}

void TestEvents::badParameters()
{
    QFETCH(QString, query);
    QFETCH(QString, code);
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/events") + query);
    CHECK_STATUS(r, 400);
    QCOMPARE(r.errorCode(), code);
}

void TestEvents::timeoutWithNothingNewIsEmpty()
{
    const qint64 from = tail();
    QVERIFY(from >= 0);
    const HttpReply r =
        m_server.http().get(QStringLiteral("/admin/events?after=%1&timeout=1").arg(from));
    CHECK_STATUS(r, 200);
    QCOMPARE(eventsOf(r.object()).size(), 0);
    QVERIFY2(lastSeqOf(r.object()) >= from, r.body.constData());
}

void TestEvents::waitingPollGetsPendingGrantAtOnce()
{
    const qint64 from = tail();
    std::unique_ptr<RawConnection> poll =
        startPoll("?after=" + QByteArray::number(from), "waiting-poll");
    QVERIFY(poll);
    poll->pump(300);
    QVERIFY2(poll->unread().isEmpty(), poll->unread().constData()); // nothing to say yet

    const QString grantId = causePendingGrant();
    QVERIFY(!grantId.isEmpty());
    // Well before the 30 s poll timeout (the wait limit only guards against a hang).
    const std::optional<RawResponse> r = poll->readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("X-Request-Id"), QByteArray("waiting-poll"));
    QCOMPARE(r->header("Cache-Control"), QByteArray("no-store"));
    const QJsonArray events = eventsOf(r->object());
    QCOMPARE(events.size(), 1);
    const QJsonObject e = events.first().toObject();
    QCOMPARE(e.value(QStringLiteral("type")).toString(), QStringLiteral("pending_grant"));
    QCOMPARE(e.value(QStringLiteral("action")).toString(), QStringLiteral("discover_pending_new"));
    QVERIFY(e.value(QStringLiteral("seq")).toInteger() > from);
    QVERIFY(!e.value(QStringLiteral("time")).toString().isEmpty());
    QVERIFY(e.value(QStringLiteral("detail")).isObject());
    QCOMPARE(e.value(QStringLiteral("resource")).toString(),
             QStringLiteral("events-%1").arg(m_project)); // the project that waits
    QCOMPARE(e.value(QStringLiteral("actor")).toString(), m_agent.id);
    QCOMPARE(e.value(QStringLiteral("status")).toString(), QStringLiteral("pending"));
    QVERIFY(!e.contains(QStringLiteral("alarm_id")));
    QVERIFY(lastSeqOf(r->object()) >= e.value(QStringLiteral("seq")).toInteger());
}

void TestEvents::existingEventsAreReturnedWithoutWaiting()
{
    const qint64 from = tail();
    causePendingGrant();
    causePendingGrant();
    // timeout=30: it must answer because events exist, not because the time ran out.
    const HttpReply r =
        m_server.http().get(QStringLiteral("/admin/events?after=%1&timeout=30").arg(from));
    CHECK_STATUS(r, 200);
    const QJsonArray events = eventsOf(r.object());
    QCOMPARE(events.size(), 2);
    QVERIFY(events.at(0).toObject().value(QStringLiteral("seq")).toInteger() <
            events.at(1).toObject().value(QStringLiteral("seq")).toInteger());
    QCOMPARE(lastSeqOf(r.object()), tail());
    // after=0: everything from the start, in order.
    const HttpReply all = m_server.http().get(QStringLiteral("/admin/events?after=0&timeout=0"));
    CHECK_STATUS(all, 200);
    QVERIFY(eventsOf(all.object()).size() >= 3);
}

void TestEvents::pollAfterLastSeqWaits()
{
    const qint64 from = tail();
    causePendingGrant();
    const HttpReply first =
        m_server.http().get(QStringLiteral("/admin/events?after=%1&timeout=0").arg(from));
    CHECK_STATUS(first, 200);
    QCOMPARE(eventsOf(first.object()).size(), 1);
    const qint64 last = lastSeqOf(first.object());
    QVERIFY(last > from);

    // Continuing from last_seq: nothing new, so it waits (here, for one second) and says so.
    const HttpReply again =
        m_server.http().get(QStringLiteral("/admin/events?after=%1&timeout=1").arg(last));
    CHECK_STATUS(again, 200);
    QCOMPARE(eventsOf(again.object()).size(), 0);
    QCOMPARE(lastSeqOf(again.object()), last);

    // Requests that leave audit rows but are no events do not wake it; last_seq moves on.
    std::unique_ptr<RawConnection> poll = startPoll("?after=" + QByteArray::number(last));
    QVERIFY(poll);
    CHECK_STATUS(m_server.http().post(QStringLiteral("/admin/secrets"),
                                      {{QStringLiteral("key_path"), QStringLiteral("ev/plain")},
                                       {QStringLiteral("value"), QStringLiteral("v")}}),
                 201);
    poll->pump(300);
    QVERIFY2(poll->unread().isEmpty(), poll->unread().constData());
    causePendingGrant();
    const std::optional<RawResponse> r = poll->readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(eventsOf(r->object()).size(), 1);
    QCOMPARE(lastSeqOf(r->object()), tail());
}

void TestEvents::withoutAfterOnlyNewEventsCount()
{
    causePendingGrant(); // an old event
    const HttpReply r = m_server.http().get(QStringLiteral("/admin/events?timeout=1"));
    CHECK_STATUS(r, 200);
    QCOMPARE(eventsOf(r.object()).size(), 0);
    QCOMPARE(lastSeqOf(r.object()), tail());

    std::unique_ptr<RawConnection> poll = startPoll("");
    QVERIFY(poll);
    poll->pump(300);
    QVERIFY(poll->unread().isEmpty());
    causePendingGrant();
    const std::optional<RawResponse> woken = poll->readResponse();
    QVERIFY(woken.has_value());
    QCOMPARE(eventsOf(woken->object()).size(), 1);

    // An `after` beyond the end of the log starts at the end.
    const HttpReply ahead =
        m_server.http().get(QStringLiteral("/admin/events?after=%1&timeout=0").arg(tail() + 1000));
    CHECK_STATUS(ahead, 200);
    QCOMPARE(eventsOf(ahead.object()).size(), 0);
    QCOMPARE(lastSeqOf(ahead.object()), tail());
}

void TestEvents::honeyTokenAlarmCarriesAlarmId()
{
    const HttpReply created = m_server.http().post(
        QStringLiteral("/admin/secrets"), {{QStringLiteral("key_path"), QStringLiteral("ev/decoy")},
                                           {QStringLiteral("value"), QStringLiteral("bait")},
                                           {QStringLiteral("is_honey_token"), true}});
    CHECK_STATUS(created, 201);
    const QString secretId = created.object().value(QStringLiteral("id")).toString();

    std::unique_ptr<RawConnection> poll = startPoll("?after=" + QByteArray::number(tail()));
    QVERIFY(poll);
    const HttpReply read = m_server.http().get(QStringLiteral("/admin/secrets/") + secretId);
    QVERIFY2(read.status >= 400, read.describe().constData());
    QVERIFY(!read.body.contains("bait"));

    const std::optional<RawResponse> r = poll->readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    const QJsonArray events = eventsOf(r->object());
    QCOMPARE(events.size(), 1);
    const QJsonObject e = events.first().toObject();
    QCOMPARE(e.value(QStringLiteral("type")).toString(), QStringLiteral("alarm"));
    QCOMPARE(e.value(QStringLiteral("action")).toString(), QStringLiteral("honey_token_access"));
    QCOMPARE(e.value(QStringLiteral("resource")).toString(), QStringLiteral("ev/decoy"));
    const QString alarmId = e.value(QStringLiteral("alarm_id")).toString();
    QVERIFY2(alarmId.startsWith(u"alm_"), r->body.constData());
    QCOMPARE(
        e.value(QStringLiteral("detail")).toObject().value(QStringLiteral("alarm_id")).toString(),
        alarmId);
    QVERIFY(!r->body.contains("bait"));
}

void TestEvents::otherRequestsAreServedWhilePollsWait()
{
    const QByteArray from = QByteArray::number(tail());
    std::vector<std::unique_ptr<RawConnection>> polls;
    for (int i = 0; i < 20; ++i) {
        polls.push_back(startPoll("?after=" + from));
        QVERIFY(polls.back());
    }
    polls.front()->pump(200);
    // The server keeps answering everyone else at once.
    for (int i = 0; i < 5; ++i) {
        CHECK_STATUS(m_server.http().get(QStringLiteral("/health")), 200);
        CHECK_STATUS(m_server.http().get(QStringLiteral("/admin/secrets")), 200);
    }
    const HttpReply quick = m_server.http().get(QStringLiteral("/admin/events?timeout=0"));
    CHECK_STATUS(quick, 200);
    for (const auto &poll : polls)
        QVERIFY2(poll->unread().isEmpty(), poll->unread().constData());

    causePendingGrant();
    for (const auto &poll : polls) {
        const std::optional<RawResponse> r = poll->readResponse();
        QVERIFY(r.has_value());
        QCOMPARE(r->status, 200);
        QCOMPARE(eventsOf(r->object()).size(), 1);
    }
}

void TestEvents::clientLeavingMidPollDoesNoHarm()
{
    const QByteArray from = QByteArray::number(tail());
    {
        std::unique_ptr<RawConnection> leaving = startPoll("?after=" + from);
        QVERIFY(leaving);
        leaving->pump(200);
        leaving->socket().abort();
    }
    {
        std::unique_ptr<RawConnection> closing = startPoll("?after=" + from);
        QVERIFY(closing);
        closing->pump(200);
        closing->socket().disconnectFromHost();
        QVERIFY(closing->waitForClosed());
    }
    QTest::qWait(200);
    std::unique_ptr<RawConnection> staying = startPoll("?after=" + from);
    QVERIFY(staying);
    staying->pump(200);
    causePendingGrant();
    const std::optional<RawResponse> r = staying->readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(eventsOf(r->object()).size(), 1);
    CHECK_STATUS(m_server.http().get(QStringLiteral("/health")), 200);
}

void TestEvents::requestPipelinedBehindAPollIsAnsweredAfterIt()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray from = QByteArray::number(tail());
    conn.write(pollRequest("?after=" + from, m_server.adminToken(), "poll-first") +
               "GET /sys/seal-status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: behind\r\n\r\n");
    QVERIFY(conn.flush());
    conn.pump(300);
    QVERIFY2(conn.unread().isEmpty(), conn.unread().constData()); // the poll is waiting
    causePendingGrant();
    const std::optional<RawResponse> first = conn.readResponse();
    QVERIFY(first.has_value());
    QCOMPARE(first->header("X-Request-Id"), QByteArray("poll-first"));
    QCOMPARE(eventsOf(first->object()).size(), 1);
    const std::optional<RawResponse> second = conn.readResponse();
    QVERIFY(second.has_value());
    QCOMPARE(second->header("X-Request-Id"), QByteArray("behind"));
    QCOMPARE(second->status, 200);

    // The same behind a poll that times out.
    conn.write(pollRequest("?timeout=1", m_server.adminToken(), "poll-timeout") +
               "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: behind-2\r\n\r\n");
    const std::optional<RawResponse> timedOut = conn.readResponse();
    QVERIFY(timedOut.has_value());
    QCOMPARE(timedOut->header("X-Request-Id"), QByteArray("poll-timeout"));
    QCOMPARE(eventsOf(timedOut->object()).size(), 0);
    const std::optional<RawResponse> next = conn.readResponse();
    QVERIFY(next.has_value());
    QCOMPARE(next->header("X-Request-Id"), QByteArray("behind-2"));
}

void TestEvents::tooManyWaitersGet503()
{
    const QByteArray from = QByteArray::number(tail());
    std::vector<std::unique_ptr<RawConnection>> polls;
    for (int i = 0; i < 256; ++i) {
        polls.push_back(startPoll("?after=" + from));
        QVERIFY2(polls.back(), qPrintable(QStringLiteral("poll %1").arg(i)));
    }
    // Make sure the server has taken every one of them.
    CHECK_STATUS(m_server.http().get(QStringLiteral("/health")), 200);
    polls.back()->pump(300);
    const HttpReply busy =
        m_server.http().get(QStringLiteral("/admin/events?after=") + QString::fromLatin1(from));
    CHECK_ERROR(busy, 503, "too_many_waiters");
    QCOMPARE(busy.header("Retry-After"), QByteArray("1"));
    // A plain poll (timeout=0) never waits, so it is still served.
    CHECK_STATUS(m_server.http().get(QStringLiteral("/admin/events?timeout=0")), 200);

    // Clients that leave free their places.
    for (int i = 0; i < 10; ++i)
        polls[i]->socket().abort();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_server.http().get(QStringLiteral("/admin/events?timeout=1")).status == 200, WaitLimitMs);
    std::unique_ptr<RawConnection> again = startPoll("?after=" + from, "again");
    QVERIFY(again);
    causePendingGrant();
    const std::optional<RawResponse> r = again->readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(eventsOf(r->object()).size(), 1);
    for (std::size_t i = 10; i < polls.size(); ++i) {
        const std::optional<RawResponse> woken = polls[i]->readResponse();
        QVERIFY(woken.has_value());
        QCOMPARE(woken->status, 200);
    }
}

QTEST_GUILESS_MAIN(TestEvents)
#include "tst_events.moc"
