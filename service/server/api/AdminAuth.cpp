#include "api/AdminAuth.h"

#include "crypto/ConstantTime.h"
#include "crypto/Hash.h"
#include "crypto/Random.h"
#include "http/HttpMessage.h"
#include "protocol/ApiError.h"
#include "store/VaultStateRepository.h"

#include <utility>

namespace cortex::api {

using protocol::ApiError;

void AdminAuth::require(const http::HttpRequest &request)
{
    const QByteArray presented = request.header("X-Admin-Token");
    if (presented.isEmpty())
        throw ApiError::unauthorized(QStringLiteral("missing_admin_token"),
                                     QStringLiteral("the X-Admin-Token header is required"));
    if (!isTokenHash(tokenHash(presented)))
        throw ApiError::unauthorized(QStringLiteral("invalid_admin_token"),
                                     QStringLiteral("invalid admin token"));
}

void AdminAuth::setTokenHash(const QByteArray &tokenHash, const QString &createdAt)
{
    store::VaultStateRepository(m_db).setAdminTokenHash(tokenHash, createdAt);
    m_hash.reset(); // read back after the commit: a rolled-back token must not stay cached
}

QByteArray AdminAuth::generateToken()
{
    return crypto::randomToken(u"cvadm_", 32).toLatin1();
}

QByteArray AdminAuth::tokenHash(QByteArrayView token)
{
    return crypto::sha256(token);
}

std::optional<QByteArray> AdminAuth::takePresetTokenHash()
{
    return std::exchange(m_presetHash, std::nullopt);
}

bool AdminAuth::isTokenHash(const QByteArray &tokenHash)
{
    if (!m_hash)
        m_hash = store::VaultStateRepository(m_db).adminTokenHash();
    return m_hash && crypto::constantTimeEquals(tokenHash, *m_hash);
}

bool AdminAuth::hasToken()
{
    return store::VaultStateRepository(m_db).adminTokenHash().has_value();
}

} // namespace cortex::api
