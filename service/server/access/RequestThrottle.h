#pragma once

#include "access/RateLimiter.h"

#include <QHostAddress>
#include <QString>

namespace cortex::http {
struct HttpRequest;
}

namespace cortex::access {

// Applies the agent-facing rate limits to requests. Over a limit it throws ApiError 429
// "rate_limited" with details.retry_after_seconds (the adapter turns it into Retry-After).
// The client is the peer address, or X-Forwarded-For when the peer is a trusted proxy.
class RequestThrottle
{
public:
    RequestThrottle(const Clock &clock, RateLimitConfig config);

    QHostAddress client(const http::HttpRequest &request) const;

    // Before a discover: the client's discover budget, and whether this agent has used up its
    // failed-proof budget from this client.
    void admitDiscover(const http::HttpRequest &request, const QString &agentId);
    void recordFailedProof(const http::HttpRequest &request, const QString &agentId);

    // Before a request with a project token: refused while the client has used up its
    // failed-token budget; valid tokens are unlimited unless validTokenFetch is configured.
    void admitTokenUse(const http::HttpRequest &request);
    void recordFailedToken(const http::HttpRequest &request);

    // Before a password is tried (unseal, change-password): refused while the client has used
    // up its wrong-password budget; each wrong password counts against it.
    void admitPasswordAttempt(const http::HttpRequest &request);
    void recordWrongPassword(const http::HttpRequest &request);

    void prune() { m_limiter.prune(); }
    const RateLimitConfig &config() const { return m_config; }

private:
    void enforce(const RateLimiter::Decision &decision) const;

    RateLimitConfig m_config;
    RateLimiter m_limiter;
};

} // namespace cortex::access
