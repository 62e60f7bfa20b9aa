#include "access/AgentDiscovery.h"

#include "access/HoneyTokenAlarm.h"

#include "Clock.h"
#include "access/AccessNames.h"
#include "access/PolicyCheck.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "protocol/Dotenv.h"
#include "store/AgentRepository.h"
#include "store/Database.h"
#include "store/GrantRepository.h"
#include "store/ProjectRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>
#include <QMap>
#include <QSet>

namespace cortex::access {

using protocol::ApiError;

namespace {
// One answer for an unknown agent and a bad signature, so agent ids cannot be probed.
ApiError authFailed()
{
    return ApiError::unauthorized(QStringLiteral("agent_auth_failed"),
                                  QStringLiteral("agent authentication failed"));
}

// The variable names of a .env file, in file order; the values are wiped as the parse result
// goes out of scope (they are SecureBytes).
QStringList envNames(QByteArrayView fileContent)
{
    QStringList names;
    const protocol::DotenvParseResult parsed = protocol::parseDotenv(fileContent);
    for (const protocol::DotenvEntry &entry : parsed.entries)
        names.append(entry.key);
    return names;
}
} // namespace

AgentDiscovery::AgentDiscovery(store::Database &db, const Clock &clock,
                               const AccessSettings &settings, ProjectTokens &tokens)
    : m_db(db), m_clock(clock), m_settings(settings), m_tokens(tokens),
      m_nonces(db, settings.clockSkewSeconds)
{}

void AgentDiscovery::authenticate(const DiscoverRequest &request, const QByteArray &agentPub,
                                  std::vector<std::function<void()>> &onRefused)
{
    const QDateTime now = m_clock.now();
    if (qAbs(now.toSecsSinceEpoch() - request.ts) > m_settings.clockSkewSeconds)
        throw ApiError::unauthorized(
            QStringLiteral("clock_skew"),
            QStringLiteral("ts is more than %1 seconds away from the server clock")
                .arg(m_settings.clockSkewSeconds));
    const QByteArray message = QByteArray::number(request.ts) + '|' + request.nonce.toUtf8() + '|' +
                               request.agentId.toUtf8() + "|/agent/discover";
    const auto signature = decodeWireBytes(request.authProof);
    if (!signature || !crypto::ed25519::verify(agentPub, message, *signature))
        throw authFailed();
    // After the signature: only the agent itself can use up its own nonces.
    if (!m_nonces.claim(request.agentId, request.nonce, request.ts, now))
        throw ApiError::unauthorized(QStringLiteral("nonce_replay"),
                                     QStringLiteral("nonce replay: this (agent_id, nonce) was"
                                                    " already used within the skew window"));
    // A request refused from here on (denied, bound to another agent, a decoy named) is rolled
    // back; its proof must stay used, or a captured copy could be replayed once an operator
    // changes the outcome.
    onRefused.push_back([this, agentId = request.agentId, nonce = request.nonce, ts = request.ts,
                         now] { m_nonces.claim(agentId, nonce, ts, now); });
}

QJsonObject AgentDiscovery::discover(const DiscoverRequest &request,
                                     std::vector<std::function<void()>> &onRefused)
{
    // Rate limits are applied by the caller (api/DiscoverApi.cpp, access/RequestThrottle).
    const auto agent = store::AgentRepository(m_db).find(request.agentId);
    if (!agent) {
        // Spend the time of a verification anyway, so response times do not tell which
        // agent ids exist.
        static const QByteArray decoyKey = crypto::SigningKey::generate().publicKey();
        (void)crypto::ed25519::verify(decoyKey, request.agentId.toUtf8(), QByteArray(64, '\0'));
        throw authFailed();
    }
    authenticate(request, agent->agentPub, onRefused);

    const QDateTime now = m_clock.now();
    const QString nowText = store::timestamp(now);
    store::Transaction tx(m_db); // one view of grants, project and approvals

    // ENV (upper-cased) -> (key_path) through the project's grants whose secret lives in the
    // agent's namespace; the file's names match case-insensitively, as in the reference.
    QMap<QString, QString> grantMap;
    QMap<QString, store::GrantRow> honeyGrants; // ENV -> a decoy's grant
    for (const store::GrantRow &g : store::GrantRepository(m_db).forProject(request.projectName)) {
        if (g.secretNs != agent->ns)
            continue;
        grantMap.insert(g.envVarName.toUpper(), g.keyPath);
        if (g.secretIsHoneyToken)
            honeyGrants.insert(g.envVarName.toUpper(), g);
    }
    // A key path the agent's policies refuse counts as unmatched: it is neither requested nor
    // approvable, so an operator never sees it in a pending request.
    const PolicyCheck policies = PolicyCheck::forAgent(m_db, agent->agentId);
    QJsonObject mapped;
    QStringList unmatched;
    QSet<QString> keySet;
    for (const QString &name : envNames(request.fileContent.view())) {
        // Naming a decoy is enough: the alarm comes before policies and the approval gate.
        if (const auto honey = honeyGrants.constFind(name.toUpper());
            honey != honeyGrants.constEnd()) {
            HoneyTokenTouched touched(honey->secretNs, honey->keyPath, honey->secretId);
            touched.agentId = agent->agentId;
            touched.project = request.projectName;
            throw touched;
        }
        const auto it = grantMap.constFind(name.toUpper());
        if (it == grantMap.constEnd() || !policies.allows(*it)) {
            unmatched.append(name);
            continue;
        }
        mapped.insert(name, *it);
        keySet.insert(*it);
    }
    QStringList requested(keySet.begin(), keySet.end());
    requested.sort();

    store::ProjectRepository projects(m_db);
    auto project = projects.find(request.projectName);
    if (project && project->agentId != agent->agentId)
        throw ApiError::forbidden(QStringLiteral("project_agent_mismatch"),
                                  QStringLiteral("project is bound to another agent"));

    // Even an empty request passes the gate: binding a project name needs an operator, so no
    // agent can squat a name with an empty .env (reference §18 item 12).
    const ApprovalGate::Decision decision = ApprovalGate(m_db).decide(
        agent->agentId, request.projectName, agent->ns, requested, request.sourceIp, now);
    if (decision.outcome == ApprovalGate::Outcome::Denied) {
        ApiError denied =
            ApiError::forbidden(QStringLiteral("grant_denied"),
                                QStringLiteral("an operator denied access to these keys"),
                                {{QStringLiteral("grant_id"), decision.row.id}});
        denied.auditAction = QStringLiteral("discover_denied");
        throw denied;
    }
    if (decision.outcome == ApprovalGate::Outcome::Pending) {
        ApiError pending =
            ApiError::forbidden(QStringLiteral("pending_approval"),
                                QStringLiteral("waiting for an operator's approval"),
                                {{QStringLiteral("grant_id"), decision.row.id},
                                 {QStringLiteral("requested_keys"),
                                  QJsonArray::fromStringList(decision.row.requestedKeys)},
                                 {QStringLiteral("agent_id"), agent->agentId},
                                 {QStringLiteral("project_name"), request.projectName}});
        // Keep the (new) pending request, then refuse; its audit row is what the console's
        // event feed picks up.
        pending.keepChanges = true;
        pending.auditAction = decision.created ? QStringLiteral("discover_pending_new")
                                               : QStringLiteral("discover_pending_existing");
        tx.commit();
        throw pending;
    }

    // Narrow to what the operator approved; names outside it are reported as unmatched.
    QJsonObject scoped;
    for (auto it = mapped.begin(); it != mapped.end(); ++it) {
        if (decision.allowedKeys.contains(it.value().toString()))
            scoped.insert(it.key(), it.value());
        else
            unmatched.append(it.key());
    }

    if (!project) {
        store::ProjectRow row{crypto::randomToken(u"prj_", 16),
                              request.projectName,
                              agent->agentId,
                              agent->ns,
                              1,
                              nowText,
                              nowText};
        projects.insert(row);
        project = row;
    } else {
        projects.touch(project->id, agent->ns, nowText);
        project->ns = agent->ns;
        if (request.regenerateToken)
            projects.revokeAgentProjectTokens(agent->agentId, project->id, nowText);
    }
    const ProjectTokens::Issued issued =
        m_tokens.issue(*project, agent->agentId, decision.row.id, scoped, now, request.signedToken);
    tx.commit();

    QJsonObject body{{QStringLiteral("mapped_keys"), scoped},
                     {QStringLiteral("full_matched"), unmatched.isEmpty() && !scoped.isEmpty()},
                     {QStringLiteral("project_token"), issued.token},
                     {QStringLiteral("token_expires_at"), issued.expiresAt},
                     {QStringLiteral("token_ttl_seconds"), m_settings.tokenTtlSeconds},
                     {QStringLiteral("unmatched_keys"), QJsonArray::fromStringList(unmatched)},
                     {QStringLiteral("namespace"), agent->ns},
                     {QStringLiteral("scope"), QJsonArray::fromStringList(decision.allowedKeys)}};
    if (request.signedToken)
        body.insert(QStringLiteral("signed_project_token"), issued.signedToken);
    return body;
}

} // namespace cortex::access
