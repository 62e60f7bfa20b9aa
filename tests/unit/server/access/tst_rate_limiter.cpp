// The token-bucket limiter under a hand-moved clock (bursts, Retry-After, exact refill, the key
// cap), its environment configuration with floors, and which address X-Forwarded-For may name.

#include "Clock.h"
#include "access/RateLimiter.h"

#include <QTest>
#include <QThread>
#include <atomic>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using namespace cortex;
using access::RateLimit;
using access::RateLimitConfig;
using access::RateLimiter;

namespace {

class ManualClock : public Clock
{
public:
    QDateTime now() const override { return m_now; }
    void advanceMs(qint64 ms) { m_now = m_now.addMSecs(ms); }
    void advanceSeconds(qint64 s) { m_now = m_now.addSecs(s); }

private:
    QDateTime m_now = QDateTime(QDate(2025, 1, 1), QTime(12, 0), Qt::UTC);
};

// Hits until denied; answers how many were allowed (stops after `limit` tries).
int allowedUntilDenied(RateLimiter &limiter, const QString &key, const RateLimit &limit,
                       RateLimiter::Decision *denied = nullptr, int maxTries = 100000)
{
    for (int i = 0; i < maxTries; ++i) {
        const RateLimiter::Decision d = limiter.hit(key, limit);
        if (!d.allowed) {
            if (denied)
                *denied = d;
            return i;
        }
    }
    return maxTries;
}

QProcessEnvironment envOf(const QStringList &assignments)
{
    QProcessEnvironment env;
    for (const QString &a : assignments) {
        const qsizetype eq = a.indexOf(u'=');
        env.insert(a.left(eq), a.mid(eq + 1));
    }
    return env;
}

} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void burstThenDeny_data();
    void burstThenDeny();
    void retryAfterIsExact_data();
    void retryAfterIsExact();
    void refillOverTime();
    void fractionalRateHasNoDrift_data();
    void fractionalRateHasNoDrift();
    void longIdleDoesNotOverflow();
    void clockSteppingBackGrantsNothing();
    void independentKeys();
    void peekDoesNotConsume();
    void changedLimitKeepsWholeTokens();
    void badLimitsAreClamped();
    void prune();
    void keyCapEvictsLeastRecentlyHit();
    void sprayStaysBounded();
    void longKeysAreBoundedAndDistinct();
    void threadsShareOneBucket();

    void config_data();
    void config();
    void failedPasswordConfig();
    void processEnvironmentIsRead();
    void trustedProxies_data();
    void trustedProxies();
    void clientAddress_data();
    void clientAddress();
};

void TestRateLimiter::burstThenDeny_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("perSeconds");
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("allowed");
    QTest::addColumn<int>("retryAfter");

    QTest::newRow("60/min") << 60 << 60 << 0 << 60 << 1;
    QTest::newRow("10/min") << 10 << 60 << 0 << 10 << 6;
    QTest::newRow("5/min burst 2") << 5 << 60 << 2 << 2 << 12;
    QTest::newRow("10/min burst 30") << 10 << 60 << 30 << 30 << 6;
    QTest::newRow("1/hour") << 1 << 3600 << 0 << 1 << 3600;
    QTest::newRow("3 per 7 s (2.33 s, rounded up)") << 3 << 7 << 0 << 3 << 3;
    QTest::newRow("1000/s (1 ms, at least 1 s)") << 1000 << 1 << 0 << 1000 << 1;
}

void TestRateLimiter::burstThenDeny()
{
    QFETCH(int, requests);
    QFETCH(int, perSeconds);
    QFETCH(int, burst);
    QFETCH(int, allowed);
    QFETCH(int, retryAfter);

    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{requests, perSeconds, burst};
    for (int i = 1; i <= allowed; ++i) {
        const auto d = limiter.hit(u"peer:127.0.0.1"_s, limit);
        QVERIFY2(d.allowed, qPrintable(u"request %1"_s.arg(i)));
        QCOMPARE(d.remaining, allowed - i);
        QCOMPARE(d.retryAfterSeconds, 0);
    }
    for (int i = 0; i < 3; ++i) { // denials take nothing and keep answering the same
        const auto d = limiter.hit(u"peer:127.0.0.1"_s, limit);
        QVERIFY(!d.allowed);
        QCOMPARE(d.remaining, 0);
        QCOMPARE(d.retryAfterSeconds, retryAfter);
    }
}

void TestRateLimiter::retryAfterIsExact_data()
{
    burstThenDeny_data();
}

// Waiting Retry-After seconds is always enough, and one second less is not (when > 1).
void TestRateLimiter::retryAfterIsExact()
{
    QFETCH(int, requests);
    QFETCH(int, perSeconds);
    QFETCH(int, burst);
    QFETCH(int, retryAfter);

    const RateLimit limit{requests, perSeconds, burst};
    {
        ManualClock clock;
        RateLimiter limiter(clock);
        allowedUntilDenied(limiter, u"k"_s, limit);
        clock.advanceSeconds(retryAfter);
        QVERIFY(limiter.hit(u"k"_s, limit).allowed);
    }
    if (retryAfter > 1) {
        ManualClock clock;
        RateLimiter limiter(clock);
        allowedUntilDenied(limiter, u"k"_s, limit);
        clock.advanceSeconds(retryAfter - 1);
        const auto d = limiter.hit(u"k"_s, limit);
        QVERIFY(!d.allowed);
        QCOMPARE(d.retryAfterSeconds, 1);
    }
}

void TestRateLimiter::refillOverTime()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{10, 60}; // one token every 6 s
    QCOMPARE(allowedUntilDenied(limiter, u"k"_s, limit), 10);

    clock.advanceMs(5999);
    auto d = limiter.hit(u"k"_s, limit);
    QVERIFY(!d.allowed);
    QCOMPARE(d.retryAfterSeconds, 1); // 1 ms left, rounded up

    clock.advanceMs(1);
    d = limiter.hit(u"k"_s, limit);
    QVERIFY(d.allowed);
    QCOMPARE(d.remaining, 0);
    d = limiter.hit(u"k"_s, limit);
    QVERIFY(!d.allowed);
    QCOMPARE(d.retryAfterSeconds, 6);

    clock.advanceSeconds(30);
    QCOMPARE(allowedUntilDenied(limiter, u"k"_s, limit), 5);

    // Never more than the burst, however long the wait.
    clock.advanceSeconds(24 * 3600);
    QCOMPARE(limiter.peek(u"k"_s, limit).remaining, 9);
    QCOMPARE(allowedUntilDenied(limiter, u"k"_s, limit), 10);
}

void TestRateLimiter::fractionalRateHasNoDrift_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("perSeconds");
    QTest::addColumn<int>("stepMs");
    QTest::addColumn<int>("durationSeconds");

    QTest::newRow("3 per 7 s, polled every ms") << 3 << 7 << 1 << 70;
    QTest::newRow("7 per 60 s, polled every 13 ms") << 7 << 60 << 13 << 600;
    QTest::newRow("60 per 60 s, polled every 999 ms") << 60 << 60 << 999 << 999;
    QTest::newRow("1000 per 3 s, polled every 1 ms") << 1000 << 3 << 1 << 30;
}

// A client hitting as fast as it may gets exactly burst + rate * time, whatever the polling
// step: the fractional remainder of each refill is kept, never rounded away or invented.
void TestRateLimiter::fractionalRateHasNoDrift()
{
    QFETCH(int, requests);
    QFETCH(int, perSeconds);
    QFETCH(int, stepMs);
    QFETCH(int, durationSeconds);

    ManualClock clock;
    RateLimiter limiter(clock);
    // Burst 2: draining at every poll keeps the bucket below full, so nothing overflows.
    const RateLimit limit{requests, perSeconds, 2};
    qint64 allowed = 0;
    const qint64 totalMs = qint64(durationSeconds) * 1000;
    for (qint64 t = 0; t <= totalMs; t += stepMs) {
        while (limiter.hit(u"k"_s, limit).allowed)
            ++allowed;
        clock.advanceMs(stepMs);
    }
    const qint64 lastPollMs = totalMs / stepMs * stepMs;
    const qint64 expected = 2 + lastPollMs * requests / (qint64(perSeconds) * 1000);
    QCOMPARE(allowed, expected);
}

void TestRateLimiter::longIdleDoesNotOverflow()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{1000000, 10000000, 1000000}; // the largest accepted values
    QVERIFY(limiter.hit(u"k"_s, limit).allowed);
    clock.advanceSeconds(qint64(100) * 365 * 24 * 3600);
    const auto d = limiter.hit(u"k"_s, limit);
    QVERIFY(d.allowed);
    QCOMPARE(d.remaining, 999999);
}

void TestRateLimiter::clockSteppingBackGrantsNothing()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{10, 60};
    allowedUntilDenied(limiter, u"k"_s, limit);
    clock.advanceSeconds(-3600);
    QVERIFY(!limiter.hit(u"k"_s, limit).allowed);
    clock.advanceSeconds(6); // refill counts from where the clock went back to
    QVERIFY(limiter.hit(u"k"_s, limit).allowed);
    QVERIFY(!limiter.hit(u"k"_s, limit).allowed);
}

void TestRateLimiter::independentKeys()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{3, 60};
    QCOMPARE(allowedUntilDenied(limiter, u"peer:10.0.0.1"_s, limit), 3);
    QCOMPARE(allowedUntilDenied(limiter, u"peer:10.0.0.2"_s, limit), 3);
    QCOMPARE(limiter.hit(u"agent:10.0.0.1"_s, limit).remaining, 2);
    QCOMPARE(limiter.hit(u"fail:agent:10.0.0.1"_s, limit).remaining, 2);
    QVERIFY(!limiter.hit(u"peer:10.0.0.1"_s, limit).allowed);
    QCOMPARE(limiter.trackedKeys(), std::size_t(4));
}

void TestRateLimiter::peekDoesNotConsume()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{3, 60};
    for (int i = 0; i < 5; ++i) {
        const auto d = limiter.peek(u"k"_s, limit);
        QVERIFY(d.allowed);
        QCOMPARE(d.remaining, 2);
    }
    QCOMPARE(limiter.trackedKeys(), std::size_t(0));

    allowedUntilDenied(limiter, u"k"_s, limit);
    auto d = limiter.peek(u"k"_s, limit);
    QVERIFY(!d.allowed);
    QCOMPARE(d.retryAfterSeconds, 20);
    clock.advanceSeconds(20);
    d = limiter.peek(u"k"_s, limit);
    QVERIFY(d.allowed);
    QCOMPARE(d.remaining, 0);
    QVERIFY(limiter.hit(u"k"_s, limit).allowed);
}

void TestRateLimiter::changedLimitKeepsWholeTokens()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    for (int i = 0; i < 4; ++i)
        QVERIFY(limiter.hit(u"k"_s, RateLimit{10, 60}).allowed);
    // 6 tokens left; a wider limit keeps them rather than refilling to its burst.
    QCOMPARE(limiter.peek(u"k"_s, RateLimit{100, 60}).remaining, 5);
    QCOMPARE(limiter.hit(u"k"_s, RateLimit{100, 60}).remaining, 5);
    // A narrower one caps them at its burst.
    QCOMPARE(limiter.hit(u"k"_s, RateLimit{2, 60}).remaining, 1);
}

void TestRateLimiter::badLimitsAreClamped()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit zero{0, 0, -5}; // taken as 1 per second
    QVERIFY(limiter.hit(u"k"_s, zero).allowed);
    const auto d = limiter.hit(u"k"_s, zero);
    QVERIFY(!d.allowed);
    QCOMPARE(d.retryAfterSeconds, 1);
}

void TestRateLimiter::prune()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit slow{10, 60};
    const RateLimit fast{10, 1};
    for (int i = 0; i < 100; ++i)
        limiter.hit(u"slow:%1"_s.arg(i), slow);
    for (int i = 0; i < 50; ++i)
        limiter.hit(u"fast:%1"_s.arg(i), fast);
    limiter.prune();
    QCOMPARE(limiter.trackedKeys(), std::size_t(150)); // nothing has refilled yet

    clock.advanceMs(100); // fast buckets are full again (1 token per 100 ms), slow ones are not
    limiter.prune();
    QCOMPARE(limiter.trackedKeys(), std::size_t(100));
    // A pruned key starts full, which is what it would have been anyway.
    QCOMPARE(limiter.hit(u"fast:0"_s, fast).remaining, 9);
    // A kept key kept its state.
    QCOMPARE(limiter.hit(u"slow:0"_s, slow).remaining, 8);

    clock.advanceSeconds(6);
    limiter.prune();
    QCOMPARE(limiter.trackedKeys(), std::size_t(1)); // slow:0 was hit again 6 s ago, at 8 of 10
    clock.advanceSeconds(6);
    limiter.prune();
    QCOMPARE(limiter.trackedKeys(), std::size_t(0));
}

void TestRateLimiter::keyCapEvictsLeastRecentlyHit()
{
    ManualClock clock;
    RateLimiter limiter(clock, 1000);
    const RateLimit limit{1, 3600};
    QVERIFY(limiter.hit(u"first"_s, limit).allowed);
    QVERIFY(limiter.hit(u"second"_s, limit).allowed);
    for (int i = 0; i < 998; ++i)
        limiter.hit(u"spray:%1"_s.arg(i), limit);
    QCOMPARE(limiter.trackedKeys(), std::size_t(1000));
    QVERIFY(!limiter.hit(u"first"_s, limit).allowed); // touched again: now the most recent
    QCOMPARE(limiter.trackedKeys(), std::size_t(1000));

    limiter.hit(u"spray:new"_s, limit); // at the cap: evicts "second", the oldest idle
    QCOMPARE(limiter.trackedKeys(), std::size_t(1000));
    QVERIFY(limiter.peek(u"second"_s, limit).allowed);
    QVERIFY(!limiter.peek(u"first"_s, limit).allowed);
}

void TestRateLimiter::sprayStaysBounded()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{5, 60};
    QVERIFY(limiter.hit(u"victim"_s, limit).allowed);
    for (int i = 0; i < 200000; ++i) {
        limiter.hit(u"peer:spray-%1"_s.arg(i), limit);
        if (i % 20000 == 0)
            QVERIFY(limiter.trackedKeys() <= RateLimiter::DefaultMaxKeys);
    }
    QCOMPARE(limiter.trackedKeys(), RateLimiter::DefaultMaxKeys);
    // The most recent keys keep their state; the victim was evicted first.
    QCOMPARE(limiter.peek(u"peer:spray-199999"_s, limit).remaining, 3);
    QCOMPARE(limiter.peek(u"victim"_s, limit).remaining, 4);
    // And once they refill, pruning gives all the memory back.
    clock.advanceSeconds(60);
    limiter.prune();
    QCOMPARE(limiter.trackedKeys(), std::size_t(0));
}

void TestRateLimiter::longKeysAreBoundedAndDistinct()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{1, 60};
    const QString prefix(100000, u'x');
    QVERIFY(limiter.hit(prefix + u'a', limit).allowed);
    QVERIFY(limiter.hit(prefix + u'b', limit).allowed); // a different key, not a truncation
    QVERIFY(!limiter.hit(prefix + u'a', limit).allowed);
    QCOMPARE(limiter.trackedKeys(), std::size_t(2));
}

// Several server threads hitting one key: exactly the burst gets through, no more, no less.
void TestRateLimiter::threadsShareOneBucket()
{
    ManualClock clock;
    RateLimiter limiter(clock);
    const RateLimit limit{5000, 3600};
    std::atomic<int> allowed = 0;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back(QThread::create([&, t] {
            for (int i = 0; i < 1000; ++i) {
                if (limiter.hit(u"shared"_s, limit).allowed)
                    ++allowed;
                limiter.hit(u"own:%1:%2"_s.arg(t).arg(i % 10), limit);
            }
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(30000));
    QCOMPARE(allowed.load(), 5000);
    QCOMPARE(limiter.trackedKeys(), std::size_t(1 + 8 * 10));
}

void TestRateLimiter::config_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<int>("discover");
    QTest::addColumn<int>("failedAuth");
    QTest::addColumn<int>("failedToken");
    QTest::addColumn<int>("fetch"); // 0: unlimited
    QTest::addColumn<QStringList>("warningsMention");

    const QString d = u"CORTEX_RATE_DISCOVER_PER_MINUTE="_s;
    const QString a = u"CORTEX_RATE_FAILED_AUTH_PER_MINUTE="_s;
    const QString t = u"CORTEX_RATE_FAILED_TOKEN_PER_MINUTE="_s;
    const QString f = u"CORTEX_RATE_TOKEN_FETCH_PER_MINUTE="_s;
    const QStringList none;

    QTest::newRow("defaults") << none << 60 << 10 << 30 << 0 << none;
    QTest::newRow("discover raised") << QStringList{d + u"120"_s} << 120 << 10 << 30 << 0 << none;
    QTest::newRow("discover lowered to its floor")
        << QStringList{d + u"10"_s} << 10 << 10 << 30 << 0 << none;
    QTest::newRow("discover below floor (reference's 5)")
        << QStringList{d + u"5"_s} << 10 << 10 << 30 << 0
        << QStringList{u"CORTEX_RATE_DISCOVER_PER_MINUTE"_s, u"minimum"_s};
    QTest::newRow("discover 0") << QStringList{d + u"0"_s} << 10 << 10 << 30 << 0
                                << QStringList{u"CORTEX_RATE_DISCOVER_PER_MINUTE"_s};
    QTest::newRow("failed auth below floor")
        << QStringList{a + u"3"_s} << 60 << 10 << 30 << 0
        << QStringList{u"CORTEX_RATE_FAILED_AUTH_PER_MINUTE"_s, u"minimum"_s};
    QTest::newRow("failed auth raised") << QStringList{a + u"25"_s} << 60 << 25 << 30 << 0 << none;
    QTest::newRow("failed token below floor")
        << QStringList{t + u"1"_s} << 60 << 10 << 10 << 0
        << QStringList{u"CORTEX_RATE_FAILED_TOKEN_PER_MINUTE"_s};
    QTest::newRow("whitespace around the number")
        << QStringList{d + u" 90 "_s} << 90 << 10 << 30 << 0 << none;
    QTest::newRow("not a number keeps the default")
        << QStringList{d + u"lots"_s} << 60 << 10 << 30 << 0
        << QStringList{u"CORTEX_RATE_DISCOVER_PER_MINUTE"_s, u"not a whole number"_s};
    QTest::newRow("negative keeps the default")
        << QStringList{a + u"-5"_s} << 60 << 10 << 30 << 0
        << QStringList{u"CORTEX_RATE_FAILED_AUTH_PER_MINUTE"_s};
    QTest::newRow("fraction keeps the default")
        << QStringList{d + u"7.5"_s} << 60 << 10 << 30 << 0
        << QStringList{u"CORTEX_RATE_DISCOVER_PER_MINUTE"_s};
    QTest::newRow("above the maximum") << QStringList{d + u"2000000000"_s} << 1000000 << 10 << 30
                                       << 0 << QStringList{u"maximum"_s};
    QTest::newRow("fetch limited") << QStringList{f + u"600"_s} << 60 << 10 << 30 << 600 << none;
    QTest::newRow("fetch 0 is unlimited") << QStringList{f + u"0"_s} << 60 << 10 << 30 << 0 << none;
    QTest::newRow("all set") << QStringList{d + u"300"_s, a + u"20"_s, t + u"40"_s, f + u"1"_s}
                             << 300 << 20 << 40 << 1 << none;
}

void TestRateLimiter::config()
{
    QFETCH(QStringList, env);
    QFETCH(int, discover);
    QFETCH(int, failedAuth);
    QFETCH(int, failedToken);
    QFETCH(int, fetch);
    QFETCH(QStringList, warningsMention);

    const auto parsed = RateLimitConfig::fromEnvironment(envOf(env));
    const RateLimitConfig &c = parsed.config;
    QCOMPARE(c.discoverPerPeer.requests, discover);
    QCOMPARE(c.discoverPerPeer.perSeconds, 60);
    QCOMPARE(c.failedAuthPerAgent.requests, failedAuth);
    QCOMPARE(c.failedAuthPerAgent.perSeconds, 60);
    QCOMPARE(c.failedTokenPerPeer.requests, failedToken);
    QCOMPARE(c.validTokenFetch.has_value(), fetch > 0);
    if (fetch > 0)
        QCOMPARE(c.validTokenFetch->requests, fetch);
    QVERIFY(c.trustedProxies.isEmpty());

    if (warningsMention.isEmpty()) {
        QVERIFY2(parsed.warnings.isEmpty(), qPrintable(parsed.warnings.join(u'\n')));
    } else {
        QCOMPARE(parsed.warnings.size(), 1);
        for (const QString &word : warningsMention)
            QVERIFY2(parsed.warnings.first().contains(word), qPrintable(parsed.warnings.first()));
    }
    // Whatever the input, the floors hold.
    QVERIFY(c.discoverPerPeer.requests >= RateLimitConfig::MinDiscoverPerMinute);
    QVERIFY(c.failedAuthPerAgent.requests >= RateLimitConfig::MinFailedAuthPerMinute);
    QVERIFY(c.failedTokenPerPeer.requests >= RateLimitConfig::MinFailedTokenPerMinute);
}

void TestRateLimiter::failedPasswordConfig()
{
    const QString name = u"CORTEX_RATE_FAILED_PASSWORD_PER_MINUTE"_s;
    const auto parsedDefault = RateLimitConfig::fromEnvironment(envOf({}));
    QCOMPARE(parsedDefault.config.failedPasswordPerPeer.requests, 10);
    QCOMPARE(parsedDefault.config.failedPasswordPerPeer.perSeconds, 60);

    const auto raised = RateLimitConfig::fromEnvironment(envOf({name + u"=20"_s}));
    QCOMPARE(raised.config.failedPasswordPerPeer.requests, 20);
    QVERIFY(raised.warnings.isEmpty());

    // Below the floor: raised to it, and said so.
    const auto low = RateLimitConfig::fromEnvironment(envOf({name + u"=1"_s}));
    QCOMPARE(low.config.failedPasswordPerPeer.requests,
             RateLimitConfig::MinFailedPasswordPerMinute);
    QCOMPARE(low.warnings.size(), 1);
    QVERIFY2(low.warnings.first().contains(name) && low.warnings.first().contains(u"minimum"_s),
             qPrintable(low.warnings.first()));
}

// fromEnvironment() without an argument reads the process's own variables (only its own ones:
// it must not copy the secrets handed over in the environment).
void TestRateLimiter::processEnvironmentIsRead()
{
    qputenv("CORTEX_RATE_DISCOVER_PER_MINUTE", "77");
    qputenv("CORTEX_RATE_TOKEN_FETCH_PER_MINUTE", "500");
    qputenv("CORTEX_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7");
    const auto parsed = RateLimitConfig::fromEnvironment();
    qunsetenv("CORTEX_RATE_DISCOVER_PER_MINUTE");
    qunsetenv("CORTEX_RATE_TOKEN_FETCH_PER_MINUTE");
    qunsetenv("CORTEX_TRUSTED_PROXIES");
    QVERIFY2(parsed.warnings.isEmpty(), qPrintable(parsed.warnings.join(u'\n')));
    QCOMPARE(parsed.config.discoverPerPeer.requests, 77);
    QVERIFY(parsed.config.validTokenFetch.has_value());
    QCOMPARE(parsed.config.validTokenFetch->requests, 500);
    QVERIFY(parsed.config.isTrustedProxy(QHostAddress(u"10.1.2.3"_s)));
    QVERIFY(parsed.config.isTrustedProxy(QHostAddress(u"192.0.2.7"_s)));
    QVERIFY(!parsed.config.isTrustedProxy(QHostAddress(u"192.0.2.8"_s)));
}

void TestRateLimiter::trustedProxies_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QStringList>("subnets");
    QTest::addColumn<int>("warnings");

    QTest::newRow("unset") << QString() << QStringList() << 0;
    QTest::newRow("one address") << u"127.0.0.1"_s << QStringList{u"127.0.0.1/32"_s} << 0;
    QTest::newRow("list with blanks and CIDRs")
        << u" 127.0.0.1 , 10.0.0.0/8,,::1, fd00::/8 "_s
        << QStringList{u"127.0.0.1/32"_s, u"10.0.0.0/8"_s, u"::1/128"_s, u"fd00::/8"_s} << 0;
    QTest::newRow("host bits masked") << u"10.1.2.3/8"_s << QStringList{u"10.0.0.0/8"_s} << 0;
    QTest::newRow("mapped IPv6 as IPv4")
        << u"::ffff:10.0.0.1"_s << QStringList{u"10.0.0.1/32"_s} << 0;
    QTest::newRow("garbage skipped, good kept")
        << u"proxy.local, 10.0.0.0/33, 127.1, 1.2.3.4/x, 0x7f.0.0.1, 10.0.0.0/, /8, 192.168.0.1"_s
        << QStringList{u"192.168.0.1/32"_s} << 7;
}

void TestRateLimiter::trustedProxies()
{
    QFETCH(QString, value);
    QFETCH(QStringList, subnets);
    QFETCH(int, warnings);

    QProcessEnvironment env;
    if (!value.isNull())
        env.insert(u"CORTEX_TRUSTED_PROXIES"_s, value);
    const auto parsed = RateLimitConfig::fromEnvironment(env);
    QStringList got;
    for (const auto &[address, prefix] : parsed.config.trustedProxies)
        got << address.toString() + u'/' + QString::number(prefix);
    QCOMPARE(got, subnets);
    QCOMPARE(parsed.warnings.size(), warnings);
    for (const QString &w : parsed.warnings)
        QVERIFY2(w.startsWith(u"CORTEX_TRUSTED_PROXIES"_s), qPrintable(w));
}

void TestRateLimiter::clientAddress_data()
{
    QTest::addColumn<QString>("trusted");
    QTest::addColumn<QString>("peer");
    QTest::addColumn<QByteArray>("xff");
    QTest::addColumn<QString>("expected");

    const QString proxies = u"127.0.0.1, 10.0.0.0/8, fd00::/8"_s;
    const QString client = u"198.51.100.7"_s;

    // Untrusted peers: the header is the client's own claim, never believed.
    QTest::newRow("untrusted peer, XFF ignored")
        << proxies << u"203.0.113.5"_s << QByteArray("198.51.100.7") << u"203.0.113.5"_s;
    QTest::newRow("untrusted peer, no XFF")
        << proxies << u"203.0.113.5"_s << QByteArray() << u"203.0.113.5"_s;
    QTest::newRow("no proxies configured, loopback peer")
        << QString() << u"127.0.0.1"_s << QByteArray("198.51.100.7") << u"127.0.0.1"_s;
    QTest::newRow("untrusted mapped peer is IPv4")
        << proxies << u"::ffff:203.0.113.5"_s << QByteArray("1.1.1.1") << u"203.0.113.5"_s;
    QTest::newRow("untrusted IPv6 peer")
        << proxies << u"2001:db8::5"_s << QByteArray("1.1.1.1") << u"2001:db8::5"_s;

    // Trusted peers.
    QTest::newRow("trusted, one hop")
        << proxies << u"127.0.0.1"_s << QByteArray("198.51.100.7") << client;
    QTest::newRow("trusted, no XFF") << proxies << u"127.0.0.1"_s << QByteArray() << u"127.0.0.1"_s;
    QTest::newRow("trusted, blank XFF")
        << proxies << u"127.0.0.1"_s << QByteArray(" \t ") << u"127.0.0.1"_s;
    QTest::newRow("trusted, blanks around")
        << proxies << u"127.0.0.1"_s << QByteArray("  198.51.100.7\t") << client;
    QTest::newRow("trusted, chain through inner proxy")
        << proxies << u"127.0.0.1"_s << QByteArray("198.51.100.7, 10.0.0.2") << client;
    QTest::newRow("trusted, spoofed entries left of the client are ignored")
        << proxies << u"127.0.0.1"_s << QByteArray("6.6.6.6, 7.7.7.7,198.51.100.7, 10.0.0.2")
        << client;
    QTest::newRow("trusted, spoofed trusted-looking entry")
        << proxies << u"127.0.0.1"_s << QByteArray("10.9.9.9, 198.51.100.7") << client;
    QTest::newRow("trusted, every hop trusted: left-most")
        << proxies << u"127.0.0.1"_s << QByteArray("10.0.0.3, 10.0.0.2") << u"10.0.0.3"_s;
    QTest::newRow("trusted, garbage left of the client is ignored")
        << proxies << u"127.0.0.1"_s << QByteArray("<script>, 198.51.100.7") << client;
    QTest::newRow("trusted, empty entry left of the client is ignored")
        << proxies << u"127.0.0.1"_s << QByteArray(",198.51.100.7") << client;
    QTest::newRow("trusted, mapped peer")
        << proxies << u"::ffff:127.0.0.1"_s << QByteArray("198.51.100.7") << client;
    QTest::newRow("trusted IPv6 peer, IPv6 client")
        << proxies << u"fd00::1"_s << QByteArray("2001:db8::1") << u"2001:db8::1"_s;
    QTest::newRow("trusted, IPv6 client behind IPv6 proxy")
        << proxies << u"127.0.0.1"_s << QByteArray("2001:db8::1, fd00::7") << u"2001:db8::1"_s;
    QTest::newRow("trusted, mapped client is IPv4")
        << proxies << u"127.0.0.1"_s << QByteArray("::ffff:198.51.100.7") << client;

    // Malformed hops on the trusted side: the peer.
    const QString peer = u"127.0.0.1"_s;
    const QList<QByteArray> garbage = {"garbage",
                                       "unknown",
                                       "198.51.100.7:1234",
                                       "[2001:db8::1]",
                                       "[2001:db8::1]:443",
                                       "fe80::1%eth0",
                                       "127.1",
                                       "0x7f.0.0.1",
                                       "010.0.0.1",
                                       "256.1.1.1",
                                       "1.2.3.4.5",
                                       "1.2.3.",
                                       "198.51.100.7, garbage",
                                       "198.51.100.7,",
                                       "198.51.100.7, 10.0.0.2,",
                                       "10.0.0.2,,10.0.0.3",
                                       "1.2.3.4 5.6.7.8",
                                       "198.51.100.7\n",
                                       "\xff\xfe"};
    for (const QByteArray &g : garbage)
        QTest::newRow(("trusted, malformed: " + g.toPercentEncoding(" ,:[]%.")).constData())
            << proxies << peer << g << peer;
}

void TestRateLimiter::clientAddress()
{
    QFETCH(QString, trusted);
    QFETCH(QString, peer);
    QFETCH(QByteArray, xff);
    QFETCH(QString, expected);

    QProcessEnvironment env;
    env.insert(u"CORTEX_TRUSTED_PROXIES"_s, trusted);
    const auto parsed = RateLimitConfig::fromEnvironment(env);
    QVERIFY(parsed.warnings.isEmpty());
    const QHostAddress result = access::clientAddress(QHostAddress(peer), xff, parsed.config);
    QCOMPARE(result.toString(), expected);
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_rate_limiter.moc"
