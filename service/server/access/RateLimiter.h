#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <cstddef>
#include <list>
#include <optional>

#include "ServerFwd.h"

namespace cortex::access {

// `requests` per `perSeconds`, refilled continuously; up to `burst` at once (0: `requests`).
// Values below 1 are taken as 1 (burst: below 0 as 0), so a bad limit never divides by zero.
struct RateLimit
{
    int requests = 1;
    int perSeconds = 60;
    int burst = 0;

    friend bool operator==(const RateLimit &, const RateLimit &) = default;
};

// In-memory token buckets keyed by a caller-chosen string ("peer:127.0.0.1", "agent:foo",
// "fail:agent:foo"). Time comes from the injected Clock, so tests move it by hand.
//
//  * Refill is exact: token counts are integers scaled by perSeconds * 1000, and every elapsed
//    millisecond adds `requests` of them, so no rounding drifts at any rate.
//  * Memory is bounded: at most maxKeys buckets (default 100 000), each key at most
//    MaxStoredKeyLength characters (longer keys are stored as their SHA-256). A new key at the
//    cap evicts the least recently hit bucket. A bucket that is full again carries no state, so
//    prune() (to be called periodically) drops those, and an eviction usually loses nothing; if
//    an attacker sprays enough keys to evict a bucket that was still refilling, that one key
//    starts afresh: a bounded leak of a few requests, never unbounded memory.
//  * A clock that steps backwards refills nothing (it never hands out tokens).
//  * Thread-safe: one limiter may serve several server threads.
class RateLimiter
{
public:
    static constexpr std::size_t DefaultMaxKeys = 100000;
    static constexpr qsizetype MaxStoredKeyLength = 128;

    explicit RateLimiter(const Clock &clock, std::size_t maxKeys = DefaultMaxKeys);

    struct Decision
    {
        bool allowed = true;
        int retryAfterSeconds = 0; // 0 when allowed; when denied the whole seconds (rounded up,
                                   // at least 1) until one request is allowed again
        int remaining = 0;         // whole requests still allowed right now (after this one)
    };

    // Takes one token if there is one.
    Decision hit(const QString &key, const RateLimit &limit);
    // What hit() would answer, without taking a token or tracking the key.
    Decision peek(const QString &key, const RateLimit &limit) const;
    // Forgets every bucket that has refilled completely.
    void prune();
    std::size_t trackedKeys() const;

private:
    struct Bucket
    {
        QString key;
        qint64 scaledTokens = 0; // tokens * cost, see Scale in the .cpp
        qint64 lastMs = 0;       // clock time of the last refill
        RateLimit limit;
    };
    using Lru = std::list<Bucket>; // least recently hit first

    static QString storedKey(const QString &key);
    qint64 nowMs() const;

    const Clock &m_clock;
    const std::size_t m_maxKeys;
    mutable QMutex m_mutex;
    Lru m_lru;
    QHash<QString, Lru::iterator> m_index;
};

// Limits applied by the agent-facing routes; see fromEnvironment() for the variables.
struct RateLimitConfig
{
    // Lowest values accepted from the environment: below these a host running a handful of
    // agents gets 429s on ordinary restarts (the reference's 5/min per address, §18.7–8).
    static constexpr int MinDiscoverPerMinute = 10;
    static constexpr int MinFailedAuthPerMinute = 10;
    static constexpr int MinFailedTokenPerMinute = 10;
    // Each wrong password costs an Argon2id derivation (up to 1 GiB and seconds of CPU): few,
    // but enough for an operator's typos.
    static constexpr int MinFailedPasswordPerMinute = 3;
    static constexpr int MaxPerMinute = 1000000;

    // POST /agent/discover, keyed by client address.
    RateLimit discoverPerPeer{60, 60};
    // Failed proofs (bad signature, skew, replay), keyed by agent id.
    RateLimit failedAuthPerAgent{10, 60};
    // Requests with an unknown, expired or revoked project token, keyed by client address.
    RateLimit failedTokenPerPeer{30, 60};
    // Wrong passwords (POST /sys/unseal, POST /sys/change-password with current_password),
    // keyed by client address: neither route needs a token, so this bounds online guessing and
    // the Argon2id work a stranger can make the server do.
    RateLimit failedPasswordPerPeer{10, 60};
    // Requests with a valid project token, keyed by token: unlimited unless configured.
    std::optional<RateLimit> validTokenFetch;
    // Peers whose X-Forwarded-For is believed (address, prefix length).
    QList<QPair<QHostAddress, int>> trustedProxies;

    struct Parsed;
    // Reads CORTEX_RATE_DISCOVER_PER_MINUTE, CORTEX_RATE_FAILED_AUTH_PER_MINUTE,
    // CORTEX_RATE_FAILED_TOKEN_PER_MINUTE, CORTEX_RATE_FAILED_PASSWORD_PER_MINUTE (raised to
    // their floors, with a warning),
    // CORTEX_RATE_TOKEN_FETCH_PER_MINUTE (unset or 0: unlimited) and CORTEX_TRUSTED_PROXIES
    // (comma-separated addresses or CIDR subnets; bad entries are skipped with a warning, which
    // only ever trusts less). Unparsable numbers keep the default, with a warning.
    static Parsed fromEnvironment(const QProcessEnvironment &env);
    static Parsed fromEnvironment(); // the process environment

    bool isTrustedProxy(const QHostAddress &address) const;
};

struct RateLimitConfig::Parsed
{
    RateLimitConfig config;
    QStringList warnings; // one line each, fit for the server log
};

// The address a request is rate-limited under. X-Forwarded-For (all of a request's XFF headers
// joined with ',') counts only when the peer is a trusted proxy: then the answer is the
// right-most entry that is not itself a trusted proxy (entries to its left are whatever the
// client wrote, so they are never looked at), or the left-most entry when all are trusted. An
// empty or malformed entry on the way (not a bare IPv4/IPv6 address) gives the peer.
// IPv4-mapped IPv6 addresses are answered as IPv4, so one client has one key.
QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &xForwardedFor,
                           const RateLimitConfig &config);

} // namespace cortex::access
