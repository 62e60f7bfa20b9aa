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

    // Stores a new token (at initialisation) as what the store keeps of it, its tokenHash():
    // the server itself need never keep the token.
    void setTokenHash(const QByteArray &tokenHash, const QString &createdAt);
    bool hasToken();
    // Whether the stored token is the one with this tokenHash() (compared in constant time).
    bool isTokenHash(const QByteArray &tokenHash);

    // A fresh admin token: "cvadm_" + 32 random bytes, base64url.
    static QByteArray generateToken();
    // What the store keeps of a token: its SHA-256.
    static QByteArray tokenHash(QByteArrayView token);
    // ADMIN_TOKEN given at startup to a server that waits for POST /sys/init, as its hash (the
    // token itself is not kept): used there once.
    void presetTokenHash(QByteArray tokenHash) { m_presetHash = std::move(tokenHash); }
    std::optional<QByteArray> takePresetTokenHash();

private:
    store::Database &m_db;
    std::optional<QByteArray> m_hash; // cached; the table changes only through setTokenHash
    std::optional<QByteArray> m_presetHash;
};

} // namespace cortex::api
