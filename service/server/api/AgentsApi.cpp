// /admin/agents: register Ed25519 agent identities, list, re-key and delete them.

#include "Clock.h"
#include "access/AccessNames.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "protocol/Names.h"
#include "store/AgentRepository.h"
#include "store/Database.h"
#include "store/NamespaceRepository.h"
#include "store/PendingGrantRepository.h"
#include "store/ProjectRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
QJsonObject agentJson(const store::AgentRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("agent_id"), row.agentId},
            {QStringLiteral("description"), row.description},
            {QStringLiteral("namespace"), row.ns},
            {QStringLiteral("has_pubkey"), !row.agentPub.isEmpty()},
            {QStringLiteral("created_at"), row.createdAt},
            {QStringLiteral("updated_at"), row.updatedAt}};
}

// A 32-byte Ed25519 public key that is a valid, non-small-order point.
QByteArray requireAgentPub(const JsonReader &body)
{
    const auto key = access::decodeWireBytes(body.requireString(u"agent_pub"));
    if (!key || !crypto::ed25519::isValidPublicKey(*key))
        throw ApiError::badRequest(
            QStringLiteral("invalid_agent_pub"),
            QStringLiteral("agent_pub must be a base64url Ed25519 public key (32 bytes)"));
    return *key;
}

ApiError agentNotFound(const QString &agentId)
{
    return ApiError::notFound(QStringLiteral("agent_not_found"),
                              QStringLiteral("no agent with agent_id '%1'").arg(agentId));
}
} // namespace

void registerAgentRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/agents"), AdminRoute, [&ctx](HttpRequest &) {
        QJsonArray list;
        for (const store::AgentRow &row : store::AgentRepository(ctx.db).list())
            list.append(agentJson(row));
        return HttpResponse::json(200, list);
    });

    router.add(
        "POST", QStringLiteral("/admin/agents"), audited(AdminRoute, "create_agent"),
        [&ctx](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields({u"agent_id", u"agent_pub", u"description", u"namespace"});
            const QString agentId = body.requireString(u"agent_id");
            request.notes.resource = agentId;
            if (!protocol::isValidAgentId(agentId))
                throw ApiError::badRequest(QStringLiteral("invalid_agent_id"),
                                           protocol::describeAgentIdRule());
            const QByteArray agentPub = requireAgentPub(body);
            const QString ns =
                body.optionalString(u"namespace").value_or(QStringLiteral("default"));
            if (!protocol::isValidNamespaceName(ns))
                throw ApiError::badRequest(QStringLiteral("invalid_namespace"),
                                           protocol::describeNamespaceRule());
            const QString now = store::timestamp(ctx.clock.now());
            store::AgentRow row{crypto::randomToken(u"agt_", 16),
                                agentId,
                                agentPub,
                                body.optionalString(u"description").value_or(QString()),
                                ns,
                                now,
                                now};
            store::AgentRepository agents(ctx.db);
            store::Transaction tx(ctx.db);
            if (agents.find(agentId))
                throw ApiError::conflict(QStringLiteral("agent_exists"),
                                         QStringLiteral("agent '%1' already exists").arg(agentId));
            store::NamespaceRepository(ctx.db).ensure(ns, now);
            agents.insert(row);
            tx.commit();
            return HttpResponse::json(201, agentJson(row));
        });

    // Re-keying cuts the old key off at once and revokes the tokens it obtained: a key is
    // rotated because it may be compromised. Approvals stay, so the new key gets a token at once.
    router.add("PUT", QStringLiteral("/admin/agents/{agent_id}"),
               audited(AdminRoute, "update_agent"), [&ctx](HttpRequest &request) {
                   const QString agentId = request.param(QStringLiteral("agent_id"));
                   const JsonReader body = JsonReader::parse(request.body);
                   body.rejectUnknownFields({u"agent_pub", u"description"});
                   const QByteArray agentPub = requireAgentPub(body);
                   const auto description = body.optionalString(u"description");
                   const QString now = store::timestamp(ctx.clock.now());
                   store::AgentRepository agents(ctx.db);
                   store::Transaction tx(ctx.db);
                   if (!agents.find(agentId))
                       throw agentNotFound(agentId);
                   agents.updateKey(agentId, agentPub, description, now);
                   const int revoked =
                       store::ProjectRepository(ctx.db).revokeAgentTokens(agentId, now);
                   tx.commit();
                   return HttpResponse::json(200, {{QStringLiteral("updated"), true},
                                                   {QStringLiteral("agent_id"), agentId},
                                                   {QStringLiteral("tokens_revoked"), revoked}});
               });

    // Deleting an agent revokes its tokens and forgets its requests and approvals; the projects
    // it bound stay bound to its agent_id (a new agent under that id needs new approvals).
    router.add(
        "DELETE", QStringLiteral("/admin/agents/{agent_id}"), audited(AdminRoute, "delete_agent"),
        [&ctx](HttpRequest &request) {
            const QString agentId = request.param(QStringLiteral("agent_id"));
            const QString now = store::timestamp(ctx.clock.now());
            store::AgentRepository agents(ctx.db);
            store::Transaction tx(ctx.db);
            if (!agents.find(agentId))
                throw agentNotFound(agentId);
            agents.remove(agentId);
            const int revoked = store::ProjectRepository(ctx.db).revokeAgentTokens(agentId, now);
            const int requests = store::PendingGrantRepository(ctx.db).removeForAgent(agentId);
            tx.commit();
            return HttpResponse::json(200, {{QStringLiteral("deleted"), true},
                                            {QStringLiteral("agent_id"), agentId},
                                            {QStringLiteral("tokens_revoked"), revoked},
                                            {QStringLiteral("pending_grants_deleted"), requests}});
        });
}

} // namespace cortex::api
