#include "access/RateLimiter.h"

#include "Clock.h"

#include <QCryptographicHash>
#include <QMutexLocker>
#include <algorithm>
#include <unistd.h> // environ

using namespace Qt::StringLiterals;

namespace cortex::access {

namespace {

// Bounds that keep every scaled count below 2^63: capacity <= 1e6 * 1e7 * 1000 = 1e16.
constexpr int MaxRequests = 1000000;
constexpr int MaxPerSeconds = 10000000;

RateLimit normalised(const RateLimit &limit)
{
    return {std::clamp(limit.requests, 1, MaxRequests),
            std::clamp(limit.perSeconds, 1, MaxPerSeconds),
            std::clamp(limit.burst, 0, MaxRequests)};
}

// One token is `cost` scaled units; each elapsed millisecond adds `requests` units. So a rate of
// requests/perSeconds is exact, with no fractional arithmetic.
qint64 costOf(const RateLimit &n)
{
    return qint64(n.perSeconds) * 1000;
}

qint64 capacityOf(const RateLimit &n)
{
    return qint64(n.burst > 0 ? n.burst : n.requests) * costOf(n);
}

void refill(qint64 &tokens, qint64 &lastMs, const RateLimit &n, qint64 nowMs)
{
    if (nowMs > lastMs) {
        const qint64 missing = capacityOf(n) - tokens;
        const qint64 elapsed = nowMs - lastMs;
        // Compare before multiplying, so a long idle time cannot overflow.
        if (elapsed >= (missing + n.requests - 1) / n.requests)
            tokens = capacityOf(n);
        else
            tokens += elapsed * n.requests;
    }
    // A clock stepping back moves the reference point without adding anything.
    lastMs = nowMs;
}

RateLimiter::Decision decide(qint64 &tokens, const RateLimit &n, bool consume)
{
    const qint64 cost = costOf(n);
    RateLimiter::Decision d;
    if (tokens >= cost) {
        if (consume)
            tokens -= cost;
        d.allowed = true;
        d.remaining = int((consume ? tokens : tokens - cost) / cost);
        return d;
    }
    const qint64 waitMs = (cost - tokens + n.requests - 1) / n.requests;
    d.allowed = false;
    d.retryAfterSeconds = int(std::max<qint64>(1, (waitMs + 999) / 1000));
    d.remaining = 0;
    return d;
}

QHostAddress unmapped(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        bool isMapped = false;
        const quint32 v4 = address.toIPv4Address(&isMapped);
        if (isMapped)
            return QHostAddress(v4);
    }
    return address;
}

// A bare address, strictly: QHostAddress alone also takes "127.1", "0x7f.0.0.1" and octal
// "010.0.0.1", which no proxy writes and which would let one client appear under many names.
std::optional<QHostAddress> parseAddress(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 45)
        return std::nullopt;
    if (!text.contains(':')) {
        int parts = 0;
        qsizetype i = 0;
        while (true) {
            const qsizetype start = i;
            int value = 0;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3)
                value = value * 10 + (text[i++] - '0');
            const qsizetype digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0'))
                return std::nullopt;
            ++parts;
            if (i == text.size())
                break;
            if (text[i] != '.' || parts == 4)
                return std::nullopt;
            ++i;
        }
        if (parts != 4)
            return std::nullopt;
    } else {
        for (const char c : text) {
            const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                            (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) // no scope id, brackets or port
                return std::nullopt;
        }
    }
    QHostAddress address;
    if (!address.setAddress(QString::fromLatin1(text)))
        return std::nullopt;
    return unmapped(address);
}

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

QString shown(const QString &text)
{
    return text.size() <= 64 ? text : text.left(64) + u"..."_s;
}

} // namespace

RateLimiter::RateLimiter(const Clock &clock, std::size_t maxKeys)
    : m_clock(clock), m_maxKeys(std::max<std::size_t>(1, maxKeys))
{}

qint64 RateLimiter::nowMs() const
{
    return m_clock.now().toMSecsSinceEpoch();
}

QString RateLimiter::storedKey(const QString &key)
{
    if (key.size() <= MaxStoredKeyLength)
        return key;
    return u"sha256:"_s +
           QString::fromLatin1(
               QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex());
}

RateLimiter::Decision RateLimiter::hit(const QString &key, const RateLimit &limit)
{
    const RateLimit n = normalised(limit);
    const QString k = storedKey(key);
    // The clock is read under the lock, so refills on one bucket never see time go backwards
    // merely because two threads raced.
    QMutexLocker locker(&m_mutex);
    const qint64 now = nowMs();

    auto found = m_index.constFind(k);
    Lru::iterator bucket;
    if (found != m_index.constEnd()) {
        bucket = *found;
        refill(bucket->scaledTokens, bucket->lastMs, bucket->limit, now);
        if (bucket->limit != n) {
            // The limit changed (reconfiguration): keep the whole tokens, within the new burst.
            const qint64 whole = bucket->scaledTokens / costOf(bucket->limit);
            bucket->scaledTokens = std::min(capacityOf(n), whole * costOf(n));
            bucket->limit = n;
        }
        m_lru.splice(m_lru.end(), m_lru, bucket);
    } else {
        if (m_lru.size() >= m_maxKeys) {
            m_index.remove(m_lru.front().key);
            m_lru.pop_front();
        }
        m_lru.push_back({k, capacityOf(n), now, n});
        bucket = std::prev(m_lru.end());
        m_index.insert(k, bucket);
    }
    return decide(bucket->scaledTokens, n, true);
}

RateLimiter::Decision RateLimiter::peek(const QString &key, const RateLimit &limit) const
{
    const RateLimit n = normalised(limit);
    const QString k = storedKey(key);
    QMutexLocker locker(&m_mutex);
    const qint64 now = nowMs();

    qint64 tokens = capacityOf(n);
    const auto found = m_index.constFind(k);
    if (found != m_index.constEnd()) {
        const Bucket &b = **found;
        tokens = b.scaledTokens;
        qint64 last = b.lastMs;
        refill(tokens, last, b.limit, now);
        if (b.limit != n)
            tokens = std::min(capacityOf(n), tokens / costOf(b.limit) * costOf(n));
    }
    return decide(tokens, n, false);
}

void RateLimiter::prune()
{
    QMutexLocker locker(&m_mutex);
    const qint64 now = nowMs();
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        refill(it->scaledTokens, it->lastMs, it->limit, now);
        if (it->scaledTokens >= capacityOf(it->limit)) {
            m_index.remove(it->key);
            it = m_lru.erase(it);
        } else {
            ++it;
        }
    }
}

std::size_t RateLimiter::trackedKeys() const
{
    QMutexLocker locker(&m_mutex);
    return m_lru.size();
}

// ---- configuration -------------------------------------------------------------------------

namespace {

// A per-minute count from the environment: unset keeps `fallback`; below `floor` is raised.
int perMinute(const QProcessEnvironment &env, const QString &name, int fallback, int floor,
              QStringList &warnings)
{
    if (!env.contains(name))
        return fallback;
    const QString text = env.value(name).trimmed();
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < 0) {
        warnings << u"%1: \"%2\" is not a whole number of requests per minute; using %3"_s.arg(
            name, shown(text), QString::number(fallback));
        return fallback;
    }
    if (value < floor) {
        warnings << u"%1: %2 is below the minimum of %3 per minute; using %3"_s.arg(
            name, QString::number(value), QString::number(floor));
        return floor;
    }
    if (value > RateLimitConfig::MaxPerMinute) {
        warnings << u"%1: %2 is above the maximum of %3 per minute; using %3"_s.arg(
            name, QString::number(value), QString::number(RateLimitConfig::MaxPerMinute));
        return RateLimitConfig::MaxPerMinute;
    }
    return value;
}

std::optional<QPair<QHostAddress, int>> parseSubnet(QByteArrayView text)
{
    const qsizetype slash = text.indexOf('/');
    const auto address = parseAddress(slash < 0 ? text : text.first(slash));
    if (!address)
        return std::nullopt;
    const int maxPrefix = address->protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
    if (slash < 0)
        return QPair<QHostAddress, int>(*address, maxPrefix);
    const QByteArrayView prefix = text.sliced(slash + 1);
    if (prefix.isEmpty() || prefix.size() > 3 ||
        !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const int length = prefix.toByteArray().toInt();
    if (length > maxPrefix)
        return std::nullopt;
    // parseSubnet masks the host bits ("10.1.2.3/8" is 10.0.0.0/8).
    const auto subnet =
        QHostAddress::parseSubnet(address->toString() + u'/' + QString::number(length));
    if (subnet.second < 0)
        return std::nullopt;
    return subnet;
}

} // namespace

RateLimitConfig::Parsed RateLimitConfig::fromEnvironment(const QProcessEnvironment &env)
{
    Parsed parsed;
    RateLimitConfig &c = parsed.config;
    QStringList &w = parsed.warnings;

    c.discoverPerPeer.requests = perMinute(env, u"CORTEX_RATE_DISCOVER_PER_MINUTE"_s,
                                           c.discoverPerPeer.requests, MinDiscoverPerMinute, w);
    c.failedAuthPerAgent.requests =
        perMinute(env, u"CORTEX_RATE_FAILED_AUTH_PER_MINUTE"_s, c.failedAuthPerAgent.requests,
                  MinFailedAuthPerMinute, w);
    c.failedTokenPerPeer.requests =
        perMinute(env, u"CORTEX_RATE_FAILED_TOKEN_PER_MINUTE"_s, c.failedTokenPerPeer.requests,
                  MinFailedTokenPerMinute, w);
    c.failedPasswordPerPeer.requests =
        perMinute(env, u"CORTEX_RATE_FAILED_PASSWORD_PER_MINUTE"_s,
                  c.failedPasswordPerPeer.requests, MinFailedPasswordPerMinute, w);
    const int fetch = perMinute(env, u"CORTEX_RATE_TOKEN_FETCH_PER_MINUTE"_s, 0, 0, w);
    if (fetch > 0)
        c.validTokenFetch = RateLimit{fetch, 60};

    const QByteArray proxies = env.value(u"CORTEX_TRUSTED_PROXIES"_s).toUtf8();
    qsizetype start = 0;
    while (start <= proxies.size()) {
        qsizetype end = proxies.indexOf(',', start);
        if (end < 0)
            end = proxies.size();
        const QByteArrayView entry = trimmed(QByteArrayView(proxies).sliced(start, end - start));
        start = end + 1;
        if (entry.isEmpty())
            continue;
        if (const auto subnet = parseSubnet(entry))
            c.trustedProxies << *subnet;
        else
            w << u"CORTEX_TRUSTED_PROXIES: \"%1\" is not an IP address or CIDR subnet; ignored"_s
                     .arg(shown(QString::fromUtf8(entry)));
    }
    return parsed;
}

RateLimitConfig::Parsed RateLimitConfig::fromEnvironment()
{
    // Only the variables read here: a copy of the whole environment (systemEnvironment()) would
    // also copy the secrets handed over in it (CORTEX_KEK_PASSWORD, ADMIN_TOKEN) onto the heap
    // before startup takes them out and wipes them.
    QProcessEnvironment env;
    for (char **entry = environ; entry && *entry; ++entry) {
        const QByteArrayView line(*entry);
        const qsizetype equals = line.indexOf('=');
        if (equals < 0)
            continue;
        const QByteArrayView name = line.first(equals);
        if (name.startsWith("CORTEX_RATE_") || name == "CORTEX_TRUSTED_PROXIES")
            env.insert(QString::fromLatin1(name), QString::fromLocal8Bit(line.sliced(equals + 1)));
    }
    return fromEnvironment(env);
}

bool RateLimitConfig::isTrustedProxy(const QHostAddress &address) const
{
    const QHostAddress a = unmapped(address);
    return std::any_of(
        trustedProxies.begin(), trustedProxies.end(),
        [&](const QPair<QHostAddress, int> &subnet) { return a.isInSubnet(subnet); });
}

QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &xForwardedFor,
                           const RateLimitConfig &config)
{
    const QHostAddress direct = unmapped(peer);
    if (direct.isNull() || !config.isTrustedProxy(direct))
        return direct;
    const QByteArrayView header = trimmed(xForwardedFor);
    if (header.isEmpty())
        return direct;

    // Right to left: each hop was appended by the proxy to its right, so the first untrusted one
    // is the furthest address a trusted party vouches for.
    QHostAddress leftmost = direct;
    qsizetype end = header.size();
    while (end >= 0) {
        const qsizetype comma = header.first(end).lastIndexOf(',');
        const auto hop = parseAddress(trimmed(header.sliced(comma + 1, end - comma - 1)));
        if (!hop)
            return direct;
        if (!config.isTrustedProxy(*hop))
            return *hop;
        leftmost = *hop;
        if (comma < 0)
            break;
        end = comma;
    }
    return leftmost;
}

} // namespace cortex::access
