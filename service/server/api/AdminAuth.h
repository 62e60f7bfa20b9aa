#pragma once

#include <QByteArray>
#include <QString>
#include <optional>

namespace cortex::http {
struct HttpRequest;
}
namespace cortex::store {
class Database;
}

namespace cortex::api {

// The X-Admin-Token check. Only SHA-256 of the token is stored; the presented token is hashed
// and compared in constant time. Runs before any body is parsed, so unauthenticated callers
// learn nothing from validation errors.
class AdminAuth
{
public:
    explicit AdminAuth(store::Database &db) : m_db(db) {}

    // Throws ApiError 401 missing_admin_token / invalid_admin_token.
    void require(const http::HttpRequest &request);

    // Stores the hash of a new token (at initialisation).
    void setToken(const QByteArray &token, const QString &createdAt);
    bool hasToken();

    // A fresh admin token: "cvadm_" + 32 random bytes, base64url.
    static QByteArray generateToken();
    // ADMIN_TOKEN given at startup to a server that waits for POST /sys/init: used there once.
    void presetToken(QByteArray token) { m_preset = std::move(token); }
    std::optional<QByteArray> takePresetToken();

private:
    store::Database &m_db;
    std::optional<QByteArray> m_hash; // cached; the table changes only through setToken
    std::optional<QByteArray> m_preset;
};

} // namespace cortex::api
