#include "notify/Delivery.h"

#include "crypto/Hash.h"
#include "notify/ChannelConfig.h"
#include "protocol/ApiError.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QUrl>
#include <cstring>
#include <curl/curl.h>
#include <mutex>

namespace cortex::notify {

namespace {
constexpr qsizetype DiscordMaxLength = 2000;
constexpr qsizetype TelegramMaxLength = 4096;

QString truncated(const QString &text, qsizetype maximum)
{
    if (text.size() <= maximum)
        return text;
    return text.left(maximum - 1) + QChar(0x2026); // "…"
}

// Slack reads "<!channel>", "<@U123>" and "<url|label>" as control sequences: a field of the
// message must not be able to page a whole workspace.
QString slackEscaped(QString text)
{
    return text.replace(QLatin1Char('&'), QStringLiteral("&amp;"))
        .replace(QLatin1Char('<'), QStringLiteral("&lt;"))
        .replace(QLatin1Char('>'), QStringLiteral("&gt;"));
}

QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::unique_ptr<PreparedRequest> jsonPost(QByteArray url, const QJsonObject &body)
{
    auto request = std::make_unique<PreparedRequest>();
    request->url = std::move(url);
    request->body = compactJson(body);
    request->headers = {QByteArrayLiteral("Content-Type: application/json")};
    return request;
}

// RFC 2047 for a header value that is not plain ASCII.
QByteArray headerText(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return "=?UTF-8?B?" + text.toUtf8().toBase64() + "?=";
    }
    return text.toLatin1();
}

QByteArray mailMessage(const QJsonObject &config, const Notification &notification,
                       const QString &deliveryId, const QDateTime &now)
{
    QStringList to;
    for (const QJsonValue &recipient : config.value(QStringLiteral("to")).toArray())
        to.append(recipient.toString());
    const QString body = notification.text() + QStringLiteral("\n\n") +
                         QString::fromUtf8(QJsonDocument(notification.toJson()).toJson());
    QByteArray encoded = body.toUtf8().replace('\n', "\r\n").toBase64();
    QByteArray wrapped;
    for (qsizetype i = 0; i < encoded.size(); i += 76)
        wrapped += encoded.mid(i, 76) + "\r\n";
    QByteArray message;
    // Every value is a validated address, a fixed text, or encoded: nothing can add a header.
    message += "From: Cortex Vault <" + config.value(QStringLiteral("from")).toString().toLatin1() +
               ">\r\n";
    message += "To: " + to.join(QStringLiteral(", ")).toLatin1() + "\r\n";
    message += "Subject: " + headerText(notification.title()) + "\r\n";
    message +=
        "Date: " +
        QLocale::c().toString(now.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss")).toLatin1() +
        " +0000\r\n";
    message += "Message-ID: <" + deliveryId.toLatin1() + "@cortex-vault>\r\n";
    message += "X-Cortex-Event: " + headerText(notification.event) + "\r\n";
    message += "MIME-Version: 1.0\r\n";
    message += "Content-Type: text/plain; charset=utf-8\r\n";
    message += "Content-Transfer-Encoding: base64\r\n";
    message += "\r\n";
    message += wrapped;
    return message;
}

std::unique_ptr<PreparedRequest> mailRequest(const QJsonObject &config,
                                             const Notification &notification,
                                             const QString &deliveryId, const QDateTime &now)
{
    auto request = std::make_unique<PreparedRequest>();
    request->kind = PreparedRequest::Kind::Smtp;
    request->url = config.value(QStringLiteral("smtp_url")).toString().toUtf8();
    request->mailFrom = "<" + config.value(QStringLiteral("from")).toString().toLatin1() + ">";
    for (const QJsonValue &recipient : config.value(QStringLiteral("to")).toArray())
        request->recipients.append("<" + recipient.toString().toLatin1() + ">");
    request->username = config.value(QStringLiteral("username")).toString().toUtf8();
    const QString password = config.value(QStringLiteral("password")).toString();
    if (!password.isEmpty()) {
        QByteArray bytes = password.toUtf8();
        request->password = crypto::SecureBytes::copyOf(bytes);
        crypto::wipe(bytes);
    }
    request->requireTls = config.value(QStringLiteral("require_tls")).toBool(true);
    request->body = mailMessage(config, notification, deliveryId, now);
    return request;
}

size_t discardBody(char *, size_t size, size_t count, void *)
{
    return size * count;
}

struct ReadState
{
    const QByteArray *data;
    qsizetype offset = 0;
};

size_t readBody(char *buffer, size_t size, size_t count, void *userdata)
{
    auto *state = static_cast<ReadState *>(userdata);
    const qsizetype left = state->data->size() - state->offset;
    const qsizetype n = std::min<qsizetype>(left, qsizetype(size * count));
    if (n > 0) {
        std::memcpy(buffer, state->data->constData() + state->offset, size_t(n));
        state->offset += n;
    }
    return size_t(n);
}

int checkAbort(void *userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    return static_cast<const std::atomic<bool> *>(userdata)->load() ? 1 : 0;
}

bool permanentCurlError(CURLcode code)
{
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_TOO_MANY_REDIRECTS:
        return true;
    default:
        return false;
    }
}

struct CurlHandle
{
    CURL *curl = curl_easy_init();
    curl_slist *headers = nullptr;
    curl_slist *recipients = nullptr;
    ~CurlHandle()
    {
        curl_slist_free_all(headers);
        curl_slist_free_all(recipients);
        if (curl)
            curl_easy_cleanup(curl);
    }
};
} // namespace

PreparedRequest::~PreparedRequest()
{
    crypto::wipe(url);
    crypto::wipe(body);
}

void initCurl()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

QByteArray webhookSignature(QByteArrayView secret, qint64 timestamp, QByteArrayView body)
{
    QByteArray signed_ = QByteArray::number(timestamp) + '.';
    signed_.append(body.data(), body.size());
    return "sha256=" + crypto::hmacSha256(secret, signed_).toHex();
}

std::unique_ptr<PreparedRequest> buildRequest(const QString &channelType,
                                              const QJsonObject &storedConfig,
                                              const Notification &notification,
                                              const QString &deliveryId,
                                              const NotifySettings &settings, const QDateTime &now)
{
    // Checked again: a config written by an older version must not reach curl unchecked.
    const QJsonObject config = validateChannelConfig(channelType, storedConfig);
    std::unique_ptr<PreparedRequest> request;
    if (channelType == u"slack") {
        request = jsonPost(config.value(QStringLiteral("webhook_url")).toString().toUtf8(),
                           {{QStringLiteral("text"), slackEscaped(notification.text())}});
    } else if (channelType == u"discord") {
        // No pings: a key path or agent id must not be able to mention @everyone.
        request =
            jsonPost(config.value(QStringLiteral("webhook_url")).toString().toUtf8(),
                     {{QStringLiteral("content"), truncated(notification.text(), DiscordMaxLength)},
                      {QStringLiteral("allowed_mentions"),
                       QJsonObject{{QStringLiteral("parse"), QJsonArray()}}}});
    } else if (channelType == u"telegram") {
        QByteArray url = settings.telegramApiBase.toUtf8() + "/bot" +
                         config.value(QStringLiteral("bot_token")).toString().toUtf8() +
                         "/sendMessage";
        request = jsonPost(
            std::move(url),
            {{QStringLiteral("chat_id"), config.value(QStringLiteral("chat_id")).toString()},
             {QStringLiteral("text"), truncated(notification.text(), TelegramMaxLength)},
             {QStringLiteral("disable_web_page_preview"), true}});
    } else if (channelType == u"webhook") {
        request = jsonPost(config.value(QStringLiteral("url")).toString().toUtf8(),
                           notification.toJson());
        request->timestamped = true;
        request->headers.append("X-Cortex-Event: " + headerText(notification.event));
        request->headers.append("X-Cortex-Delivery: " + deliveryId.toLatin1());
        const QString secret = config.value(QStringLiteral("secret")).toString();
        if (!secret.isEmpty()) {
            QByteArray bytes = secret.toUtf8();
            request->signingKey = crypto::SecureBytes::copyOf(bytes);
            crypto::wipe(bytes);
        }
    } else if (channelType == u"email") {
        request = mailRequest(config, notification, deliveryId, now);
    } else {
        throw protocol::ApiError::internal();
    }
    return request;
}

AttemptResult performAttempt(const PreparedRequest &request, qint64 timestamp,
                             const NotifySettings &settings, const std::atomic<bool> &abort)
{
    AttemptResult result;
    CurlHandle handle;
    CURL *curl = handle.curl;
    if (!curl) {
        result.retryable = true;
        result.error = QStringLiteral("cannot create a curl handle");
        return result;
    }
    const QByteArray userAgent = QByteArrayLiteral("cortex-vault/" CORTEX_VERSION);
    curl_easy_setopt(curl, CURLOPT_URL, request.url.constData());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(settings.connectTimeoutMs));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(settings.timeoutMs));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &checkAbort);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool> *>(&abort));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discardBody);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);

    QByteArray signature;
    ReadState readState{&request.body};
    if (request.kind == PreparedRequest::Kind::Http) {
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_USERAGENT, userAgent.constData());
        for (const QByteArray &header : request.headers)
            handle.headers = curl_slist_append(handle.headers, header.constData());
        handle.headers = curl_slist_append(handle.headers, "Expect:"); // no 100-continue
        if (request.timestamped) {
            handle.headers = curl_slist_append(
                handle.headers,
                ("X-Cortex-Timestamp: " + QByteArray::number(timestamp)).constData());
            if (!request.signingKey.isEmpty()) {
                signature = "X-Cortex-Signature: " +
                            webhookSignature(request.signingKey.view(), timestamp, request.body);
                handle.headers = curl_slist_append(handle.headers, signature.constData());
            }
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, handle.headers);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.constData());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
    } else {
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         request.requireTls ? long(CURLUSESSL_ALL) : long(CURLUSESSL_TRY));
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, request.mailFrom.constData());
        for (const QByteArray &recipient : request.recipients)
            handle.recipients = curl_slist_append(handle.recipients, recipient.constData());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, handle.recipients);
        if (!request.username.isEmpty())
            curl_easy_setopt(curl, CURLOPT_USERNAME, request.username.constData());
        if (!request.password.isEmpty()) {
            // curl copies it; our copy is NUL-terminated secure memory.
            crypto::SecureBytes terminated(request.password.size() + 1);
            std::memcpy(terminated.data(), request.password.data(), request.password.size());
            curl_easy_setopt(curl, CURLOPT_PASSWORD,
                             reinterpret_cast<const char *>(terminated.data()));
        }
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, &readBody);
        curl_easy_setopt(curl, CURLOPT_READDATA, &readState);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.size()));
    }

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = status;
    if (request.kind == PreparedRequest::Kind::Http) {
        if (code != CURLE_OK) {
            // curl_easy_strerror is a fixed text per code: it never quotes the URL.
            result.error = QString::fromUtf8(curl_easy_strerror(code));
            result.retryable = !permanentCurlError(code);
        } else if (status >= 200 && status < 300) {
            result.ok = true;
        } else {
            result.error = QStringLiteral("HTTP %1").arg(status);
            result.retryable = status == 408 || status == 425 || status == 429 || status >= 500;
        }
    } else if (code == CURLE_OK) {
        result.ok = true;
    } else {
        result.error = QString::fromUtf8(curl_easy_strerror(code));
        if (status > 0)
            result.error += QStringLiteral(" (SMTP %1)").arg(status);
        result.retryable = !permanentCurlError(code) && !(status >= 500 && status < 600);
    }
    if (abort.load())
        result.retryable = false;
    return result;
}

} // namespace cortex::notify
