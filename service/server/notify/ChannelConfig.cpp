#include "notify/ChannelConfig.h"

#include "protocol/ApiError.h"
#include "store/NotificationChannelRepository.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

namespace cortex::notify {

namespace {
using protocol::ApiError;

constexpr qsizetype MaxUrlLength = 2048;
constexpr qsizetype MaxAddressLength = 254;
constexpr qsizetype MaxRecipients = 20;
constexpr qsizetype MinWebhookSecretLength = 16;
constexpr qsizetype MaxSecretLength = 1024;

QString fieldName(const QString &name)
{
    return QStringLiteral("config.") + name;
}

ApiError invalid(const QString &name, const QString &message)
{
    return ApiError::badRequest(QStringLiteral("invalid_field"), message,
                                {{QStringLiteral("field"), fieldName(name)}});
}

void rejectUnknown(const QJsonObject &config, const QStringList &allowed)
{
    for (auto it = config.constBegin(); it != config.constEnd(); ++it) {
        if (!allowed.contains(it.key()))
            throw ApiError::badRequest(
                QStringLiteral("unknown_field"),
                QStringLiteral("%1 is not a field of this channel type").arg(fieldName(it.key())),
                {{QStringLiteral("field"), fieldName(it.key())}});
    }
}

QString requireString(const QJsonObject &config, const QString &name)
{
    const QJsonValue value = config.value(name);
    if (value.isUndefined() || value.isNull())
        throw ApiError::badRequest(QStringLiteral("missing_field"),
                                   QStringLiteral("%1 is required").arg(fieldName(name)),
                                   {{QStringLiteral("field"), fieldName(name)}});
    if (!value.isString())
        throw invalid(name, QStringLiteral("%1 must be a string").arg(fieldName(name)));
    return value.toString();
}

std::optional<QString> optionalString(const QJsonObject &config, const QString &name)
{
    const QJsonValue value = config.value(name);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isString())
        throw invalid(name, QStringLiteral("%1 must be a string").arg(fieldName(name)));
    return value.toString();
}

bool hasControlOrSpace(const QString &text)
{
    for (const QChar c : text) {
        if (c.isSpace() || c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

QUrl checkedUrl(const QJsonObject &config, const QString &name, const QStringList &schemes)
{
    const QString text = requireString(config, name);
    const QString expected = schemes.join(QStringLiteral(" or "));
    if (text.isEmpty() || text.size() > MaxUrlLength || hasControlOrSpace(text))
        throw invalid(name, QStringLiteral("%1 must be an absolute %2 URL of at most %3"
                                           " characters, without spaces")
                                .arg(fieldName(name), expected)
                                .arg(MaxUrlLength));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || !schemes.contains(url.scheme()) || url.host().isEmpty() ||
        url.hasFragment())
        throw invalid(name, QStringLiteral("%1 must be an absolute %2 URL with a host and no"
                                           " fragment")
                                .arg(fieldName(name), expected));
    return url;
}

void checkSecretLength(const QString &name, const QString &value, qsizetype minimum)
{
    if (value.size() < minimum || value.size() > MaxSecretLength)
        throw invalid(name, QStringLiteral("%1 must be %2..%3 characters")
                                .arg(fieldName(name))
                                .arg(minimum)
                                .arg(MaxSecretLength));
}

// A bare address (no display name): no spaces, controls, brackets or quotes that could break
// out of an SMTP command or a header.
bool isMailAddress(const QString &address)
{
    static const QRegularExpression pattern(QStringLiteral(
        R"(^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$)"));
    return address.size() <= MaxAddressLength && pattern.match(address).hasMatch();
}

QJsonObject webhookUrlConfig(const QJsonObject &config)
{
    rejectUnknown(config, {QStringLiteral("webhook_url")});
    checkedUrl(config, QStringLiteral("webhook_url"),
               {QStringLiteral("https"), QStringLiteral("http")});
    return config;
}

QJsonObject telegramConfig(const QJsonObject &config)
{
    rejectUnknown(config, {QStringLiteral("bot_token"), QStringLiteral("chat_id")});
    // "<bot id>:<secret>" as BotFather issues it; anything else could escape the URL path.
    static const QRegularExpression tokenPattern(
        QStringLiteral("^[0-9]{1,20}:[A-Za-z0-9_-]{20,200}$"));
    if (!tokenPattern.match(requireString(config, QStringLiteral("bot_token"))).hasMatch())
        throw invalid(QStringLiteral("bot_token"),
                      QStringLiteral("config.bot_token must look like '<digits>:<token>' as"
                                     " BotFather issues it"));
    const QJsonValue chat = config.value(QStringLiteral("chat_id"));
    if (chat.isUndefined() || chat.isNull())
        throw ApiError::badRequest(
            QStringLiteral("missing_field"), QStringLiteral("config.chat_id is required"),
            {{QStringLiteral("field"), fieldName(QStringLiteral("chat_id"))}});
    static const QRegularExpression chatPattern(
        QStringLiteral("^(-?[0-9]{1,20}|@[A-Za-z0-9_]{4,64})$"));
    // Range first: converting a larger double to qint64 is undefined.
    const bool integral = chat.isDouble() && qAbs(chat.toDouble()) < 9007199254740992.0 &&
                          chat.toDouble() == double(qint64(chat.toDouble()));
    if (!integral && !(chat.isString() && chatPattern.match(chat.toString()).hasMatch()))
        throw invalid(QStringLiteral("chat_id"),
                      QStringLiteral("config.chat_id must be an integer, a string of digits or"
                                     " '@channelname'"));
    QJsonObject normalised = config;
    if (integral) // Telegram takes either; keep one form
        normalised.insert(QStringLiteral("chat_id"), QString::number(qint64(chat.toDouble())));
    return normalised;
}

QJsonObject webhookConfig(const QJsonObject &config)
{
    rejectUnknown(config, {QStringLiteral("url"), QStringLiteral("secret")});
    checkedUrl(config, QStringLiteral("url"), {QStringLiteral("https"), QStringLiteral("http")});
    if (const std::optional<QString> secret = optionalString(config, QStringLiteral("secret")))
        checkSecretLength(QStringLiteral("secret"), *secret, MinWebhookSecretLength);
    return config;
}

QJsonObject emailConfig(const QJsonObject &config)
{
    rejectUnknown(config, {QStringLiteral("smtp_url"), QStringLiteral("from"), QStringLiteral("to"),
                           QStringLiteral("username"), QStringLiteral("password"),
                           QStringLiteral("require_tls")});
    QJsonObject normalised = config;
    const QUrl url = checkedUrl(config, QStringLiteral("smtp_url"),
                                {QStringLiteral("smtps"), QStringLiteral("smtp")});
    if (!url.userInfo().isEmpty() || url.hasQuery())
        throw invalid(QStringLiteral("smtp_url"),
                      QStringLiteral("config.smtp_url must not carry credentials or a query: use"
                                     " config.username and config.password"));
    if (!isMailAddress(requireString(config, QStringLiteral("from"))))
        throw invalid(QStringLiteral("from"),
                      QStringLiteral("config.from must be a bare mail address (user@host)"));
    const QJsonValue to = config.value(QStringLiteral("to"));
    QJsonArray recipients;
    if (to.isString())
        recipients.append(to);
    else if (to.isArray())
        recipients = to.toArray();
    else if (to.isUndefined() || to.isNull())
        throw ApiError::badRequest(QStringLiteral("missing_field"),
                                   QStringLiteral("config.to is required"),
                                   {{QStringLiteral("field"), fieldName(QStringLiteral("to"))}});
    if (recipients.isEmpty() || recipients.size() > MaxRecipients)
        throw invalid(QStringLiteral("to"), QStringLiteral("config.to must be an address or an"
                                                           " array of 1..%1 addresses")
                                                .arg(MaxRecipients));
    for (const QJsonValue &recipient : recipients) {
        if (!recipient.isString() || !isMailAddress(recipient.toString()))
            throw invalid(QStringLiteral("to"),
                          QStringLiteral("config.to must hold bare mail addresses (user@host)"));
    }
    normalised.insert(QStringLiteral("to"), recipients);
    const std::optional<QString> username = optionalString(config, QStringLiteral("username"));
    const std::optional<QString> password = optionalString(config, QStringLiteral("password"));
    if (username && (username->isEmpty() || username->size() > MaxAddressLength ||
                     hasControlOrSpace(*username)))
        throw invalid(QStringLiteral("username"),
                      QStringLiteral("config.username must be 1..%1 characters without spaces")
                          .arg(MaxAddressLength));
    if (password) {
        if (!username)
            throw ApiError::badRequest(
                QStringLiteral("missing_field"),
                QStringLiteral("config.username is required with config.password"),
                {{QStringLiteral("field"), fieldName(QStringLiteral("username"))}});
        checkSecretLength(QStringLiteral("password"), *password, 1);
    }
    const QJsonValue requireTls = config.value(QStringLiteral("require_tls"));
    if (!requireTls.isUndefined() && !requireTls.isNull() && !requireTls.isBool())
        throw invalid(QStringLiteral("require_tls"),
                      QStringLiteral("config.require_tls must be true or false"));
    const bool tls = requireTls.isBool() ? requireTls.toBool() : true;
    // Without TLS the password and the message cross the network in the clear: only to a relay
    // on this host.
    if (!tls && url.scheme() == u"smtp" && !isLoopbackHost(url.host()))
        throw invalid(QStringLiteral("require_tls"),
                      QStringLiteral("config.require_tls may only be false for a loopback SMTP"
                                     " relay (127.0.0.1, ::1, localhost)"));
    normalised.insert(QStringLiteral("require_tls"), tls);
    return normalised;
}
} // namespace

const QStringList &channelTypes()
{
    static const QStringList types{QStringLiteral("slack"), QStringLiteral("discord"),
                                   QStringLiteral("telegram"), QStringLiteral("webhook"),
                                   QStringLiteral("email")};
    return types;
}

bool isChannelType(const QString &type)
{
    return channelTypes().contains(type);
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(u"localhost", Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

QJsonObject validateChannelConfig(const QString &channelType, const QJsonValue &config)
{
    if (config.isUndefined() || config.isNull())
        throw ApiError::badRequest(QStringLiteral("missing_field"),
                                   QStringLiteral("config is required"),
                                   {{QStringLiteral("field"), QStringLiteral("config")}});
    if (!config.isObject())
        throw ApiError::badRequest(QStringLiteral("invalid_field"),
                                   QStringLiteral("config must be a JSON object"),
                                   {{QStringLiteral("field"), QStringLiteral("config")}});
    const QJsonObject object = config.toObject();
    if (channelType == u"slack" || channelType == u"discord")
        return webhookUrlConfig(object);
    if (channelType == u"telegram")
        return telegramConfig(object);
    if (channelType == u"webhook")
        return webhookConfig(object);
    if (channelType == u"email")
        return emailConfig(object);
    throw ApiError::badRequest(QStringLiteral("invalid_field"),
                               QStringLiteral("channel_type must be one of: %1")
                                   .arg(channelTypes().join(QStringLiteral(", "))),
                               {{QStringLiteral("field"), QStringLiteral("channel_type")}});
}

vault::Envelope sealChannelConfig(const crypto::SecureBytes &rootKey, const QString &id,
                                  const QString &channelType, int kekVersion,
                                  const QJsonObject &config)
{
    QByteArray plaintext = QJsonDocument(config).toJson(QJsonDocument::Compact);
    vault::Envelope envelope = vault::sealEnvelope(
        rootKey, plaintext, store::NotificationChannelRepository::bodyAad(id, channelType),
        store::NotificationChannelRepository::dekAad(id, channelType, kekVersion));
    crypto::wipe(plaintext);
    return envelope;
}

std::optional<QJsonObject> openChannelConfig(const crypto::SecureBytes &rootKey,
                                             const store::NotificationChannelRow &row)
{
    const std::optional<crypto::SecureBytes> plaintext = vault::openEnvelope(
        rootKey, {row.configCiphertext, row.configWrappedDek},
        store::NotificationChannelRepository::bodyAad(row.id, row.channelType),
        store::NotificationChannelRepository::dekAad(row.id, row.channelType, row.kekVersion));
    if (!plaintext)
        return std::nullopt;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char *>(plaintext->data()),
                                qsizetype(plaintext->size())),
        &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

} // namespace cortex::notify
