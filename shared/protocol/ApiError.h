#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <exception>

namespace cortex::protocol {

// The one error type request handlers throw. The HTTP layer catches it and answers with `status`
// and the body `{"error": message, "error_code": code, "details": {...}}` (details only when
// non-empty). Anything else that escapes a handler becomes internal().
//
// Never put a secret value (a secret, a token, a key, a password, request body content) into
// `message` or `details`: they go to the client and into logs. The factories add nothing of
// their own beyond fixed texts; they carry only what the caller passes.
struct ApiError : std::exception
{
    ApiError(int status, QString code, QString message, QJsonObject details = {});

    int status;
    QString code;    // stable, machine-readable, snake_case, e.g. "missing_field"
    QString message; // for humans; must not contain secret values
    QJsonObject details;
    // Set when the refusal is itself the intended outcome and what the request changed before
    // it must stand (discover records a pending request, then answers 403 pending_approval).
    bool keepChanges = false;
    // The audit action that names this refusal when the route's own is too general
    // (e.g. "discover_pending_new"); empty: the route's.
    QString auditAction;

    // "<status> <code>: <message>", fixed at construction (later edits of the fields do not
    // change it).
    const char *what() const noexcept override;

    QJsonObject toJson() const;

    static ApiError badRequest(QString code, QString message, QJsonObject details = {});      // 400
    static ApiError unauthorized(QString code, QString message, QJsonObject details = {});    // 401
    static ApiError forbidden(QString code, QString message, QJsonObject details = {});       // 403
    static ApiError notFound(QString code, QString message, QJsonObject details = {});        // 404
    static ApiError conflict(QString code, QString message, QJsonObject details = {});        // 409
    static ApiError payloadTooLarge(QString code, QString message, QJsonObject details = {}); // 413
    static ApiError serviceUnavailable(QString code, QString message,
                                       QJsonObject details = {}); // 503
    // 503 {"error": "vault is sealed", "error_code": "sealed"}
    static ApiError sealed();
    // 500 "internal_error" with a generic message: the cause goes to the server log, never to
    // the client.
    static ApiError internal();

private:
    QByteArray m_what;
};

} // namespace cortex::protocol
