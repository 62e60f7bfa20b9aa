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
    if (!m_hash)
        m_hash = store::VaultStateRepository(m_db).adminTokenHash();
    if (!m_hash || !crypto::constantTimeEquals(crypto::sha256(presented), *m_hash))
        throw ApiError::unauthorized(QStringLiteral("invalid_admin_token"),
                                     QStringLiteral("invalid admin token"));
}

void AdminAuth::setToken(const QByteArray &token, const QString &createdAt)
{
    store::VaultStateRepository(m_db).setAdminTokenHash(crypto::sha256(token), createdAt);
    m_hash.reset(); // read back after the commit: a rolled-back token must not stay cached
}

QByteArray AdminAuth::generateToken()
{
    return crypto::randomToken(u"cvadm_", 32).toLatin1();
}

std::optional<QByteArray> AdminAuth::takePresetToken()
{
    return std::exchange(m_preset, std::nullopt);
}

bool AdminAuth::hasToken()
{
    return store::VaultStateRepository(m_db).adminTokenHash().has_value();
}

} // namespace cortex::api
