#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/ConstantTime.h"
#include "protocol/ApiError.h"
#include "protocol/Dotenv.h"
#include "protocol/JsonReader.h"
#include "protocol/Names.h"
#include "store/Database.h"
#include "vault/SecretService.h"

#include <QJsonArray>

namespace cortex::api {

namespace {

QJsonObject skipped(const QString &key, int line, const QString &reason)
{
    QJsonObject o{{QStringLiteral("line"), line}, {QStringLiteral("reason"), reason}};
    if (!key.isEmpty())
        o.insert(QStringLiteral("key_path"), key);
    return o;
}
} // namespace

// A .env file becomes secrets, all in one transaction: KEY=value → key_path KEY. An existing
// key gets a new version when its value differs; the report says what happened to each line.
void registerImportRoutes(http::Router &router, ApiContext &ctx)
{
    router.add(
        "POST", QStringLiteral("/admin/import/dotenv"), audited(AdminRoute, "import_dotenv"),
        [&ctx](HttpRequest &request) {
            const protocol::JsonReader body =
                protocol::JsonReader::parse(request.body, {u"content"});
            body.rejectUnknownFields({u"namespace", u"content", u"secret_type", u"description"});
            const QString ns =
                body.optionalString(u"namespace").value_or(QStringLiteral("default"));
            request.notes.resource = ns;
            if (!protocol::isValidNamespaceName(ns))
                throw ApiError::badRequest(QStringLiteral("invalid_namespace"),
                                           protocol::describeNamespaceRule());
            const QString secretType =
                body.optionalString(u"secret_type").value_or(QStringLiteral("KEY_VALUE"));
            if (!vault::SecretService::isValidSecretType(secretType))
                throw ApiError::badRequest(
                    QStringLiteral("invalid_secret_type"),
                    QStringLiteral(
                        "secret_type must be KEY_VALUE, JSON_CONFIG or TEMPLATE_CONFIG"));
            const QString description = body.optionalString(u"description").value_or(QString());
            const crypto::SecureBytes content = body.requireSecretString(u"content");
            protocol::DotenvParseResult parsed = protocol::parseDotenv(content.view());

            QJsonArray created, updated, skippedList;
            for (const protocol::DotenvProblem &p : parsed.problems)
                skippedList.append(skipped(p.key, p.line, p.reason));

            store::Transaction tx(ctx.db);
            for (const protocol::DotenvEntry &entry : parsed.entries) {
                if (!protocol::isValidKeyPath(entry.key)) {
                    skippedList.append(
                        skipped(entry.key, entry.line, protocol::describeKeyPathRule()));
                    continue;
                }
                if (auto existing = ctx.secrets.repository().findByPath(ns, entry.key)) {
                    if (existing->isHoneyToken) {
                        skippedList.append(
                            skipped(entry.key, entry.line,
                                    QStringLiteral("a honey token has this key_path")));
                        continue;
                    }
                    const vault::SecretService::Revealed current = ctx.secrets.reveal(existing->id);
                    if (current.value.size() == entry.value.size() &&
                        crypto::constantTimeEquals(current.value.view(), entry.value.view())) {
                        skippedList.append(
                            skipped(entry.key, entry.line, QStringLiteral("unchanged")));
                        continue;
                    }
                    const int version = ctx.secrets.addVersion(existing->id, entry.value);
                    updated.append(QJsonObject{{QStringLiteral("key_path"), entry.key},
                                               {QStringLiteral("id"), existing->id},
                                               {QStringLiteral("version"), version}});
                    continue;
                }
                vault::SecretService::NewSecret spec;
                spec.ns = ns;
                spec.keyPath = entry.key;
                spec.secretType = secretType;
                spec.description = description;
                const store::SecretRow row = ctx.secrets.create(spec, entry.value);
                created.append(QJsonObject{{QStringLiteral("key_path"), row.keyPath},
                                           {QStringLiteral("id"), row.id},
                                           {QStringLiteral("version"), row.currentVersion}});
            }
            tx.commit();
            return HttpResponse::json(200, {{QStringLiteral("namespace"), ns},
                                            {QStringLiteral("created"), created},
                                            {QStringLiteral("updated"), updated},
                                            {QStringLiteral("skipped"), skippedList}});
        });
}

} // namespace cortex::api
