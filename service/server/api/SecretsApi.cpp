#include "access/HoneyTokenAlarm.h"
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

// A honey token is a decoy: its value never leaves the vault, whoever asks, and asking alarms.
void refuseHoneyToken(const store::SecretRow &row)
{
    if (row.isHoneyToken)
        throw access::HoneyTokenTouched(row.ns, row.keyPath, row.id);
}

// The audit row of a request about one secret names its key path, with id and namespace.
void noteSecret(HttpRequest &request, const store::SecretRow &row)
{
    request.notes.resource = row.keyPath;
    request.notes.detail.insert(QStringLiteral("id"), row.id);
    request.notes.detail.insert(QStringLiteral("namespace"), row.ns);
}

} // namespace

void registerSecretRoutes(http::Router &router, ApiContext &ctx)
{
    router.add("POST", QStringLiteral("/admin/secrets"), audited(AdminRoute, "create_secret"),
               [&ctx](HttpRequest &request) {
                   const JsonReader body = JsonReader::parse(request.body, {u"value"});
                   body.rejectUnknownFields({u"key_path", u"secret_type", u"value", u"description",
                                             u"namespace", u"is_honey_token"});
                   vault::SecretService::NewSecret spec;
                   spec.keyPath = body.requireString(u"key_path");
                   spec.secretType = body.optionalString(u"secret_type").value_or(spec.secretType);
                   spec.description = body.optionalString(u"description").value_or(QString());
                   spec.ns = body.optionalString(u"namespace").value_or(spec.ns);
                   spec.isHoneyToken = body.optionalBool(u"is_honey_token").value_or(false);
                   request.notes.resource = spec.keyPath;
                   request.notes.detail = {{QStringLiteral("namespace"), spec.ns},
                                           {QStringLiteral("is_honey_token"), spec.isHoneyToken}};
                   const crypto::SecureBytes value = body.requireSecretString(u"value");
                   const store::SecretRow row = ctx.secrets.create(spec, value);
                   noteSecret(request, row);
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
        "GET", QStringLiteral("/admin/secrets/{id}"), audited(AdminRoute, "read_secret"),
        [&ctx](HttpRequest &request) {
            std::optional<int> version;
            if (request.query.hasQueryItem(QStringLiteral("version")))
                version = parseVersion(request.queryValue(QStringLiteral("version")));
            const vault::SecretService::Revealed secret =
                ctx.secrets.reveal(request.param(QStringLiteral("id")), version, refuseHoneyToken);
            QJsonObject json = secretMetadataJson(secret.meta);
            noteSecret(request, secret.meta);
            request.notes.detail.insert(QStringLiteral("version"), secret.version);
            json.insert(QStringLiteral("version"), secret.version);
            json.insert(QStringLiteral("current_version"), secret.meta.currentVersion);
            json.insert(QStringLiteral("version_created_at"), secret.versionCreatedAt);
            // The one place a value leaves the vault: straight from secure memory into the body.
            json.insert(QStringLiteral("value"),
                        QString::fromUtf8(reinterpret_cast<const char *>(secret.value.data()),
                                          qsizetype(secret.value.size())));
            return HttpResponse::json(200, json);
        });

    router.add("PUT", QStringLiteral("/admin/secrets/{id}"), audited(AdminRoute, "update_secret"),
               [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   const JsonReader body = JsonReader::parse(request.body, {u"value"});
                   body.rejectUnknownFields({u"value", u"description", u"is_honey_token"});
                   const bool hasValue = body.object().contains(QStringLiteral("value"));
                   const std::optional<QString> description = body.optionalString(u"description");
                   const std::optional<bool> honey = body.optionalBool(u"is_honey_token");
                   if (!hasValue && !description && !honey)
                       throw ApiError::badRequest(
                           QStringLiteral("nothing_to_update"),
                           QStringLiteral("give a value, a description or is_honey_token"));
                   const store::SecretRow before = ctx.secrets.require(id);
                   noteSecret(request, before);
                   request.notes.detail.insert(QStringLiteral("new_version"), hasValue);
                   if (honey)
                       request.notes.detail.insert(QStringLiteral("is_honey_token"), *honey);
                   store::Transaction tx(ctx.db);
                   if (description)
                       ctx.secrets.setDescription(id, *description);
                   if (honey)
                       ctx.secrets.setHoneyToken(id, *honey);
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

    router.add("POST", QStringLiteral("/admin/secrets/{id}/rollback"),
               audited(AdminRoute, "rollback_secret"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   noteSecret(request, ctx.secrets.require(id));
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

    router.add("DELETE", QStringLiteral("/admin/secrets/{id}"),
               audited(AdminRoute, "delete_secret"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   noteSecret(request, ctx.secrets.require(id));
                   const int destroyed = ctx.secrets.destroy(id);
                   return HttpResponse::json(200,
                                             {{QStringLiteral("deleted"), true},
                                              {QStringLiteral("id"), id},
                                              {QStringLiteral("versions_destroyed"), destroyed}});
               });
}

} // namespace cortex::api
