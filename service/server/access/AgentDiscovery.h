#pragma once

#include "access/AccessSettings.h"
#include "access/ApprovalGate.h"
#include "access/ProjectTokens.h"
#include "access/UsedNonces.h"
#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <functional>
#include <vector>

#include "ServerFwd.h"

namespace cortex::access {

// What /agent/discover carries, already type-checked by the API layer.
struct DiscoverRequest
{
    QString agentId;
    qint64 ts = 0;
    QString nonce;
    QString authProof;
    QString projectName;
    crypto::SecureBytes fileContent; // a .env file: only its variable names are used
    bool regenerateToken = false;
    bool signedToken = false; // also return an EdDSA JWT bound to the same token row
    QString sourceIp;
};

// POST /agent/discover: proves the agent's identity (Ed25519 over
// "{ts}|{nonce}|{agent_id}|/agent/discover", ts within the skew, nonce not replayed), maps the
// .env names to secrets through the project's grants in the agent's namespace, passes the
// first-access approval gate and issues a project token scoped to the approved key paths.
//
// Every discover that passes issues a new token (earlier ones stay valid until they expire,
// unless regenerate_token asks to revoke them): an agent host that lost its token is not
// locked out, which the reference's 409 did.
class AgentDiscovery
{
public:
    AgentDiscovery(store::Database &db, const Clock &clock, const AccessSettings &settings,
                   ProjectTokens &tokens);

    // The 200 body. Throws ApiError: 401 agent_auth_failed / clock_skew / nonce_replay,
    // 403 project_agent_mismatch / pending_approval / grant_denied. Once the proof is accepted
    // its nonce is used up even if the request is then refused (its changes rolled back): the
    // effect that records it again is added to `onRefused`, which the caller runs then.
    QJsonObject discover(const DiscoverRequest &request,
                         std::vector<std::function<void()>> &onRefused);

private:
    void authenticate(const DiscoverRequest &request, const QByteArray &agentPub,
                      std::vector<std::function<void()>> &onRefused);

    store::Database &m_db;
    const Clock &m_clock;
    const AccessSettings &m_settings;
    ProjectTokens &m_tokens;
    UsedNonces m_nonces;
};

} // namespace cortex::access
