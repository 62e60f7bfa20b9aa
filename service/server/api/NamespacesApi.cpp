#include "Clock.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "protocol/Names.h"
#include "store/Database.h"
#include "store/NamespaceRepository.h"
#include "store/Timestamps.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
const QString DefaultNamespace = QStringLiteral("default");

QJsonObject namespaceJson(const store::NamespaceRow &row)
{
    return {{QStringLiteral("name"), row.name},
            {QStringLiteral("description"), row.description},
            {QStringLiteral("created_at"), row.createdAt}};
}
} // namespace

void registerNamespaceRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("GET", QStringLiteral("/admin/namespaces"), AdminRoute, [&ctx](HttpRequest &) {
        QJsonArray list;
        for (const store::NamespaceRow &row : store::NamespaceRepository(ctx.db).list())
            list.append(namespaceJson(row));
        return HttpResponse::json(200, list);
    });

    router.add(
        "POST", QStringLiteral("/admin/namespaces"), audited(AdminRoute, "create_namespace"),
        [&ctx](HttpRequest &request) {
            const protocol::JsonReader body = protocol::JsonReader::parse(request.body);
            body.rejectUnknownFields({u"name", u"description"});
            const QString name = body.requireString(u"name").trimmed();
            request.notes.resource = name;
            if (!protocol::isValidNamespaceName(name))
                throw ApiError::badRequest(QStringLiteral("invalid_namespace"),
                                           protocol::describeNamespaceRule());
            store::NamespaceRepository repo(ctx.db);
            store::Transaction tx(ctx.db);
            if (repo.find(name))
                throw ApiError::conflict(QStringLiteral("namespace_exists"),
                                         QStringLiteral("namespace '%1' already exists").arg(name));
            const store::NamespaceRow row{name,
                                          body.optionalString(u"description").value_or(QString()),
                                          store::timestamp(ctx.clock.now())};
            repo.insert(row);
            tx.commit();
            return HttpResponse::json(201, namespaceJson(row));
        });

    router.add(
        "DELETE", QStringLiteral("/admin/namespaces/{name}"),
        audited(AdminRoute, "delete_namespace"), [&ctx](HttpRequest &request) {
            const QString name = request.param(QStringLiteral("name"));
            if (name == DefaultNamespace)
                throw ApiError::badRequest(
                    QStringLiteral("namespace_protected"),
                    QStringLiteral("the default namespace cannot be deleted"));
            store::NamespaceRepository repo(ctx.db);
            store::Transaction tx(ctx.db);
            if (!repo.find(name))
                throw ApiError::notFound(QStringLiteral("namespace_not_found"),
                                         QStringLiteral("no namespace named '%1'").arg(name));
            const qint64 secrets = repo.secretCount(name);
            if (secrets > 0)
                throw ApiError::conflict(
                    QStringLiteral("namespace_in_use"),
                    QStringLiteral("Namespace '%1' is in use (secrets=%2)").arg(name).arg(secrets),
                    {{QStringLiteral("secrets"), secrets}});
            repo.remove(name);
            tx.commit();
            return HttpResponse::json(
                200, {{QStringLiteral("deleted"), true}, {QStringLiteral("name"), name}});
        });
}

} // namespace cortex::api
