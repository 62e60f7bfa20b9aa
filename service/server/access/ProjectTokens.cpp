#include "access/ProjectTokens.h"

#include "crypto/Hash.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "store/AgentRepository.h"
#include "store/PendingGrantRepository.h"
#include "store/Timestamps.h"

namespace cortex::access {

using protocol::ApiError;

namespace {
ApiError invalidToken()
{
    return ApiError::unauthorized(QStringLiteral("invalid_token"),
                                  QStringLiteral("invalid project token"));
}

ApiError revoked()
{
    return ApiError::unauthorized(QStringLiteral("token_revoked"),
                                  QStringLiteral("project token revoked"));
}
} // namespace

QByteArray ProjectTokens::hash(QByteArrayView token)
{
    return crypto::sha256(token);
}

ProjectTokens::Issued ProjectTokens::issue(const store::ProjectRow &project, const QString &agentId,
                                           const QString &approvalId, const QJsonObject &mappedKeys,
                                           const QDateTime &now)
{
    Issued issued;
    issued.token = crypto::randomToken(u"cvpt_", 32);
    issued.expiresAt = store::timestamp(now.addSecs(m_settings.tokenTtlSeconds));
    store::ProjectTokenRow row;
    row.tokenHash = hash(issued.token.toLatin1());
    row.projectId = project.id;
    row.agentId = agentId;
    row.approvalId = approvalId;
    row.generation = project.tokenGeneration;
    row.mappedKeys = mappedKeys;
    row.createdAt = store::timestamp(now);
    row.expiresAt = issued.expiresAt;
    store::ProjectRepository repo(m_db);
    // Tokens long past their expiry are only kept for a while, to answer token_expired /
    // token_revoked instead of invalid_token; then they go.
    repo.purgeTokensExpiredBefore(project.id,
                                  store::timestamp(now.addSecs(-m_settings.tokenTtlSeconds)));
    repo.insertToken(row);
    return issued;
}

ProjectTokens::Authorized ProjectTokens::authorize(QByteArrayView authorization,
                                                   const QString &projectName, const QDateTime &now)
{
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    static constexpr QByteArrayView Prefix = "bearer ";
    if (authorization.size() <= Prefix.size() ||
        authorization.first(Prefix.size()).compare(Prefix, Qt::CaseInsensitive) != 0)
        throw invalidToken();
    const QByteArrayView token = authorization.sliced(Prefix.size()).trimmed();
    if (token.isEmpty())
        throw invalidToken();

    store::ProjectRepository projects(m_db);
    const auto row = projects.findToken(hash(token));
    if (!row)
        throw invalidToken();
    const auto project = projects.findById(row->projectId);
    if (!project || project->projectName != projectName)
        throw invalidToken();

    const QString nowText = store::timestamp(now);
    if (!row->revokedAt.isEmpty() || row->generation != project->tokenGeneration)
        throw revoked();
    if (row->expiresAt <= nowText)
        throw ApiError::unauthorized(QStringLiteral("token_expired"),
                                     QStringLiteral("project token expired"));
    const auto agent = store::AgentRepository(m_db).find(row->agentId);
    if (!agent || agent->agentId != project->agentId)
        throw revoked();
    const auto approval = store::PendingGrantRepository(m_db).find(row->approvalId);
    if (!approval || approval->status != u"approved" || approval->approvalUntil <= nowText ||
        approval->agentId != row->agentId || approval->projectName != projectName ||
        !approval->approvedKeys)
        throw revoked();
    return {*project, *row, *approval->approvedKeys};
}

} // namespace cortex::access
