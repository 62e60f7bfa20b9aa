// POST /agent/discover: the agent proves who it is and asks for a project token.

#include "Clock.h"
#include "access/AccessNames.h"
#include "access/AgentDiscovery.h"
#include "access/RequestThrottle.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/SecureBytes.h"
#include "notify/Notifier.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "protocol/Names.h"
#include "store/Database.h"
#include "store/Timestamps.h"

namespace cortex::api {

namespace {
constexpr qsizetype MaxNonceLength = 256;

access::DiscoverRequest parseDiscover(const HttpRequest &request)
{
    const JsonReader body = JsonReader::parse(request.body, {u"context/file_content"});
    body.rejectUnknownFields({u"agent_id", u"ts", u"nonce", u"auth_proof", u"context",
                              u"regenerate_token", u"signed_token"});
    access::DiscoverRequest d;
    d.agentId = body.requireString(u"agent_id");
    d.ts = body.requireInt(u"ts");
    d.nonce = body.requireString(u"nonce");
    d.authProof = body.requireString(u"auth_proof");
    d.regenerateToken = body.optionalBool(u"regenerate_token").value_or(false);
    d.signedToken = body.optionalBool(u"signed_token").value_or(false);
    if (d.nonce.isEmpty() || d.nonce.size() > MaxNonceLength)
        throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                   QStringLiteral("nonce must be 1 to 256 characters"),
                                   {{QStringLiteral("field"), QStringLiteral("nonce")}});
    if (!protocol::isValidAgentId(d.agentId))
        throw ApiError::badRequest(QStringLiteral("invalid_agent_id"),
                                   protocol::describeAgentIdRule());

    const JsonReader ctx = body.requireObject(u"context");
    ctx.rejectUnknownFields({u"project_name", u"file_content"});
    d.projectName = ctx.requireString(u"project_name");
    if (!protocol::isValidProjectName(d.projectName))
        throw ApiError::badRequest(QStringLiteral("invalid_project_name"),
                                   protocol::describeProjectNameRule());
    // The .env may hold real values: parse() took it out of the body into secure memory.
    d.fileContent = ctx.requireSecretString(u"file_content");
    d.sourceIp = request.peer.toString();
    return d;
}
// Operators hear of a new request at once; sent once the pending request has committed.
void notifyPendingGrant(ApiContext &ctx, const HttpRequest &request, const ApiError &pending)
{
    notify::Notification message;
    message.event = QStringLiteral("pending_grant");
    message.severity = QStringLiteral("info");
    message.agentId = pending.details.value(QStringLiteral("agent_id")).toString();
    message.project = pending.details.value(QStringLiteral("project_name")).toString();
    message.time = store::timestamp(ctx.clock.now());
    message.requestId = request.requestId;
    message.extra = {
        {QStringLiteral("grant_id"), pending.details.value(QStringLiteral("grant_id"))},
        {QStringLiteral("requested_keys"), pending.details.value(QStringLiteral("requested_keys"))},
        {QStringLiteral("approve"),
         QStringLiteral("POST /admin/pending-grants/%1/approve")
             .arg(pending.details.value(QStringLiteral("grant_id")).toString())}};
    ctx.db.afterCommit([&ctx, message] { ctx.notifier.dispatch(message); });
}

} // namespace

void registerDiscoverRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("POST", QStringLiteral("/agent/discover"), audited(UnsealedRoute, "discover"),
               [&ctx](HttpRequest &request) {
                   access::DiscoverRequest d = parseDiscover(request);
                   // Self-reported until the proof is checked; the row's status tells which.
                   request.notes.actorType = QStringLiteral("agent");
                   request.notes.actor = d.agentId;
                   request.notes.resource = d.projectName;
                   crypto::wipe(request.body);
                   ctx.throttle.admitDiscover(request, d.agentId);
                   try {
                       return HttpResponse::json(
                           200, ctx.discovery.discover(d, request.notes.onRefused));
                   } catch (const ApiError &e) {
                       if (e.status == 401) // bad proof, skew, replay, unknown agent
                           ctx.throttle.recordFailedProof(request, d.agentId);
                       if (e.auditAction == u"discover_pending_new")
                           notifyPendingGrant(ctx, request, e);
                       throw;
                   }
               });
}

} // namespace cortex::api
