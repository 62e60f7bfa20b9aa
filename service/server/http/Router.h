#pragma once

#include "http/HttpMessage.h"

#include <QStringList>
#include <functional>
#include <vector>

namespace cortex::http {

using Handler = std::function<HttpResponse(HttpRequest &)>;

// What the service layer needs to know about a route before its handler runs.
struct RouteOptions
{
    bool allowedWhileSealed = false;
    bool requiresAdmin = false;
    // The audit action of the route (e.g. "create_secret"); every request to it leaves exactly
    // one audit row: written in the handler's transaction on success (fail closed), and after
    // the rollback, with the refusal, otherwise. nullptr: not audited (lists, health).
    const char *auditAction = nullptr;
};

struct Route
{
    QByteArray method;
    QStringList segments; // "{name}" segments capture one path segment
    RouteOptions options;
    Handler handler;
};

// Method + path routing with exact segments and {param} captures. A path that exists under
// another method is reported so the adapter can answer 405 with an Allow header.
class Router
{
public:
    void add(QByteArray method, const QString &pattern, RouteOptions options, Handler handler);

    struct Match
    {
        const Route *route = nullptr; // set when method and path match
        QHash<QString, QString> params;
        QList<QByteArray> allowedMethods; // set when only the path matches
    };
    Match match(QByteArrayView method, const QStringList &pathSegments) const;
    // Every route, in the order added (for tests that walk the whole API).
    const std::vector<Route> &routes() const { return m_routes; }

private:
    std::vector<Route> m_routes;
};

} // namespace cortex::http
