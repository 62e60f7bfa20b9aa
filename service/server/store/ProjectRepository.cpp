#include "store/ProjectRepository.h"

#include "store/Database.h"
#include "store/KeyList.h"

namespace cortex::store {

namespace {
const QString ProjectColumns = QStringLiteral(
    "id, project_name, agent_id, namespace, token_generation, created_at, updated_at");
const QString TokenColumns =
    QStringLiteral("token_hash, project_id, agent_id, approval_id, generation, mapped_keys,"
                   " created_at, expires_at, revoked_at");

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> ProjectRow projectFrom(Query &q)
{
    return {q.value(0).toString(), q.value(1).toString(),   q.value(2).toString(),
            q.value(3).toString(), q.value(4).toLongLong(), q.value(5).toString(),
            q.value(6).toString()};
}

// Both a QSqlQuery and a Database::CachedQuery.
template <typename Query> ProjectTokenRow tokenFrom(Query &q)
{
    return {
        q.value(0).toByteArray(), q.value(1).toString(),   q.value(2).toString(),
        q.value(3).toString(),    q.value(4).toLongLong(), keyMapFromText(q.value(5).toString()),
        q.value(6).toString(),    q.value(7).toString(),   q.value(8).toString()};
}

std::optional<ProjectRow> oneProject(QSqlQuery q)
{
    if (!q.next())
        return std::nullopt;
    return projectFrom(q);
}
} // namespace

std::vector<ProjectRow> ProjectRepository::list()
{
    QSqlQuery q =
        m_db.exec(QStringLiteral("SELECT %1 FROM projects ORDER BY created_at, project_name")
                      .arg(ProjectColumns));
    std::vector<ProjectRow> rows;
    while (q.next())
        rows.push_back(projectFrom(q));
    return rows;
}

std::optional<ProjectRow> ProjectRepository::find(const QString &projectName)
{
    return oneProject(m_db.exec(
        QStringLiteral("SELECT %1 FROM projects WHERE project_name = ?").arg(ProjectColumns),
        {projectName}));
}

std::optional<ProjectRow> ProjectRepository::findById(const QString &id)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM projects WHERE id = ?").arg(ProjectColumns);
    Database::CachedQuery q = m_db.cached(sql, {id});
    if (!q.next())
        return std::nullopt;
    return projectFrom(q);
}

void ProjectRepository::insert(const ProjectRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO projects (%1) VALUES (?, ?, ?, ?, ?, ?, ?)")
                  .arg(ProjectColumns),
              {row.id, row.projectName, row.agentId, row.ns, row.tokenGeneration, row.createdAt,
               row.updatedAt});
}

void ProjectRepository::touch(const QString &id, const QString &ns, const QString &updatedAt)
{
    m_db.execOne(QStringLiteral("UPDATE projects SET namespace = ?, updated_at = ? WHERE id = ?"),
                 {ns, updatedAt, id});
}

void ProjectRepository::bumpGeneration(const QString &id, const QString &updatedAt)
{
    m_db.execOne(QStringLiteral("UPDATE projects SET token_generation = token_generation + 1,"
                                " updated_at = ? WHERE id = ?"),
                 {updatedAt, id});
}

void ProjectRepository::remove(const QString &id)
{
    m_db.exec(QStringLiteral("DELETE FROM project_tokens WHERE project_id = ?"), {id});
    m_db.execOne(QStringLiteral("DELETE FROM projects WHERE id = ?"), {id});
}

void ProjectRepository::insertToken(const ProjectTokenRow &row)
{
    m_db.exec(
        QStringLiteral("INSERT INTO project_tokens (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)")
            .arg(TokenColumns),
        {row.tokenHash, row.projectId, row.agentId, row.approvalId, row.generation,
         keyMapToText(row.mappedKeys), row.createdAt, row.expiresAt});
}

std::optional<ProjectTokenRow> ProjectRepository::findToken(const QByteArray &tokenHash)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM project_tokens WHERE token_hash = ?").arg(TokenColumns);
    Database::CachedQuery q = m_db.cached(sql, {tokenHash});
    if (!q.next())
        return std::nullopt;
    return tokenFrom(q);
}

void ProjectRepository::setTokenJti(const QByteArray &tokenHash, const QString &jti)
{
    m_db.execOne(QStringLiteral("UPDATE project_tokens SET signed_jti = ? WHERE token_hash = ?"),
                 {jti, tokenHash});
}

std::optional<ProjectTokenRow> ProjectRepository::findTokenByJti(const QString &jti)
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM project_tokens WHERE signed_jti = ?").arg(TokenColumns);
    Database::CachedQuery q = m_db.cached(sql, {jti});
    if (!q.next())
        return std::nullopt;
    return tokenFrom(q);
}

std::optional<ProjectTokenRow> ProjectRepository::latestToken(const QString &projectId)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM project_tokens WHERE project_id = ?"
                                           " ORDER BY created_at DESC LIMIT 1")
                                .arg(TokenColumns),
                            {projectId});
    if (!q.next())
        return std::nullopt;
    return tokenFrom(q);
}

void ProjectRepository::purgeTokensExpiredBefore(const QString &projectId, const QString &cutoff)
{
    m_db.exec(QStringLiteral("DELETE FROM project_tokens WHERE project_id = ? AND expires_at < ?"),
              {projectId, cutoff});
}

int ProjectRepository::activeTokenCount(const QString &projectId, const QString &now)
{
    QSqlQuery q =
        m_db.exec(QStringLiteral(
                      "SELECT COUNT(*) FROM project_tokens t JOIN projects p ON p.id = t.project_id"
                      " WHERE t.project_id = ? AND t.revoked_at IS NULL AND t.expires_at > ?"
                      " AND t.generation = p.token_generation"),
                  {projectId, now});
    return q.next() ? q.value(0).toInt() : 0;
}

int ProjectRepository::revokeProjectTokens(const QString &projectId, const QString &now)
{
    return m_db
        .exec(QStringLiteral("UPDATE project_tokens SET revoked_at = ?"
                             " WHERE project_id = ? AND revoked_at IS NULL"),
              {now, projectId})
        .numRowsAffected();
}

int ProjectRepository::revokeAgentTokens(const QString &agentId, const QString &now)
{
    return m_db
        .exec(QStringLiteral("UPDATE project_tokens SET revoked_at = ?"
                             " WHERE agent_id = ? AND revoked_at IS NULL"),
              {now, agentId})
        .numRowsAffected();
}

int ProjectRepository::revokeAgentProjectTokens(const QString &agentId, const QString &projectId,
                                                const QString &now)
{
    return m_db
        .exec(QStringLiteral("UPDATE project_tokens SET revoked_at = ?"
                             " WHERE agent_id = ? AND project_id = ? AND revoked_at IS NULL"),
              {now, agentId, projectId})
        .numRowsAffected();
}

} // namespace cortex::store
