// POST /agent/discover: the agent proves who it is and asks for a project token.

#include "access/AccessNames.h"
#include "access/AgentDiscovery.h"
#include "access/RequestThrottle.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "protocol/Names.h"
#include "crypto/SecureBytes.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"

namespace cortex::api {

namespace {
constexpr qsizetype MaxNonceLength = 256;

access::DiscoverRequest parseDiscover(const HttpRequest &request)
{
    const JsonReader body = JsonReader::parse(request.body);
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

    const QJsonValue context = body.object().value(QStringLiteral("context"));
    if (context.isUndefined() || context.isNull())
        throw ApiError::badRequest(QStringLiteral("missing_field"),
                                   QStringLiteral("missing field 'context'"),
                                   {{QStringLiteral("field"), QStringLiteral("context")}});
    if (!context.isObject())
        throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                   QStringLiteral("context must be an object"),
                                   {{QStringLiteral("field"), QStringLiteral("context")}});
    const JsonReader ctx(context.toObject());
    ctx.rejectUnknownFields({u"project_name", u"file_content"});
    d.projectName = ctx.requireString(u"project_name");
    if (!protocol::isValidProjectName(d.projectName))
        throw ApiError::badRequest(QStringLiteral("invalid_project_name"),
                                   protocol::describeProjectNameRule());
    // The .env may hold real values: keep its bytes out of plain copies where we can.
    crypto::SecureBytes file = ctx.requireSecretString(u"file_content");
    d.fileContent = QByteArray(reinterpret_cast<const char *>(file.data()), qsizetype(file.size()));
    d.sourceIp = request.peer.toString();
    return d;
}
} // namespace

void registerDiscoverRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("POST", QStringLiteral("/agent/discover"), UnsealedRoute,
               [&ctx](HttpRequest &request) {
                   access::DiscoverRequest d = parseDiscover(request);
                   crypto::wipe(request.body);
                   ctx.throttle.admitDiscover(request, d.agentId);
                   struct Wiper // the file's values must not linger in freed memory
                   {
                       QByteArray &bytes;
                       ~Wiper() { crypto::wipe(bytes); }
                   } wiper{d.fileContent};
                   try {
                       return HttpResponse::json(200, ctx.discovery.discover(d));
                   } catch (const ApiError &e) {
                       if (e.status == 401) // bad proof, skew, replay, unknown agent
                           ctx.throttle.recordFailedProof(request, d.agentId);
                       throw;
                   }
               });
}

} // namespace cortex::api
