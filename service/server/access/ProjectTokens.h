#pragma once

#include "access/AccessSettings.h"
#include "store/ProjectRepository.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace cortex::store {
class Database;
}

namespace cortex::access {

// Opaque project tokens: "cvpt_" + base64url(32 random bytes), stored only as SHA-256.
// authorize() re-checks everything a token depends on, on every use.
class ProjectTokens
{
public:
    ProjectTokens(store::Database &db, const AccessSettings &settings)
        : m_db(db), m_settings(settings)
    {}

    struct Issued
    {
        QString token; // shown once, never stored or logged
        QString expiresAt;
    };
    // Joins the caller's transaction.
    Issued issue(const store::ProjectRow &project, const QString &agentId,
                 const QString &approvalId, const QJsonObject &mappedKeys, const QDateTime &now);

    struct Authorized
    {
        store::ProjectRow project;
        store::ProjectTokenRow token;
        QStringList approvedKeys; // what the approval behind the token still allows
    };
    // The Authorization header value ("Bearer <token>") for projectName. Throws ApiError 401:
    //   invalid_token  missing/malformed header, unknown token, or a token of another project
    //                  (the same answer whether or not the project exists: no name oracle)
    //   token_expired  past its expiry
    //   token_revoked  revoked, kill switch, agent deleted or re-keyed, approval gone,
    //                  expired or suspended
    Authorized authorize(QByteArrayView authorization, const QString &projectName,
                         const QDateTime &now);

    static QByteArray hash(QByteArrayView token);

private:
    store::Database &m_db;
    const AccessSettings &m_settings;
};

} // namespace cortex::access
