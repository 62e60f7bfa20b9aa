#include "api/AdminAuth.h"

#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "http/HttpMessage.h"
#include "protocol/ApiError.h"
#include "store/VaultStateRepository.h"

namespace cortex::api {

using protocol::ApiError;

void AdminAuth::require(const http::HttpRequest &request)
{
    const QByteArray presented = request.header("X-Admin-Token");
    if (presented.isEmpty())
        throw ApiError::unauthorized(QStringLiteral("missing_admin_token"),
                                     QStringLiteral("the X-Admin-Token header is required"));
    if (!m_hash)
        m_hash = store::VaultStateRepository(m_db).adminTokenHash();
    if (!m_hash || !crypto::constantTimeEquals(crypto::sha256(presented), *m_hash))
        throw ApiError::unauthorized(QStringLiteral("invalid_admin_token"),
                                     QStringLiteral("invalid admin token"));
}

void AdminAuth::setToken(const QByteArray &token, const QString &createdAt)
{
    const QByteArray hash = crypto::sha256(token);
    store::VaultStateRepository(m_db).setAdminTokenHash(hash, createdAt);
    m_hash = hash;
}

bool AdminAuth::hasToken()
{
    return store::VaultStateRepository(m_db).adminTokenHash().has_value();
}

} // namespace cortex::api
