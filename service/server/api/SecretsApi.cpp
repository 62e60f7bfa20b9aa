#include "api/ApiContext.h"
#include "api/Routes.h"
#include "api/SecretJson.h"
#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"
#include "store/Database.h"
#include "vault/SecretService.h"

#include <QJsonArray>

namespace cortex::api {

namespace {

int parseVersion(const QString &text)
{
    bool ok = false;
    const int version = text.toInt(&ok);
    if (!ok || version < 1)
        throw ApiError::badRequest(QStringLiteral("invalid_version"),
                                   QStringLiteral("version must be a positive integer"));
    return version;
}

// A honey token is a decoy: its value never leaves the vault, whoever asks.
void refuseHoneyToken(const store::SecretRow &row)
{
    if (row.isHoneyToken)
        throw ApiError::unauthorized(QStringLiteral("access_denied"),
                                     QStringLiteral("secret access denied"));
}

} // namespace

void registerSecretRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("POST", QStringLiteral("/admin/secrets"), AdminRoute, [&ctx](HttpRequest &request) {
        const JsonReader body = JsonReader::parse(request.body);
        body.rejectUnknownFields({u"key_path", u"secret_type", u"value", u"description",
                                  u"namespace", u"is_honey_token"});
        vault::SecretService::NewSecret spec;
        spec.keyPath = body.requireString(u"key_path");
        spec.secretType = body.optionalString(u"secret_type").value_or(spec.secretType);
        spec.description = body.optionalString(u"description").value_or(QString());
        spec.ns = body.optionalString(u"namespace").value_or(spec.ns);
        spec.isHoneyToken = body.optionalBool(u"is_honey_token").value_or(false);
        const crypto::SecureBytes value = body.requireSecretString(u"value");
        const store::SecretRow row = ctx.secrets.create(spec, value);
        return HttpResponse::json(201, {{QStringLiteral("id"), row.id},
                                        {QStringLiteral("key_path"), row.keyPath},
                                        {QStringLiteral("namespace"), row.ns},
                                        {QStringLiteral("secret_type"), row.secretType},
                                        {QStringLiteral("version"), row.currentVersion},
                                        {QStringLiteral("created_at"), row.createdAt}});
    });

    router.add("GET", QStringLiteral("/admin/secrets"), AdminRoute, [&ctx](HttpRequest &request) {
        std::optional<QString> ns;
        std::optional<QString> prefix;
        if (request.query.hasQueryItem(QStringLiteral("namespace")))
            ns = request.queryValue(QStringLiteral("namespace"));
        if (request.query.hasQueryItem(QStringLiteral("prefix")))
            prefix = request.queryValue(QStringLiteral("prefix"));
        QJsonArray list;
        for (const store::SecretRow &row : ctx.secrets.repository().list(ns, prefix))
            list.append(secretMetadataJson(row));
        return HttpResponse::json(200, list);
    });

    router.add(
        "GET", QStringLiteral("/admin/secrets/{id}"), AdminRoute, [&ctx](HttpRequest &request) {
            std::optional<int> version;
            if (request.query.hasQueryItem(QStringLiteral("version")))
                version = parseVersion(request.queryValue(QStringLiteral("version")));
            const vault::SecretService::Revealed secret =
                ctx.secrets.reveal(request.param(QStringLiteral("id")), version, refuseHoneyToken);
            QJsonObject json = secretMetadataJson(secret.meta);
            json.insert(QStringLiteral("version"), secret.version);
            json.insert(QStringLiteral("current_version"), secret.meta.currentVersion);
            json.insert(QStringLiteral("version_created_at"), secret.versionCreatedAt);
            // The one place a value leaves the vault: straight from secure memory into the body.
            json.insert(QStringLiteral("value"),
                        QString::fromUtf8(reinterpret_cast<const char *>(secret.value.data()),
                                          qsizetype(secret.value.size())));
            return HttpResponse::json(200, json);
        });

    router.add(
        "PUT", QStringLiteral("/admin/secrets/{id}"), AdminRoute, [&ctx](HttpRequest &request) {
            const QString id = request.param(QStringLiteral("id"));
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields({u"value", u"description"});
            const bool hasValue = body.object().contains(QStringLiteral("value"));
            const std::optional<QString> description = body.optionalString(u"description");
            if (!hasValue && !description)
                throw ApiError::badRequest(QStringLiteral("nothing_to_update"),
                                           QStringLiteral("give a value, a description or both"));
            ctx.secrets.require(id);
            store::Transaction tx(ctx.db);
            if (description)
                ctx.secrets.setDescription(id, *description);
            if (hasValue)
                ctx.secrets.addVersion(id, body.requireSecretString(u"value"));
            tx.commit();
            const store::SecretRow row = ctx.secrets.require(id);
            QJsonObject json = secretMetadataJson(row);
            json.insert(QStringLiteral("updated"), true);
            return HttpResponse::json(200, json);
        });

    router.add(
        "GET", QStringLiteral("/admin/secrets/{id}/versions"), AdminRoute,
        [&ctx](HttpRequest &request) {
            const store::SecretRow row = ctx.secrets.require(request.param(QStringLiteral("id")));
            QJsonArray versions;
            for (const store::SecretVersionRow &v : ctx.secrets.repository().versions(row.id))
                versions.append(
                    QJsonObject{{QStringLiteral("version"), v.version},
                                {QStringLiteral("created_at"), v.createdAt},
                                {QStringLiteral("current"), v.version == row.currentVersion}});
            return HttpResponse::json(200, {{QStringLiteral("id"), row.id},
                                            {QStringLiteral("key_path"), row.keyPath},
                                            {QStringLiteral("namespace"), row.ns},
                                            {QStringLiteral("current_version"), row.currentVersion},
                                            {QStringLiteral("versions"), versions}});
        });

    router.add("POST", QStringLiteral("/admin/secrets/{id}/rollback"), AdminRoute,
               [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   const JsonReader body = JsonReader::parse(request.body);
                   body.rejectUnknownFields({u"version"});
                   const qint64 from = body.requireInt(u"version");
                   if (from < 1 || from > std::numeric_limits<int>::max())
                       throw ApiError::badRequest(
                           QStringLiteral("invalid_version"),
                           QStringLiteral("version must be a positive integer"));
                   const int version = ctx.secrets.rollback(id, int(from));
                   return HttpResponse::json(200, {{QStringLiteral("id"), id},
                                                   {QStringLiteral("version"), version},
                                                   {QStringLiteral("rolled_back_to"), from}});
               });

    router.add(
        "DELETE", QStringLiteral("/admin/secrets/{id}"), AdminRoute, [&ctx](HttpRequest &request) {
            const QString id = request.param(QStringLiteral("id"));
            const int destroyed = ctx.secrets.destroy(id);
            return HttpResponse::json(200, {{QStringLiteral("deleted"), true},
                                            {QStringLiteral("id"), id},
                                            {QStringLiteral("versions_destroyed"), destroyed}});
        });
}

} // namespace cortex::api
