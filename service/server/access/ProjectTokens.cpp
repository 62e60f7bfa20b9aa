#include "access/ProjectTokens.h"

#include "access/ServerKeys.h"
#include "crypto/Hash.h"
#include "crypto/Jws.h"
#include "crypto/Random.h"
#include "protocol/ApiError.h"
#include "store/AgentRepository.h"
#include "store/PendingGrantRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

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
                                           const QDateTime &now, bool signedToken)
{
    if (signedToken && !m_serverKeys)
        throw ApiError::badRequest(QStringLiteral("signed_token_unavailable"),
                                   QStringLiteral("signed project tokens are not available"));
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
    if (signedToken) {
        // The JWT's jti names this row; everything else about its validity lives there.
        const QString jti = crypto::randomToken(u"", 16);
        repo.setTokenJti(row.tokenHash, jti);
        QStringList keyPaths;
        for (const QJsonValue &path : mappedKeys)
            keyPaths.append(path.toString());
        keyPaths.sort();
        keyPaths.removeDuplicates();
        const qint64 iat = now.toSecsSinceEpoch();
        const QJsonObject claims{
            {QStringLiteral("iss"), JwtIssuer},
            {QStringLiteral("sub"), project.projectName},
            {QStringLiteral("aud"), JwtAudience},
            {QStringLiteral("iat"), iat},
            {QStringLiteral("nbf"), iat},
            {QStringLiteral("exp"), now.addSecs(m_settings.tokenTtlSeconds).toSecsSinceEpoch()},
            {QStringLiteral("jti"), jti},
            {QStringLiteral("scope"), QJsonArray::fromStringList(keyPaths)},
            {QStringLiteral("namespace"), project.ns},
            {QStringLiteral("project_id"), project.projectName}};
        issued.signedToken = QString::fromLatin1(m_serverKeys->sign(claims));
    }
    return issued;
}

std::optional<store::ProjectTokenRow>
ProjectTokens::findJwtRow(QByteArrayView jwt, const QString &projectName, const QDateTime &now)
{
    if (!m_serverKeys)
        return std::nullopt;
    crypto::jws::VerifyOptions options;
    options.issuer = JwtIssuer;
    options.audience = JwtAudience;
    options.now = now.toSecsSinceEpoch();
    const crypto::jws::VerifyResult result = crypto::jws::verify(
        jwt, [&](const QString &kid) { return m_serverKeys->publicKeyFor(kid, now); }, options);
    if (const auto *error = std::get_if<crypto::jws::Error>(&result)) {
        // Only a genuine token of ours can be "expired" (the signature is checked first), and
        // the answer does not depend on the project asked for: no name oracle.
        if (*error == crypto::jws::Error::Expired)
            throw ApiError::unauthorized(QStringLiteral("token_expired"),
                                         QStringLiteral("project token expired"));
        return std::nullopt;
    }
    const QJsonObject &claims = std::get<crypto::jws::Verified>(result).claims;
    const QString jti = claims.value(QStringLiteral("jti")).toString();
    if (jti.isEmpty() || claims.value(QStringLiteral("sub")).toString() != projectName)
        return std::nullopt;
    return m_rows.tokenByJti(jti);
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

    // A JWT has exactly two dots; an opaque token ("cvpt_" + base64url) has none.
    const auto row = token.count('.') == 2 ? findJwtRow(token, projectName, now)
                                           : m_rows.tokenByHash(hash(token));
    if (!row)
        throw invalidToken();
    const auto project = m_rows.project(row->projectId);
    if (!project || project->projectName != projectName)
        throw invalidToken();

    const QString nowText = store::timestamp(now);
    if (!row->revokedAt.isEmpty() || row->generation != project->tokenGeneration)
        throw revoked();
    if (row->expiresAt <= nowText)
        throw ApiError::unauthorized(QStringLiteral("token_expired"),
                                     QStringLiteral("project token expired"));
    const auto agent = m_rows.agent(row->agentId);
    if (!agent || agent->agentId != project->agentId)
        throw revoked();
    const auto approval = m_rows.approval(row->approvalId);
    if (!approval || approval->status != u"approved" || approval->approvalUntil <= nowText ||
        approval->agentId != row->agentId || approval->projectName != projectName ||
        !approval->approvedKeys)
        throw revoked();
    return {*project, *row, *approval->approvedKeys};
}

} // namespace cortex::access
