#pragma once

#include "access/AccessRows.h"
#include "access/AccessSettings.h"
#include "store/ProjectRepository.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>
#include <optional>

namespace cortex::store {
class Database;
}

namespace cortex::access {

class ServerKeys;

// Opaque project tokens: "cvpt_" + base64url(32 random bytes), stored only as SHA-256.
// authorize() re-checks everything a token depends on, on every use.
//
// A signed project token (EdDSA JWT, issued beside an opaque one when asked for) carries the
// jti of that opaque token's row: the JWT is checked against the server keys first, then goes
// through exactly the same row checks, so revocation and the kill switch apply to both.
class ProjectTokens
{
public:
    static constexpr QLatin1StringView JwtIssuer{"cortex-vault"};
    static constexpr QLatin1StringView JwtAudience{"cortex-cli"};

    // Without serverKeys no JWT is issued or accepted.
    ProjectTokens(store::Database &db, const AccessSettings &settings,
                  ServerKeys *serverKeys = nullptr)
        : m_db(db), m_settings(settings), m_serverKeys(serverKeys), m_rows(db)
    {}

    // The rows authorize() reads, kept while the store is unchanged; fetches read theirs too.
    AccessRows &rows() { return m_rows; }

    struct Issued
    {
        QString token; // shown once, never stored or logged
        QString expiresAt;
        QString signedToken; // the JWT when asked for; likewise never stored or logged
    };
    // Joins the caller's transaction.
    Issued issue(const store::ProjectRow &project, const QString &agentId,
                 const QString &approvalId, const QJsonObject &mappedKeys, const QDateTime &now,
                 bool signedToken = false);

    struct Authorized
    {
        store::ProjectRow project;
        store::ProjectTokenRow token;
        QStringList approvedKeys; // what the approval behind the token still allows
    };
    // The Authorization header value ("Bearer <token>", opaque or JWT) for projectName. Throws
    // ApiError 401:
    //   invalid_token  missing/malformed header, unknown token, or a token of another project
    //                  (the same answer whether or not the project exists: no name oracle)
    //   token_expired  past its expiry
    //   token_revoked  revoked, kill switch, agent deleted or re-keyed, approval gone,
    //                  expired or suspended
    Authorized authorize(QByteArrayView authorization, const QString &projectName,
                         const QDateTime &now);

    static QByteArray hash(QByteArrayView token);

private:
    std::optional<store::ProjectTokenRow> findJwtRow(QByteArrayView jwt, const QString &projectName,
                                                     const QDateTime &now);

    store::Database &m_db;
    const AccessSettings &m_settings;
    ServerKeys *m_serverKeys = nullptr;
    AccessRows m_rows;
};

} // namespace cortex::access
