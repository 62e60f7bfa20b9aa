// Notification channels: /admin/notification-channels CRUD and input checks, configs never
// returned, and real deliveries (libcurl on the server's worker pool) to loopback stand-ins:
// an HTTP receiver for the webhook, Slack, Discord and Telegram formats and an SMTP relay for
// mail. Retries use a short backoff (CORTEX_NOTIFY_BACKOFF_MS) so the suite stays quick; no
// assertion depends on timing.

#include "HttpReceiver.h"
#include "ServiceFixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QTest>

using namespace cortex::test;

namespace {
constexpr int DeliveryWaitMs = 60000; // generous: only a bound so a broken server fails

const QString WebhookSecret = QStringLiteral("whsec-0123456789-abcdefghij-SIGNME");
const QString BotToken = QStringLiteral("123456789:AAH-bot-token-secret-0123456789xyz");
const QString SmtpPassword = QStringLiteral("smtp-password-!-do-not-leak");
const QString SlackPath = QStringLiteral("/slack/T000/B000/slacksecretpath0123");

QJsonObject channelBody(const QString &type, const QString &name, const QJsonObject &config,
                        std::optional<bool> enabled = std::nullopt)
{
    QJsonObject body{{QStringLiteral("channel_type"), type},
                     {QStringLiteral("name"), name},
                     {QStringLiteral("config"), config}};
    if (enabled)
        body.insert(QStringLiteral("enabled"), *enabled);
    return body;
}

QString fieldOf(const HttpReply &reply)
{
    return reply.object()
        .value(QStringLiteral("details"))
        .toObject()
        .value(QStringLiteral("field"))
        .toString();
}
} // namespace

class TestNotificationChannels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void crudRoundTrip();
    void badCreateIs400_data();
    void badCreateIs400();
    void badUpdateIs400();
    void duplicateNameIs409();
    void unknownChannelIs404();
    void crudLeavesAuditRows();
    void configIsNeverReturned();

    void webhookDeliveryIsSigned();
    void chatFormats();
    void retriesUntilSuccess();
    void permanentFailureIsRecorded();
    void clientErrorIsNotRetried();
    void unreachableReceiverFails();
    void testSendsOnlyToThatChannel();
    void dispatchSkipsDisabledChannels();
    void emailOverSmtp();
    void emailRequiresTlsByDefault();

    void noSecretInServerLog();

private:
    HttpClient &http() { return m_server.http(); }
    QString create(const QJsonObject &body);
    QString createWebhook(const QString &name, const QString &path, bool enabled = true,
                          bool signed_ = true);
    // POST .../test and the delivery id it returns.
    QString sendTest(const QString &channelId);
    // Polls GET .../{id} until last_delivery is the given delivery (any, when empty).
    QJsonObject waitForDelivery(const QString &channelId, const QString &deliveryId = {});
    QJsonArray auditRows(const QString &action, const QString &resource);
    void checkNoSecret(const HttpReply &reply);

    HttpReceiver m_receiver;
    SmtpReceiver m_smtp;
    TestServer m_server;
};

void TestNotificationChannels::initTestCase()
{
    QVERIFY(m_receiver.listen());
    QVERIFY(m_smtp.listen());
    qputenv("CORTEX_NOTIFY_BACKOFF_MS", "20");
    qputenv("CORTEX_NOTIFY_ATTEMPTS", "3");
    qputenv("CORTEX_TELEGRAM_API_BASE", m_receiver.url(QStringLiteral("/telegram")).toUtf8());
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
}

void TestNotificationChannels::cleanup()
{
    for (const QJsonValue &channel :
         http().get(QStringLiteral("/admin/notification-channels")).array())
        http().del(QStringLiteral("/admin/notification-channels/") +
                   channel.toObject().value(QStringLiteral("id")).toString());
    m_receiver.clear();
}

QString TestNotificationChannels::create(const QJsonObject &body)
{
    const HttpReply reply = http().post(QStringLiteral("/admin/notification-channels"), body);
    checkNoSecret(reply);
    if (reply.status != 201) {
        qWarning() << "create failed:" << reply.describe();
        return {};
    }
    return reply.object().value(QStringLiteral("id")).toString();
}

QString TestNotificationChannels::createWebhook(const QString &name, const QString &path,
                                                bool enabled, bool signed_)
{
    QJsonObject config{{QStringLiteral("url"), m_receiver.url(path)}};
    if (signed_)
        config.insert(QStringLiteral("secret"), WebhookSecret);
    return create(channelBody(QStringLiteral("webhook"), name, config, enabled));
}

QString TestNotificationChannels::sendTest(const QString &channelId)
{
    const HttpReply reply =
        http().post(QStringLiteral("/admin/notification-channels/%1/test").arg(channelId), {});
    checkNoSecret(reply);
    if (reply.status != 200) {
        qWarning() << "test failed:" << reply.describe();
        return {};
    }
    return reply.object().value(QStringLiteral("delivery_id")).toString();
}

QJsonObject TestNotificationChannels::waitForDelivery(const QString &channelId,
                                                      const QString &deliveryId)
{
    QJsonObject last;
    const auto done = [&] {
        const HttpReply reply =
            http().get(QStringLiteral("/admin/notification-channels/") + channelId);
        checkNoSecret(reply);
        last = reply.object().value(QStringLiteral("last_delivery")).toObject();
        return !last.isEmpty() &&
               (deliveryId.isEmpty() || last.value(QStringLiteral("id")).toString() == deliveryId);
    };
    if (!QTest::qWaitFor(done, DeliveryWaitMs))
        qWarning().noquote() << "no delivery outcome for" << channelId << deliveryId;
    return last;
}

QJsonArray TestNotificationChannels::auditRows(const QString &action, const QString &resource)
{
    const HttpReply reply =
        http().get(QStringLiteral("/admin/audit-logs?action=%1&resource=%2").arg(action, resource));
    if (reply.status != 200) {
        qWarning() << "audit-logs:" << reply.describe();
        return {};
    }
    return reply.object().value(QStringLiteral("rows")).toArray();
}

void TestNotificationChannels::checkNoSecret(const HttpReply &reply)
{
    for (const QString &secret : {WebhookSecret, BotToken, SmtpPassword, SlackPath}) {
        if (reply.body.contains(secret.toUtf8()))
            QFAIL(qPrintable(QStringLiteral("a response carries a channel secret: ") +
                             QString::fromUtf8(reply.body)));
    }
    if (containsKeyDeep(reply.json(), QStringLiteral("config")))
        QFAIL(qPrintable(QStringLiteral("a response carries a config: ") +
                         QString::fromUtf8(reply.body)));
}

void TestNotificationChannels::crudRoundTrip()
{
    const HttpReply created =
        http().post(QStringLiteral("/admin/notification-channels"),
                    {{QStringLiteral("channel_type"), QStringLiteral("webhook")},
                     {QStringLiteral("name"), QStringLiteral("ops-hook")},
                     {QStringLiteral("description"), QStringLiteral("the ops team")},
                     {QStringLiteral("config"),
                      QJsonObject{{QStringLiteral("url"), m_receiver.url(u"/hook"_qs)},
                                  {QStringLiteral("secret"), WebhookSecret}}}});
    CHECK_STATUS(created, 201);
    checkNoSecret(created);
    const QString id = created.object().value(QStringLiteral("id")).toString();
    QVERIFY2(id.startsWith(u"nch_"), created.body.constData());
    QCOMPARE(created.object().value(QStringLiteral("name")).toString(), QStringLiteral("ops-hook"));
    QCOMPARE(created.object().value(QStringLiteral("channel_type")).toString(),
             QStringLiteral("webhook"));

    const HttpReply list = http().get(QStringLiteral("/admin/notification-channels"));
    CHECK_STATUS(list, 200);
    checkNoSecret(list);
    QCOMPARE(list.array().size(), 1);
    const QJsonObject listed = list.array().first().toObject();
    QCOMPARE(listed.value(QStringLiteral("id")).toString(), id);
    QCOMPARE(listed.value(QStringLiteral("enabled")).toBool(), true);
    QCOMPARE(listed.value(QStringLiteral("description")).toString(),
             QStringLiteral("the ops team"));
    QVERIFY(listed.value(QStringLiteral("last_delivery")).isNull());
    QVERIFY(!listed.value(QStringLiteral("created_at")).toString().isEmpty());

    const HttpReply updated =
        http().put(QStringLiteral("/admin/notification-channels/") + id,
                   {{QStringLiteral("enabled"), false},
                    {QStringLiteral("name"), QStringLiteral("ops-hook-2")},
                    {QStringLiteral("config"),
                     QJsonObject{{QStringLiteral("url"), m_receiver.url(u"/hook2"_qs)}}}});
    CHECK_STATUS(updated, 200);
    QCOMPARE(updated.object().value(QStringLiteral("updated")).toBool(), true);
    const HttpReply one = http().get(QStringLiteral("/admin/notification-channels/") + id);
    CHECK_STATUS(one, 200);
    checkNoSecret(one);
    QCOMPARE(one.object().value(QStringLiteral("enabled")).toBool(), false);
    QCOMPARE(one.object().value(QStringLiteral("name")).toString(), QStringLiteral("ops-hook-2"));
    QCOMPARE(one.object().value(QStringLiteral("description")).toString(),
             QStringLiteral("the ops team"));

    // The new config is the one used: the test lands on /hook2, unsigned.
    const QString delivery = sendTest(id);
    QVERIFY(!delivery.isEmpty());
    const QJsonObject outcome = waitForDelivery(id, delivery);
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/hook2")).size(), 1);
    QVERIFY(m_receiver.requestsTo(QStringLiteral("/hook2"))
                .first()
                .header("X-Cortex-Signature")
                .isEmpty());

    const HttpReply deleted = http().del(QStringLiteral("/admin/notification-channels/") + id);
    CHECK_STATUS(deleted, 200);
    QCOMPARE(deleted.object().value(QStringLiteral("deleted")).toBool(), true);
    CHECK_ERROR(http().get(QStringLiteral("/admin/notification-channels/") + id), 404,
                "channel_not_found");
    QCOMPARE(http().get(QStringLiteral("/admin/notification-channels")).array().size(), 0);
}

void TestNotificationChannels::badCreateIs400_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");
    const auto row = [](const char *name, const QJsonObject &body, const char *code,
                        const char *field) {
        QTest::newRow(name) << toJson(body) << QString::fromUtf8(code) << QString::fromUtf8(field);
    };
    const auto hook = [](const QJsonObject &config) {
        return channelBody(QStringLiteral("webhook"), QStringLiteral("bad"), config);
    };
    const QJsonObject goodUrl{{QStringLiteral("url"), QStringLiteral("https://example.invalid/h")}};
    QTest::newRow("malformed JSON")
        << QByteArray("{\"channel_type\": ") << u"invalid_json"_qs << QString();
    QTest::newRow("array body") << QByteArray("[]") << u"invalid_json"_qs << QString();
    QTest::newRow("empty body") << QByteArray() << u"invalid_json"_qs << QString();
    row("missing type",
        {{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("config"), goodUrl}},
        "missing_field", "channel_type");
    row("type not a string",
        {{QStringLiteral("channel_type"), 3},
         {QStringLiteral("name"), QStringLiteral("x")},
         {QStringLiteral("config"), goodUrl}},
        "invalid_field", "channel_type");
    row("unknown type", channelBody(QStringLiteral("pager"), QStringLiteral("x"), goodUrl),
        "invalid_field", "channel_type");
    row("empty name", channelBody(QStringLiteral("webhook"), QString(), goodUrl), "invalid_field",
        "name");
    row("blank name", channelBody(QStringLiteral("webhook"), QStringLiteral("   "), goodUrl),
        "invalid_field", "name");
    row("name not a string",
        {{QStringLiteral("channel_type"), QStringLiteral("webhook")},
         {QStringLiteral("name"), true},
         {QStringLiteral("config"), goodUrl}},
        "invalid_field", "name");
    QJsonObject unknownTop = hook(goodUrl);
    unknownTop.insert(QStringLiteral("colour"), QStringLiteral("red"));
    row("unknown field", unknownTop, "unknown_field", "colour");
    QJsonObject badEnabled = hook(goodUrl);
    badEnabled.insert(QStringLiteral("enabled"), QStringLiteral("yes"));
    row("enabled not a bool", badEnabled, "invalid_field", "enabled");
    row("missing config",
        {{QStringLiteral("channel_type"), QStringLiteral("webhook")},
         {QStringLiteral("name"), QStringLiteral("x")}},
        "missing_field", "config");
    row("config not an object",
        {{QStringLiteral("channel_type"), QStringLiteral("slack")},
         {QStringLiteral("name"), QStringLiteral("x")},
         {QStringLiteral("config"), QStringLiteral("https://hooks.example.invalid/x")}},
        "invalid_field", "config");
    row("slack without webhook_url", channelBody(QStringLiteral("slack"), QStringLiteral("x"), {}),
        "missing_field", "config.webhook_url");
    row("slack ftp url",
        channelBody(QStringLiteral("slack"), QStringLiteral("x"),
                    {{QStringLiteral("webhook_url"), QStringLiteral("ftp://example.invalid/x")}}),
        "invalid_field", "config.webhook_url");
    row("slack relative url",
        channelBody(QStringLiteral("slack"), QStringLiteral("x"),
                    {{QStringLiteral("webhook_url"), QStringLiteral("/services/x")}}),
        "invalid_field", "config.webhook_url");
    row("slack url with spaces",
        channelBody(QStringLiteral("slack"), QStringLiteral("x"),
                    {{QStringLiteral("webhook_url"), QStringLiteral("https://a.invalid/x y")}}),
        "invalid_field", "config.webhook_url");
    row("discord unknown config field",
        channelBody(QStringLiteral("discord"), QStringLiteral("x"),
                    {{QStringLiteral("webhook_url"), QStringLiteral("https://a.invalid/x")},
                     {QStringLiteral("username"), QStringLiteral("bot")}}),
        "unknown_field", "config.username");
    row("webhook with slack's field",
        channelBody(QStringLiteral("webhook"), QStringLiteral("x"),
                    {{QStringLiteral("webhook_url"), QStringLiteral("https://a.invalid/x")}}),
        "unknown_field", "config.webhook_url");
    row("webhook url not a string", hook({{QStringLiteral("url"), 42}}), "invalid_field",
        "config.url");
    row("webhook secret too short",
        hook({{QStringLiteral("url"), QStringLiteral("https://a.invalid/x")},
              {QStringLiteral("secret"), QStringLiteral("short")}}),
        "invalid_field", "config.secret");
    row("telegram bad token",
        channelBody(QStringLiteral("telegram"), QStringLiteral("x"),
                    {{QStringLiteral("bot_token"), QStringLiteral("123/../../evil")},
                     {QStringLiteral("chat_id"), QStringLiteral("42")}}),
        "invalid_field", "config.bot_token");
    row("telegram chat_id bool",
        channelBody(QStringLiteral("telegram"), QStringLiteral("x"),
                    {{QStringLiteral("bot_token"), BotToken}, {QStringLiteral("chat_id"), true}}),
        "invalid_field", "config.chat_id");
    row("telegram without chat_id",
        channelBody(QStringLiteral("telegram"), QStringLiteral("x"),
                    {{QStringLiteral("bot_token"), BotToken}}),
        "missing_field", "config.chat_id");
    const auto mail = [](const QJsonObject &extra) {
        QJsonObject config{
            {QStringLiteral("smtp_url"), QStringLiteral("smtp://mail.example.invalid:587")},
            {QStringLiteral("from"), QStringLiteral("vault@example.invalid")},
            {QStringLiteral("to"), QStringLiteral("ops@example.invalid")}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            config.insert(it.key(), it.value());
        return channelBody(QStringLiteral("email"), QStringLiteral("x"), config);
    };
    row("email header injection in to",
        mail({{QStringLiteral("to"),
               QStringLiteral("ops@example.invalid\r\nBcc: evil@example.invalid")}}),
        "invalid_field", "config.to");
    row("email display name in from",
        mail({{QStringLiteral("from"), QStringLiteral("Vault <vault@example.invalid>")}}),
        "invalid_field", "config.from");
    row("email empty recipient list", mail({{QStringLiteral("to"), QJsonArray()}}), "invalid_field",
        "config.to");
    row("email http url",
        mail({{QStringLiteral("smtp_url"), QStringLiteral("http://mail.example.invalid")}}),
        "invalid_field", "config.smtp_url");
    row("email credentials in url",
        mail({{QStringLiteral("smtp_url"), QStringLiteral("smtp://u:p@mail.example.invalid")}}),
        "invalid_field", "config.smtp_url");
    row("email plain text to a remote relay", mail({{QStringLiteral("require_tls"), false}}),
        "invalid_field", "config.require_tls");
    row("email password without username", mail({{QStringLiteral("password"), SmtpPassword}}),
        "missing_field", "config.username");
}

void TestNotificationChannels::badCreateIs400()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, field);
    const HttpReply reply =
        http().send("POST", QStringLiteral("/admin/notification-channels"), body);
    CHECK_STATUS(reply, 400);
    checkNoSecret(reply);
    QCOMPARE(reply.errorCode(), code);
    if (!field.isEmpty())
        QCOMPARE(fieldOf(reply), field);
    QCOMPARE(http().get(QStringLiteral("/admin/notification-channels")).array().size(), 0);
}

void TestNotificationChannels::badUpdateIs400()
{
    const QString id = createWebhook(QStringLiteral("upd"), QStringLiteral("/upd"));
    QVERIFY(!id.isEmpty());
    const QString path = QStringLiteral("/admin/notification-channels/") + id;
    const HttpReply typeChange =
        http().put(path, {{QStringLiteral("channel_type"), QStringLiteral("slack")}});
    CHECK_ERROR(typeChange, 400, "invalid_field");
    QCOMPARE(fieldOf(typeChange), QStringLiteral("channel_type"));
    const HttpReply unknown = http().put(path, {{QStringLiteral("secret"), WebhookSecret}});
    CHECK_ERROR(unknown, 400, "unknown_field");
    checkNoSecret(unknown);
    const HttpReply wrongShape = http().put(
        path, {{QStringLiteral("config"),
                QJsonObject{{QStringLiteral("webhook_url"), m_receiver.url(u"/x"_qs)}}}});
    CHECK_ERROR(wrongShape, 400, "unknown_field");
    QCOMPARE(fieldOf(wrongShape), QStringLiteral("config.webhook_url"));
    CHECK_ERROR(http().send("PUT", path, "{not json"), 400, "invalid_json");
    CHECK_ERROR(http().put(path, {{QStringLiteral("enabled"), 1}}), 400, "invalid_field");
    CHECK_ERROR(http().put(path, {{QStringLiteral("name"), QString()}}), 400, "invalid_field");

    // Nothing changed: the channel still delivers, signed, to /upd.
    const QString delivery = sendTest(id);
    QCOMPARE(waitForDelivery(id, delivery).value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/upd")).size(), 1);
    QVERIFY(!m_receiver.requestsTo(QStringLiteral("/upd"))
                 .first()
                 .header("X-Cortex-Signature")
                 .isEmpty());
}

void TestNotificationChannels::duplicateNameIs409()
{
    QVERIFY(!createWebhook(QStringLiteral("dup"), QStringLiteral("/dup")).isEmpty());
    const HttpReply again =
        http().post(QStringLiteral("/admin/notification-channels"),
                    channelBody(QStringLiteral("slack"), QStringLiteral("dup"),
                                {{QStringLiteral("webhook_url"), m_receiver.url(SlackPath)}}));
    CHECK_ERROR(again, 409, "channel_exists");
    checkNoSecret(again);
    const QString other = createWebhook(QStringLiteral("other"), QStringLiteral("/other"));
    QVERIFY(!other.isEmpty());
    CHECK_ERROR(http().put(QStringLiteral("/admin/notification-channels/") + other,
                           {{QStringLiteral("name"), QStringLiteral("dup")}}),
                409, "channel_exists");
    // Renaming to its own name is no conflict.
    CHECK_STATUS(http().put(QStringLiteral("/admin/notification-channels/") + other,
                            {{QStringLiteral("name"), QStringLiteral("other")}}),
                 200);
    QCOMPARE(http().get(QStringLiteral("/admin/notification-channels")).array().size(), 2);
}

void TestNotificationChannels::unknownChannelIs404()
{
    const QString path = QStringLiteral("/admin/notification-channels/nch_missing");
    CHECK_ERROR(http().get(path), 404, "channel_not_found");
    CHECK_ERROR(http().put(path, {{QStringLiteral("enabled"), false}}), 404, "channel_not_found");
    CHECK_ERROR(http().del(path), 404, "channel_not_found");
    CHECK_ERROR(http().post(path + QStringLiteral("/test"), {}), 404, "channel_not_found");
    // Without the admin token nothing is revealed.
    CHECK_STATUS(http().get(QStringLiteral("/admin/notification-channels"), HttpClient::Auth::None),
                 401);
}

void TestNotificationChannels::crudLeavesAuditRows()
{
    const QString id = createWebhook(QStringLiteral("audited"), QStringLiteral("/audited"));
    QVERIFY(!id.isEmpty());
    CHECK_STATUS(http().put(QStringLiteral("/admin/notification-channels/") + id,
                            {{QStringLiteral("description"), QStringLiteral("d")}}),
                 200);
    const QString delivery = sendTest(id);
    waitForDelivery(id, delivery);
    CHECK_STATUS(http().del(QStringLiteral("/admin/notification-channels/") + id), 200);
    for (const char *action : {"create_notification_channel", "update_notification_channel",
                               "test_notification_channel", "delete_notification_channel"}) {
        const QJsonArray rows = auditRows(QString::fromUtf8(action), id);
        QVERIFY2(rows.size() == 1, action);
        const QJsonObject row = rows.first().toObject();
        QCOMPARE(row.value(QStringLiteral("status")).toString(), QStringLiteral("success"));
        const QByteArray text = QJsonDocument(row).toJson();
        QVERIFY2(!text.contains(WebhookSecret.toUtf8()) && !text.contains("/audited"),
                 text.constData());
    }
    // A refused create leaves a row too, without the config.
    CHECK_STATUS(
        http().post(QStringLiteral("/admin/notification-channels"),
                    channelBody(QStringLiteral("webhook"), QStringLiteral("x"),
                                {{QStringLiteral("url"), QStringLiteral("ftp://x.invalid")},
                                 {QStringLiteral("secret"), WebhookSecret}})),
        400);
    const HttpReply refused =
        http().get(QStringLiteral("/admin/audit-logs?action=create_notification_channel&limit=1"));
    CHECK_STATUS(refused, 200);
    const QJsonObject last =
        refused.object().value(QStringLiteral("rows")).toArray().first().toObject();
    QVERIFY2(last.value(QStringLiteral("status")).toString() != u"success",
             refused.body.constData());
    QVERIFY(!refused.body.contains(WebhookSecret.toUtf8()));
}

void TestNotificationChannels::configIsNeverReturned()
{
    // checkNoSecret() runs on every response of this suite; here every type once, and all the
    // routes that answer with a channel.
    const QStringList ids{
        createWebhook(QStringLiteral("w"), QStringLiteral("/w")),
        create(channelBody(QStringLiteral("slack"), QStringLiteral("s"),
                           {{QStringLiteral("webhook_url"), m_receiver.url(SlackPath)}})),
        create(channelBody(
            QStringLiteral("telegram"), QStringLiteral("t"),
            {{QStringLiteral("bot_token"), BotToken}, {QStringLiteral("chat_id"), -1001234567}})),
        create(channelBody(
            QStringLiteral("email"), QStringLiteral("e"),
            {{QStringLiteral("smtp_url"), QStringLiteral("smtp://127.0.0.1:%1").arg(m_smtp.port())},
             {QStringLiteral("from"), QStringLiteral("vault@example.invalid")},
             {QStringLiteral("to"), QStringLiteral("ops@example.invalid")},
             {QStringLiteral("username"), QStringLiteral("vault")},
             {QStringLiteral("password"), SmtpPassword},
             {QStringLiteral("require_tls"), false}}))};
    for (const QString &id : ids) {
        QVERIFY(!id.isEmpty());
        checkNoSecret(http().get(QStringLiteral("/admin/notification-channels/") + id));
        checkNoSecret(http().put(QStringLiteral("/admin/notification-channels/") + id,
                                 {{QStringLiteral("enabled"), false}}));
    }
    const HttpReply list = http().get(QStringLiteral("/admin/notification-channels"));
    checkNoSecret(list);
    QCOMPARE(list.array().size(), 4);
    for (const QJsonValue &channel : list.array())
        QCOMPARE(QJsonDocument(channel.toObject()).object().keys(),
                 (QStringList{QStringLiteral("channel_type"), QStringLiteral("created_at"),
                              QStringLiteral("description"), QStringLiteral("enabled"),
                              QStringLiteral("id"), QStringLiteral("last_delivery"),
                              QStringLiteral("name"), QStringLiteral("updated_at")}));
}

void TestNotificationChannels::webhookDeliveryIsSigned()
{
    const QString id = createWebhook(QStringLiteral("signed"), QStringLiteral("/signed"));
    QVERIFY(!id.isEmpty());
    const HttpReply queued =
        http().post(QStringLiteral("/admin/notification-channels/%1/test").arg(id), {});
    CHECK_STATUS(queued, 200);
    QCOMPARE(queued.object().value(QStringLiteral("queued")).toBool(), true);
    QCOMPARE(queued.object().value(QStringLiteral("name")).toString(), QStringLiteral("signed"));
    const QString delivery = queued.object().value(QStringLiteral("delivery_id")).toString();
    QVERIFY(delivery.startsWith(u"dlv_"));

    const QJsonObject outcome = waitForDelivery(id, delivery);
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 1);
    QCOMPARE(outcome.value(QStringLiteral("event")).toString(), QStringLiteral("test"));
    QVERIFY(!outcome.contains(QStringLiteral("error")));

    const QList<HttpReceiver::Request> got = m_receiver.requestsTo(QStringLiteral("/signed"));
    QCOMPARE(got.size(), 1);
    const HttpReceiver::Request &r = got.first();
    QCOMPARE(r.method, QByteArray("POST"));
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    QCOMPARE(r.header("X-Cortex-Event"), QByteArray("test"));
    QCOMPARE(r.header("X-Cortex-Delivery"), delivery.toUtf8());
    const QJsonObject body = r.json();
    for (const char *field : {"event", "severity", "namespace", "key_path", "agent_id", "project",
                              "time", "request_id"})
        QVERIFY2(body.contains(QString::fromUtf8(field)), field);
    QCOMPARE(body.value(QStringLiteral("event")).toString(), QStringLiteral("test"));
    QCOMPARE(body.value(QStringLiteral("channel")).toString(), QStringLiteral("signed"));
    QCOMPARE(body.value(QStringLiteral("request_id")).toString().toUtf8(),
             queued.header("X-Request-Id"));

    // HMAC-SHA256(secret, "<timestamp>.<raw body>"), recomputed independently of the server.
    const QByteArray timestamp = r.header("X-Cortex-Timestamp");
    bool numeric = false;
    timestamp.toLongLong(&numeric);
    QVERIFY2(numeric, timestamp.constData());
    const QByteArray expected = "sha256=" + QMessageAuthenticationCode::hash(
                                                timestamp + '.' + r.body, WebhookSecret.toUtf8(),
                                                QCryptographicHash::Sha256)
                                                .toHex();
    QCOMPARE(r.header("X-Cortex-Signature"), expected);
    // A signature for another timestamp does not match (the timestamp is covered).
    QVERIFY(QMessageAuthenticationCode::hash(QByteArray::number(timestamp.toLongLong() + 1) + '.' +
                                                 r.body,
                                             WebhookSecret.toUtf8(), QCryptographicHash::Sha256)
                .toHex() != expected.mid(7));
}

void TestNotificationChannels::chatFormats()
{
    // The channel name is part of the text: Slack's control sequences in it are escaped.
    const QString slack =
        create(channelBody(QStringLiteral("slack"), QStringLiteral("slack <!channel>"),
                           {{QStringLiteral("webhook_url"), m_receiver.url(SlackPath)}}));
    const QString discord = create(
        channelBody(QStringLiteral("discord"), QStringLiteral("discord"),
                    {{QStringLiteral("webhook_url"), m_receiver.url(u"/discord/1/abc"_qs)}}));
    const QString telegram = create(channelBody(
        QStringLiteral("telegram"), QStringLiteral("tg"),
        {{QStringLiteral("bot_token"), BotToken}, {QStringLiteral("chat_id"), -1001234567}}));
    QVERIFY(!slack.isEmpty() && !discord.isEmpty() && !telegram.isEmpty());
    for (const QString &id : {slack, discord, telegram}) {
        const QString delivery = sendTest(id);
        QCOMPARE(waitForDelivery(id, delivery).value(QStringLiteral("ok")).toBool(), true);
    }

    const QList<HttpReceiver::Request> slackGot = m_receiver.requestsTo(SlackPath);
    QCOMPARE(slackGot.size(), 1);
    QCOMPARE(slackGot.first().json().keys(), QStringList{QStringLiteral("text")});
    const QString slackText = slackGot.first().json().value(QStringLiteral("text")).toString();
    QVERIFY2(slackText.contains(u"test notification") &&
                 slackText.contains(u"channel: slack &lt;!channel&gt;") &&
                 !slackText.contains(u"<!channel>"),
             qPrintable(slackText));

    const QList<HttpReceiver::Request> discordGot =
        m_receiver.requestsTo(QStringLiteral("/discord/1/abc"));
    QCOMPARE(discordGot.size(), 1);
    const QJsonObject discordBody = discordGot.first().json();
    QVERIFY(discordBody.value(QStringLiteral("content")).toString().contains(u"test notification"));
    QCOMPARE(discordBody.value(QStringLiteral("allowed_mentions"))
                 .toObject()
                 .value(QStringLiteral("parse"))
                 .toArray()
                 .size(),
             0);

    const QList<HttpReceiver::Request> telegramGot =
        m_receiver.requestsTo(QStringLiteral("/telegram/bot%1/sendMessage").arg(BotToken));
    QCOMPARE(telegramGot.size(), 1);
    const QJsonObject telegramBody = telegramGot.first().json();
    QCOMPARE(telegramBody.value(QStringLiteral("chat_id")).toString(),
             QStringLiteral("-1001234567"));
    QVERIFY(telegramBody.value(QStringLiteral("text")).toString().contains(u"test notification"));
    QCOMPARE(m_receiver.requests().size(), 3);
}

void TestNotificationChannels::retriesUntilSuccess()
{
    m_receiver.setStatuses(QStringLiteral("/flaky"), {500, 503});
    const QString id = createWebhook(QStringLiteral("flaky"), QStringLiteral("/flaky"));
    const QString delivery = sendTest(id);
    const QJsonObject outcome = waitForDelivery(id, delivery);
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 3);
    const QList<HttpReceiver::Request> got = m_receiver.requestsTo(QStringLiteral("/flaky"));
    QCOMPARE(got.size(), 3);
    for (const HttpReceiver::Request &r : got) {
        QCOMPARE(r.header("X-Cortex-Delivery"), delivery.toUtf8());
        QCOMPARE(r.body, got.first().body);
    }
    QCOMPARE(auditRows(QStringLiteral("notification_failed"), id).size(), 0);
}

void TestNotificationChannels::permanentFailureIsRecorded()
{
    m_receiver.setDefaultStatus(QStringLiteral("/down"), 500);
    const QString id = createWebhook(QStringLiteral("down"), QStringLiteral("/down"));
    const QString delivery = sendTest(id);
    const QJsonObject outcome = waitForDelivery(id, delivery);
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), false);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 3);
    QCOMPARE(outcome.value(QStringLiteral("error")).toString(), QStringLiteral("HTTP 500"));
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/down")).size(), 3);

    const QJsonArray rows = auditRows(QStringLiteral("notification_failed"), id);
    QCOMPARE(rows.size(), 1);
    const QJsonObject row = rows.first().toObject();
    QCOMPARE(row.value(QStringLiteral("status")).toString(), QStringLiteral("error"));
    QJsonObject detail = row.value(QStringLiteral("detail")).toObject();
    if (detail.isEmpty()) // stored as compact JSON text
        detail = QJsonDocument::fromJson(row.value(QStringLiteral("detail")).toString().toUtf8())
                     .object();
    QCOMPARE(detail.value(QStringLiteral("channel")).toString(), QStringLiteral("down"));
    QCOMPARE(detail.value(QStringLiteral("event")).toString(), QStringLiteral("test"));
    QCOMPARE(detail.value(QStringLiteral("http_status")).toInt(), 500);
    const QByteArray text = QJsonDocument(row).toJson();
    QVERIFY2(!text.contains("/down") && !text.contains(WebhookSecret.toUtf8()), text.constData());
}

void TestNotificationChannels::clientErrorIsNotRetried()
{
    m_receiver.setDefaultStatus(QStringLiteral("/gone"), 404);
    const QString id = createWebhook(QStringLiteral("gone"), QStringLiteral("/gone"));
    const QJsonObject outcome = waitForDelivery(id, sendTest(id));
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), false);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 1);
    QCOMPARE(outcome.value(QStringLiteral("error")).toString(), QStringLiteral("HTTP 404"));
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/gone")).size(), 1);
}

void TestNotificationChannels::unreachableReceiverFails()
{
    // A port that was free a moment ago: nothing listens there.
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    const QString id = create(
        channelBody(QStringLiteral("webhook"), QStringLiteral("nowhere"),
                    {{QStringLiteral("url"),
                      QStringLiteral("http://127.0.0.1:%1/x?token=querysecret").arg(closedPort)}}));
    QVERIFY(!id.isEmpty());
    const QJsonObject outcome = waitForDelivery(id, sendTest(id));
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), false);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 3);
    const QString error = outcome.value(QStringLiteral("error")).toString();
    QVERIFY2(!error.isEmpty() && !error.contains(u"querysecret") && !error.startsWith(u"HTTP"),
             qPrintable(error));
    const QJsonArray rows = auditRows(QStringLiteral("notification_failed"), id);
    QCOMPARE(rows.size(), 1);
    QVERIFY(!QJsonDocument(rows.first().toObject()).toJson().contains("querysecret"));
    QVERIFY(!logContains(QStringLiteral("querysecret")));
}

void TestNotificationChannels::testSendsOnlyToThatChannel()
{
    const QString a = createWebhook(QStringLiteral("a"), QStringLiteral("/a"));
    const QString b = createWebhook(QStringLiteral("b"), QStringLiteral("/b"));
    const QString off = createWebhook(QStringLiteral("off"), QStringLiteral("/off"), false);
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !off.isEmpty());
    QCOMPARE(waitForDelivery(a, sendTest(a)).value(QStringLiteral("ok")).toBool(), true);
    // A disabled channel can still be tested on its own, before it is switched on.
    QCOMPARE(waitForDelivery(off, sendTest(off)).value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/a")).size(), 1);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/off")).size(), 1);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/b")).size(), 0);
    QVERIFY(http()
                .get(QStringLiteral("/admin/notification-channels/") + b)
                .object()
                .value(QStringLiteral("last_delivery"))
                .isNull());
}

void TestNotificationChannels::dispatchSkipsDisabledChannels()
{
    // A real event: reading a honey token raises an alarm that goes to every enabled channel.
    const QString on = createWebhook(QStringLiteral("on"), QStringLiteral("/on"));
    const QString off = createWebhook(QStringLiteral("off"), QStringLiteral("/off"), false);
    const QString onUnsigned =
        createWebhook(QStringLiteral("on2"), QStringLiteral("/on2"), true, false);
    QVERIFY(!on.isEmpty() && !off.isEmpty() && !onUnsigned.isEmpty());
    const HttpReply secret =
        http().post(QStringLiteral("/admin/secrets"),
                    {{QStringLiteral("key_path"), QStringLiteral("bait/db-password")},
                     {QStringLiteral("value"), QStringLiteral("decoy-value-xyz")},
                     {QStringLiteral("is_honey_token"), true}});
    CHECK_STATUS(secret, 201);
    const HttpReply read = http().get(QStringLiteral("/admin/secrets/") +
                                      secret.object().value(QStringLiteral("id")).toString());
    QVERIFY2(read.status >= 400, read.describe().constData());

    QCOMPARE(waitForDelivery(on).value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(waitForDelivery(onUnsigned).value(QStringLiteral("ok")).toBool(), true);
    const QList<HttpReceiver::Request> got = m_receiver.requestsTo(QStringLiteral("/on"));
    QCOMPARE(got.size(), 1);
    const QJsonObject body = got.first().json();
    QCOMPARE(body.value(QStringLiteral("event")).toString(), QStringLiteral("honey_token_read"));
    QCOMPARE(body.value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
    QCOMPARE(body.value(QStringLiteral("key_path")).toString(), QStringLiteral("bait/db-password"));
    QCOMPARE(body.value(QStringLiteral("namespace")).toString(), QStringLiteral("default"));
    QCOMPARE(body.value(QStringLiteral("request_id")).toString().toUtf8(),
             read.header("X-Request-Id"));
    QVERIFY(!got.first().body.contains("decoy-value-xyz"));
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/on2")).size(), 1);
    QCOMPARE(m_receiver.requestsTo(QStringLiteral("/off")).size(), 0);
    QVERIFY(http()
                .get(QStringLiteral("/admin/notification-channels/") + off)
                .object()
                .value(QStringLiteral("last_delivery"))
                .isNull());
}

void TestNotificationChannels::emailOverSmtp()
{
    const int before = m_smtp.mails().size();
    const QString id = create(channelBody(
        QStringLiteral("email"), QStringLiteral("mail"),
        {{QStringLiteral("smtp_url"), QStringLiteral("smtp://127.0.0.1:%1").arg(m_smtp.port())},
         {QStringLiteral("from"), QStringLiteral("vault@example.invalid")},
         {QStringLiteral("to"),
          QJsonArray{QStringLiteral("ops@example.invalid"), QStringLiteral("sec@example.invalid")}},
         {QStringLiteral("username"), QStringLiteral("vault")},
         {QStringLiteral("password"), SmtpPassword},
         {QStringLiteral("require_tls"), false}}));
    QVERIFY(!id.isEmpty());
    const QString delivery = sendTest(id);
    const QJsonObject outcome = waitForDelivery(id, delivery);
    QVERIFY2(outcome.value(QStringLiteral("ok")).toBool(),
             QJsonDocument(outcome).toJson().constData());
    QCOMPARE(m_smtp.mails().size(), before + 1);
    const SmtpReceiver::Mail mail = m_smtp.mails().last();
    QCOMPARE(mail.mailFrom, QByteArray("<vault@example.invalid>"));
    QCOMPARE(mail.recipients,
             (QList<QByteArray>{"<ops@example.invalid>", "<sec@example.invalid>"}));
    QCOMPARE(mail.authPlain, QByteArray("\0vault\0", 7) + SmtpPassword.toUtf8());

    const qsizetype split = mail.data.indexOf("\r\n\r\n");
    QVERIFY(split > 0);
    const QByteArray headers = mail.data.left(split);
    QVERIFY2(headers.contains("From: Cortex Vault <vault@example.invalid>\r\n"),
             headers.constData());
    QVERIFY2(headers.contains("To: ops@example.invalid, sec@example.invalid\r\n"),
             headers.constData());
    QVERIFY2(headers.contains("Subject: Cortex Vault [info]: test notification\r\n"),
             headers.constData());
    QVERIFY2(headers.contains("Content-Transfer-Encoding: base64"), headers.constData());
    const QString text = QString::fromUtf8(QByteArray::fromBase64(mail.data.mid(split + 4)));
    QVERIFY2(text.contains(u"channel: mail") && text.contains(u"\"request_id\""), qPrintable(text));
    QVERIFY(!text.contains(SmtpPassword));
}

void TestNotificationChannels::emailRequiresTlsByDefault()
{
    // The stand-in offers no STARTTLS; without require_tls:false nothing may go out in clear.
    const int commandsBefore = m_smtp.commands().size();
    const QString id = create(channelBody(
        QStringLiteral("email"), QStringLiteral("mail-tls"),
        {{QStringLiteral("smtp_url"), QStringLiteral("smtp://127.0.0.1:%1").arg(m_smtp.port())},
         {QStringLiteral("from"), QStringLiteral("vault@example.invalid")},
         {QStringLiteral("to"), QStringLiteral("ops@example.invalid")},
         {QStringLiteral("username"), QStringLiteral("vault")},
         {QStringLiteral("password"), SmtpPassword}}));
    QVERIFY(!id.isEmpty());
    const QJsonObject outcome = waitForDelivery(id, sendTest(id));
    QCOMPARE(outcome.value(QStringLiteral("ok")).toBool(), false);
    QCOMPARE(outcome.value(QStringLiteral("attempts")).toInt(), 1); // not retryable
    for (const QByteArray &command : m_smtp.commands().mid(commandsBefore)) {
        const QByteArray verb = command.left(4).toUpper();
        QVERIFY2(verb != "AUTH" && verb != "MAIL" && verb != "DATA", command.constData());
    }
    QCOMPARE(auditRows(QStringLiteral("notification_failed"), id).size(), 1);
}

void TestNotificationChannels::noSecretInServerLog()
{
    for (const QString &secret :
         {WebhookSecret, BotToken, SmtpPassword, SlackPath, QStringLiteral("decoy-value-xyz")})
        QVERIFY2(!logContains(secret), qPrintable(secret));
    // The channels did log their deliveries (the check above looked at real lines).
    QVERIFY(logContains(QStringLiteral("delivered to channel")) ||
            logContains(QStringLiteral("failed after")));
}

QTEST_MAIN(TestNotificationChannels)
#include "tst_notification_channels.moc"
