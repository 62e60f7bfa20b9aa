// /admin/notification-channels: where the server sends alarms and approval requests (Slack,
// Discord, Telegram, a signed JSON webhook, e-mail over SMTP). Paths and JSON names follow the
// reference; unlike it, configs are validated per type, envelope-encrypted with AADs naming the
// row, never returned; /test sends to that one channel only; and each channel shows the outcome
// of its latest delivery (last_delivery), which is how a caller of /test learns the result.

#include "Clock.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/Random.h"
#include "notify/ChannelConfig.h"
#include "notify/Notifier.h"
#include "store/Database.h"
#include "store/NotificationChannelRepository.h"
#include "store/Timestamps.h"
#include "vault/Vault.h"

#include <QJsonArray>

namespace cortex::api {

namespace {
using store::NotificationChannelRepository;
using store::NotificationChannelRow;

constexpr qsizetype MaxNameLength = 128;
constexpr qsizetype MaxDescriptionLength = 1024;

ApiError invalidField(const QString &field, const QString &message)
{
    return ApiError::badRequest(QStringLiteral("invalid_field"), message,
                                {{QStringLiteral("field"), field}});
}

QJsonObject channelJson(const NotificationChannelRow &row)
{
    QJsonObject json{{QStringLiteral("id"), row.id},
                     {QStringLiteral("channel_type"), row.channelType},
                     {QStringLiteral("name"), row.name},
                     {QStringLiteral("enabled"), row.enabled},
                     {QStringLiteral("description"), row.description},
                     {QStringLiteral("created_at"), row.createdAt},
                     {QStringLiteral("updated_at"), row.updatedAt}};
    QJsonValue last; // null until the first delivery
    if (row.lastDelivery) {
        QJsonObject delivery{{QStringLiteral("id"), row.lastDelivery->id},
                             {QStringLiteral("event"), row.lastDelivery->event},
                             {QStringLiteral("time"), row.lastDelivery->time},
                             {QStringLiteral("ok"), row.lastDelivery->ok},
                             {QStringLiteral("attempts"), row.lastDelivery->attempts}};
        if (!row.lastDelivery->ok)
            delivery.insert(QStringLiteral("error"), row.lastDelivery->error);
        last = delivery;
    }
    json.insert(QStringLiteral("last_delivery"), last);
    return json;
}

QString checkedName(const QString &name)
{
    bool control = false;
    for (const QChar c : name)
        control = control || c.category() == QChar::Other_Control;
    if (name.trimmed().isEmpty() || name.size() > MaxNameLength || control)
        throw invalidField(QStringLiteral("name"),
                           QStringLiteral("name must be 1..%1 characters, not blank, without"
                                          " control characters")
                               .arg(MaxNameLength));
    return name;
}

QString checkedDescription(const QString &description)
{
    if (description.size() > MaxDescriptionLength)
        throw invalidField(
            QStringLiteral("description"),
            QStringLiteral("description must be at most %1 characters").arg(MaxDescriptionLength));
    return description;
}

NotificationChannelRow requireChannel(NotificationChannelRepository &channels, const QString &id)
{
    std::optional<NotificationChannelRow> row = channels.find(id);
    if (!row)
        throw ApiError::notFound(QStringLiteral("channel_not_found"),
                                 QStringLiteral("no notification channel with id '%1'").arg(id));
    return std::move(*row);
}

void rejectDuplicateName(NotificationChannelRepository &channels, const QString &name,
                         const QString &exceptId)
{
    const std::optional<NotificationChannelRow> other = channels.findByName(name);
    if (other && other->id != exceptId)
        throw ApiError::conflict(
            QStringLiteral("channel_exists"),
            QStringLiteral("a notification channel named '%1' already exists").arg(name));
}

void sealConfigInto(NotificationChannelRow &row, const QJsonObject &config, ApiContext &ctx)
{
    row.kekVersion = ctx.vault.kekVersion();
    const vault::Envelope envelope = notify::sealChannelConfig(
        ctx.vault.rootKey(), row.id, row.channelType, row.kekVersion, config);
    row.configCiphertext = envelope.ciphertext;
    row.configWrappedDek = envelope.wrappedDek;
}
} // namespace

void registerNotificationChannelRoutes(http::Router &router, ApiContext &ctx)
{
    router.add(
        "GET", QStringLiteral("/admin/notification-channels"), AdminRoute, [&ctx](HttpRequest &) {
            QJsonArray list;
            for (const NotificationChannelRow &row : NotificationChannelRepository(ctx.db).list())
                list.append(channelJson(row));
            return HttpResponse::json(200, list);
        });

    router.add("GET", QStringLiteral("/admin/notification-channels/{id}"), AdminRoute,
               [&ctx](HttpRequest &request) {
                   NotificationChannelRepository channels(ctx.db);
                   return HttpResponse::json(
                       200,
                       channelJson(requireChannel(channels, request.param(QStringLiteral("id")))));
               });

    router.add(
        "POST", QStringLiteral("/admin/notification-channels"),
        audited(AdminRoute, "create_notification_channel"), [&ctx](HttpRequest &request) {
            const JsonReader body = JsonReader::parse(request.body);
            body.rejectUnknownFields(
                {u"channel_type", u"name", u"config", u"enabled", u"description"});
            const QString type = body.requireString(u"channel_type");
            if (!notify::isChannelType(type))
                throw invalidField(QStringLiteral("channel_type"),
                                   QStringLiteral("channel_type must be one of: %1")
                                       .arg(notify::channelTypes().join(QStringLiteral(", "))));
            NotificationChannelRow row;
            row.channelType = type;
            row.name = checkedName(body.requireString(u"name"));
            row.description =
                checkedDescription(body.optionalString(u"description").value_or(QString()));
            row.enabled = body.optionalBool(u"enabled").value_or(true);
            const QJsonObject config =
                notify::validateChannelConfig(type, body.object().value(QStringLiteral("config")));
            row.id = crypto::randomToken(u"nch_", 16);
            row.createdAt = row.updatedAt = store::timestamp(ctx.clock.now());
            sealConfigInto(row, config, ctx);
            request.notes.resource = row.id;
            request.notes.detail = {{QStringLiteral("name"), row.name},
                                    {QStringLiteral("channel_type"), row.channelType},
                                    {QStringLiteral("enabled"), row.enabled}};
            NotificationChannelRepository channels(ctx.db);
            store::Transaction tx(ctx.db);
            rejectDuplicateName(channels, row.name, QString());
            channels.insert(row);
            tx.commit();
            return HttpResponse::json(201, {{QStringLiteral("id"), row.id},
                                            {QStringLiteral("name"), row.name},
                                            {QStringLiteral("channel_type"), row.channelType}});
        });

    router.add(
        "PUT", QStringLiteral("/admin/notification-channels/{id}"),
        audited(AdminRoute, "update_notification_channel"), [&ctx](HttpRequest &request) {
            const QString id = request.param(QStringLiteral("id"));
            request.notes.resource = id;
            const JsonReader body = JsonReader::parse(request.body);
            if (body.object().contains(QStringLiteral("channel_type")))
                throw invalidField(QStringLiteral("channel_type"),
                                   QStringLiteral("channel_type cannot be changed: create a new"
                                                  " channel"));
            body.rejectUnknownFields({u"name", u"config", u"enabled", u"description"});
            const std::optional<QString> name = body.optionalString(u"name");
            const std::optional<QString> description = body.optionalString(u"description");
            const std::optional<bool> enabled = body.optionalBool(u"enabled");
            const QJsonValue config = body.object().value(QStringLiteral("config"));
            NotificationChannelRepository channels(ctx.db);
            store::Transaction tx(ctx.db);
            NotificationChannelRow row = requireChannel(channels, id);
            QJsonArray changed;
            if (name) {
                row.name = checkedName(*name);
                rejectDuplicateName(channels, row.name, row.id);
                changed.append(QStringLiteral("name"));
            }
            if (description) {
                row.description = checkedDescription(*description);
                changed.append(QStringLiteral("description"));
            }
            if (enabled) {
                row.enabled = *enabled;
                changed.append(QStringLiteral("enabled"));
            }
            if (!config.isUndefined() && !config.isNull()) {
                // The whole config is replaced (under a fresh DEK): it is never read back,
                // so there is nothing to merge with.
                sealConfigInto(row, notify::validateChannelConfig(row.channelType, config), ctx);
                changed.append(QStringLiteral("config"));
            }
            row.updatedAt = store::timestamp(ctx.clock.now());
            request.notes.detail = {{QStringLiteral("name"), row.name},
                                    {QStringLiteral("changed"), changed}};
            channels.update(row);
            tx.commit();
            return HttpResponse::json(
                200, {{QStringLiteral("updated"), true}, {QStringLiteral("id"), id}});
        });

    router.add("DELETE", QStringLiteral("/admin/notification-channels/{id}"),
               audited(AdminRoute, "delete_notification_channel"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   request.notes.resource = id;
                   if (!NotificationChannelRepository(ctx.db).remove(id))
                       throw ApiError::notFound(
                           QStringLiteral("channel_not_found"),
                           QStringLiteral("no notification channel with id '%1'").arg(id));
                   return HttpResponse::json(
                       200, {{QStringLiteral("deleted"), true}, {QStringLiteral("id"), id}});
               });

    // Sends a "test" notification to this one channel (even while it is disabled, so it can be
    // tried before it is switched on) and answers at once with the delivery id; the outcome
    // appears as the channel's last_delivery once the attempts are over.
    router.add("POST", QStringLiteral("/admin/notification-channels/{id}/test"),
               audited(AdminRoute, "test_notification_channel"), [&ctx](HttpRequest &request) {
                   const QString id = request.param(QStringLiteral("id"));
                   request.notes.resource = id;
                   NotificationChannelRepository channels(ctx.db);
                   const NotificationChannelRow row = requireChannel(channels, id);
                   notify::Notification notification;
                   notification.event = QStringLiteral("test");
                   notification.severity = QStringLiteral("info");
                   notification.time = store::timestamp(ctx.clock.now());
                   notification.requestId = request.requestId;
                   notification.extra = {{QStringLiteral("channel"), row.name},
                                         {QStringLiteral("channel_type"), row.channelType}};
                   const QString deliveryId = ctx.notifier.sendTo(row, notification);
                   request.notes.detail = {{QStringLiteral("name"), row.name},
                                           {QStringLiteral("delivery_id"), deliveryId}};
                   return HttpResponse::json(200, {{QStringLiteral("queued"), true},
                                                   {QStringLiteral("id"), row.id},
                                                   {QStringLiteral("name"), row.name},
                                                   {QStringLiteral("delivery_id"), deliveryId}});
               });
}

} // namespace cortex::api
