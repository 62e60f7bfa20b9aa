#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

// A project name bound to the first agent that received a token for it.
struct ProjectRow
{
    QString id;
    QString projectName;
    QString agentId;
    QString ns;
    qint64 tokenGeneration = 1; // bumped by the kill switch: older tokens stop at once
    QString createdAt;
    QString updatedAt;
};

// An issued project token; only SHA-256 of the token is stored.
struct ProjectTokenRow
{
    QByteArray tokenHash;
    QString projectId;
    QString agentId;
    QString approvalId;
    qint64 generation = 0;
    QJsonObject mappedKeys; // {ENV: key_path}, the token's scope
    QString createdAt;
    QString expiresAt;
    QString revokedAt; // empty while not revoked
};

// projects and project_tokens.
class ProjectRepository
{
public:
    explicit ProjectRepository(Database &db) : m_db(db) {}

    std::vector<ProjectRow> list(); // by created_at
    std::optional<ProjectRow> find(const QString &projectName);
    std::optional<ProjectRow> findById(const QString &id);
    void insert(const ProjectRow &row);
    void touch(const QString &id, const QString &ns, const QString &updatedAt);
    void bumpGeneration(const QString &id, const QString &updatedAt);
    void remove(const QString &id); // its tokens go with it

    void insertToken(const ProjectTokenRow &row);
    std::optional<ProjectTokenRow> findToken(const QByteArray &tokenHash);
    // A signed project token (JWT) is bound to its row by the JWT's jti.
    void setTokenJti(const QByteArray &tokenHash, const QString &jti);
    std::optional<ProjectTokenRow> findTokenByJti(const QString &jti);
    // The newest token of a project, if any.
    std::optional<ProjectTokenRow> latestToken(const QString &projectId);
    void purgeTokensExpiredBefore(const QString &projectId, const QString &cutoff);
    int activeTokenCount(const QString &projectId, const QString &now);
    // Mark not yet revoked tokens revoked; each returns how many.
    int revokeProjectTokens(const QString &projectId, const QString &now);
    int revokeAgentTokens(const QString &agentId, const QString &now);
    int revokeAgentProjectTokens(const QString &agentId, const QString &projectId,
                                 const QString &now);

private:
    Database &m_db;
};

} // namespace cortex::store
