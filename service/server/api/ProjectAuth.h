#pragma once

#include "Clock.h"
#include "access/ProjectTokens.h"
#include "access/RequestThrottle.h"
#include "api/ApiContext.h"
#include "http/HttpMessage.h"
#include "protocol/ApiError.h"

namespace cortex::api {

// The project-token check of the /project/* routes, rate-limited: a client that keeps
// presenting bad tokens is refused with 429 before its token is even looked at.
inline access::ProjectTokens::Authorized
authorizeProjectRequest(ApiContext &ctx, http::HttpRequest &request, const QString &project)
{
    ctx.throttle.admitTokenUse(request);
    request.notes.actorType = QStringLiteral("project");
    request.notes.actor = project; // until the token names the agent
    try {
        access::ProjectTokens::Authorized auth =
            ctx.projectTokens.authorize(request.header("Authorization"), project, ctx.clock.now());
        request.notes.actorType = QStringLiteral("agent");
        request.notes.actor = auth.token.agentId;
        return auth;
    } catch (const protocol::ApiError &e) {
        if (e.status == 401)
            ctx.throttle.recordFailedToken(request);
        throw;
    }
}

} // namespace cortex::api
