#include "http/Router.h"

namespace cortex::http {

namespace {
bool isCapture(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(u'{') && segment.endsWith(u'}');
}

bool matchSegments(const QStringList &pattern, const QStringList &path,
                   QHash<QString, QString> *params)
{
    if (pattern.size() != path.size())
        return false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        if (isCapture(pattern[i])) {
            if (path[i].isEmpty())
                return false;
            if (params)
                params->insert(pattern[i].mid(1, pattern[i].size() - 2), path[i]);
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    return true;
}
} // namespace

void Router::add(QByteArray method, const QString &pattern, RouteOptions options, Handler handler)
{
    m_routes.push_back(Route{std::move(method), pattern.split(u'/', Qt::SkipEmptyParts), options,
                             std::move(handler)});
}

Router::Match Router::match(QByteArrayView method, const QStringList &pathSegments) const
{
    Match result;
    // Exact literal routes win over captures ("/admin/secrets/versions" style collisions).
    const Route *best = nullptr;
    int bestLiterals = -1;
    for (const Route &route : m_routes) {
        if (!matchSegments(route.segments, pathSegments, nullptr))
            continue;
        if (route.method != method) {
            if (!result.allowedMethods.contains(route.method))
                result.allowedMethods.append(route.method);
            continue;
        }
        int literals = 0;
        for (const QString &s : route.segments)
            literals += isCapture(s) ? 0 : 1;
        if (literals > bestLiterals) {
            best = &route;
            bestLiterals = literals;
        }
    }
    if (best) {
        result.route = best;
        matchSegments(best->segments, pathSegments, &result.params);
        result.allowedMethods.clear();
    }
    return result;
}

} // namespace cortex::http
