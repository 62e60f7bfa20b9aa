#include "access/RequestThrottle.h"

#include "http/HttpMessage.h"
#include "protocol/ApiError.h"

namespace cortex::access {

namespace {
// Failed proofs are counted per agent *and* client: a stranger sending bad proofs under an
// agent's id exhausts only its own budget and cannot lock the real agent out.
QString failedProofKey(const QHostAddress &client, const QString &agentId)
{
    return QStringLiteral("fail-proof:") + agentId + u'@' + client.toString();
}
} // namespace

RequestThrottle::RequestThrottle(const Clock &clock, RateLimitConfig config)
    : m_config(std::move(config)), m_limiter(clock)
{}

QHostAddress RequestThrottle::client(const http::HttpRequest &request) const
{
    return clientAddress(request.peer, request.header("X-Forwarded-For"), m_config);
}

void RequestThrottle::enforce(const RateLimiter::Decision &decision) const
{
    if (decision.allowed)
        return;
    throw protocol::ApiError(
        429, QStringLiteral("rate_limited"),
        QStringLiteral("too many requests; retry after %1 s").arg(decision.retryAfterSeconds),
        {{QStringLiteral("retry_after_seconds"), decision.retryAfterSeconds}});
}

void RequestThrottle::admitDiscover(const http::HttpRequest &request, const QString &agentId)
{
    const QHostAddress from = client(request);
    enforce(m_limiter.peek(failedProofKey(from, agentId), m_config.failedAuthPerAgent));
    enforce(m_limiter.hit(QStringLiteral("discover:") + from.toString(), m_config.discoverPerPeer));
}

void RequestThrottle::recordFailedProof(const http::HttpRequest &request, const QString &agentId)
{
    m_limiter.hit(failedProofKey(client(request), agentId), m_config.failedAuthPerAgent);
}

void RequestThrottle::admitTokenUse(const http::HttpRequest &request)
{
    const QString from = client(request).toString();
    enforce(m_limiter.peek(QStringLiteral("fail-token:") + from, m_config.failedTokenPerPeer));
    if (m_config.validTokenFetch)
        enforce(m_limiter.hit(QStringLiteral("fetch:") + from, *m_config.validTokenFetch));
}

void RequestThrottle::recordFailedToken(const http::HttpRequest &request)
{
    m_limiter.hit(QStringLiteral("fail-token:") + client(request).toString(),
                  m_config.failedTokenPerPeer);
}

void RequestThrottle::admitPasswordAttempt(const http::HttpRequest &request)
{
    enforce(m_limiter.peek(QStringLiteral("fail-password:") + client(request).toString(),
                           m_config.failedPasswordPerPeer));
}

void RequestThrottle::recordWrongPassword(const http::HttpRequest &request)
{
    m_limiter.hit(QStringLiteral("fail-password:") + client(request).toString(),
                  m_config.failedPasswordPerPeer);
}

} // namespace cortex::access
