#pragma once

#include "protocol/ApiError.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>
#include <functional>
#include <memory>
#include <vector>

class QObject;

namespace cortex::http {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

class ResponseSlot;
namespace detail {
struct SlotState;
}

// What a handler sees of a request: copied out of QHttpServerRequest so that nothing outside
// http/ depends on QHttpServer.
struct HttpRequest
{
    QByteArray method; // upper case
    QString path;      // percent-decoded segments joined by '/'
    QUrlQuery query;
    HeaderList headers;
    QByteArray body;
    QHostAddress peer;
    QString requestId;
    QHash<QString, QString> params; // {name} segments of the matched route

    // What the service layer learns while it handles the request, for its audit row: who asked
    // (once authenticated) and what was touched. Never a secret value or a token.
    struct Notes
    {
        QString actorType; // admin | agent | project | anonymous
        QString actor;
        QString resource;
        QJsonObject detail;
        // `detail` already written as compact JSON object text, by a hot path that builds it
        // directly (building and writing a QJsonObject cost a fetch 8 % of its instructions):
        // recorded instead of `detail`, which stays empty then.
        QString detailJson;
        bool audited = false; // a handler wrote the request's row itself
        // Effects that must survive the request being refused (an agent proof's nonce stays
        // used): run in a fresh transaction after the refused request's changes are rolled
        // back, together with its audit row (or a honey token's alarm).
        std::vector<std::function<void()>> onRefused;
    } notes;

    // Case-insensitive lookup; empty when absent.
    QByteArray header(QByteArrayView name) const;
    QString param(const QString &name) const { return params.value(name); }
    QString queryValue(const QString &name) const;

    // Defers the response (long-polls): the handler keeps the returned slot, returns
    // HttpResponse::deferred(), and completes the slot later; the connection waits meanwhile
    // without blocking the server. Any other response from the handler, or an error from the
    // layers around it, is written instead and cancels the slot.
    ResponseSlot defer();
    std::shared_ptr<detail::SlotState> deferral; // set by defer()
};

struct HttpResponse
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = QByteArrayLiteral("application/json");
    HeaderList headers;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    static HttpResponse error(const protocol::ApiError &error);

    // What a handler returns after HttpRequest::defer(). Headers set on it (by the handler or
    // the middleware) are added to the response the slot completes with.
    static constexpr int DeferredStatus = 0;
    static HttpResponse deferred() { return {DeferredStatus, {}, {}, {}}; }
    bool isDeferred() const { return status == DeferredStatus; }
};

// The handle of a deferred response. Copies share one response. complete() writes it on the
// request's connection with the adapter's common headers (X-Request-Id, no-store, keep-alive
// or close); further requests on that connection wait until then, so responses stay in order.
// Every member is a harmless no-op once the response was written or can no longer be
// delivered (the client disconnected, the server is shutting down). When the last copy is
// dropped without completing, the client gets 503. Server thread only.
class ResponseSlot
{
public:
    ResponseSlot() = default; // inert
    explicit ResponseSlot(std::shared_ptr<detail::SlotState> state) : m_state(std::move(state)) {}

    // Answers the request; false when it was already answered or cannot be delivered.
    bool complete(HttpResponse response) const;
    // Whether complete() would still answer.
    bool isPending() const;
    // Runs `callback` once if the response can no longer be delivered (never after complete()),
    // unless `context` was destroyed first. For dropping a waiter whose client went away.
    void onCancelled(QObject *context, std::function<void()> callback) const;
    QString requestId() const;

private:
    std::shared_ptr<detail::SlotState> m_state;
};

} // namespace cortex::http
