#include "client/ApiClient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <climits>

using namespace Qt::StringLiterals;

namespace cortex::console {

namespace {

// Set on a reply the client aborted because its body grew past MaxResponseBytes.
constexpr char TooLargeProperty[] = "cortexTooLarge";
// Longest server-supplied error text shown to the operator.
constexpr qsizetype MaxServerMessageChars = 300;

bool readBool(const QJsonObject &object, const QString &key, bool *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (!value.isBool()) {
        *error = ApiClient::tr("\"%1\" is missing or not true/false").arg(key);
        return false;
    }
    *out = value.toBool();
    return true;
}

bool readCount(const QJsonObject &object, const QString &key, int *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return true; // optional: older servers and password-only vaults may leave it out
    const qint64 number = value.toInteger(-1);
    if (number < 0 || number > INT_MAX) {
        *error = ApiClient::tr("\"%1\" is not a non-negative whole number").arg(key);
        return false;
    }
    *out = int(number);
    return true;
}

// The "error" text of a {"error": ..., "error_code": ...} body, shortened; empty if none.
QString serverErrorMessage(const QByteArray &body)
{
    const QJsonValue message = QJsonDocument::fromJson(body).object().value(u"error"_s);
    QString text = message.toString().simplified();
    if (text.size() > MaxServerMessageChars)
        text = text.left(MaxServerMessageChars - 1) + u'…';
    return text;
}

} // namespace

std::optional<SealStatus> parseSealStatus(const QByteArray &body, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = ApiClient::tr("the body is not JSON (%1)").arg(parseError.errorString());
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = ApiClient::tr("the body is not a JSON object");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    SealStatus status;
    if (!readBool(object, u"initialized"_s, &status.initialized, error) ||
        !readBool(object, u"sealed"_s, &status.sealed, error) ||
        !readCount(object, u"progress"_s, &status.progress, error) ||
        !readCount(object, u"threshold"_s, &status.threshold, error))
        return std::nullopt;
    return status;
}

ApiClient::ApiClient(QObject *parent) : QObject(parent), m_network(new QNetworkAccessManager(this))
{
    // Follow a redirect only within the same server: a vault console must not be steered to
    // another host (later requests carry an admin token).
    m_network->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
}

ApiClient::~ApiClient() = default;

std::optional<QUrl> ApiClient::parseServerUrl(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = tr("Enter the server URL, for example %1.").arg(u"http://127.0.0.1:3000"_s);
        return std::nullopt;
    }
    // Without a scheme QUrl would read "localhost:3000" as scheme "localhost".
    QUrl url(trimmed.contains(u"://"_s) ? trimmed : u"http://"_s + trimmed, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        *error = tr("\"%1\" is not a valid server URL.").arg(trimmed);
        return std::nullopt;
    }
    const QString scheme = url.scheme().toLower();
    if (scheme != u"http" && scheme != u"https") {
        *error = tr("The server URL must start with http:// or https://.");
        return std::nullopt;
    }
    if (!url.userInfo().isEmpty()) {
        *error = tr("The server URL must not contain a user name or password.");
        return std::nullopt;
    }
    if (url.hasQuery() || url.hasFragment()) {
        *error = tr("The server URL must not contain a query (?) or fragment (#).");
        return std::nullopt;
    }
    url.setScheme(scheme);
    return url;
}

void ApiClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
}

QUrl ApiClient::endpoint(QStringView path) const
{
    QUrl url = m_baseUrl;
    QString prefix = url.path();
    while (prefix.endsWith(u'/'))
        prefix.chop(1);
    url.setPath(prefix.append(path));
    return url;
}

void ApiClient::fetchSealStatus()
{
    if (m_pending) {
        // Disconnect first: abort() emits finished(), and a superseded answer must not be shown.
        m_pending->disconnect(this);
        m_pending->abort();
        m_pending->deleteLater();
    }
    QNetworkRequest request(endpoint(u"/sys/seal-status"));
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(m_timeoutMs);
    QNetworkReply *reply = m_network->get(request); // owned by m_network until deleteLater()
    m_pending = reply;
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64 total) {
        if (received > MaxResponseBytes || total > MaxResponseBytes) {
            reply->setProperty(TooLargeProperty, true);
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onSealStatusFinished(reply); });
}

void ApiClient::onSealStatusFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_pending == reply)
        m_pending.clear();
    if (const QString reason = failureReason(reply); !reason.isEmpty()) {
        Q_EMIT requestFailed(reason);
        return;
    }
    QString error;
    const std::optional<SealStatus> status = parseSealStatus(reply->readAll(), &error);
    if (!status) {
        Q_EMIT requestFailed(tr("The answer is not a Cortex Vault seal status: %1.").arg(error));
        return;
    }
    Q_EMIT sealStatusReceived(*status);
}

QString ApiClient::failureReason(QNetworkReply *reply) const
{
    if (reply->property(TooLargeProperty).toBool())
        return tr("The server's answer is larger than %1 KiB.").arg(MaxResponseBytes / 1024);

    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const int httpStatus = statusAttribute.isValid() ? statusAttribute.toInt() : 0;
    if (httpStatus != 0 && (httpStatus < 200 || httpStatus > 299)) {
        // The server answered: its own {"error": ...} says more than Qt's generic text.
        const QString message = serverErrorMessage(reply->readAll());
        if (!message.isEmpty())
            return tr("The server answered HTTP %1: %2").arg(httpStatus).arg(message);
        const QString phrase =
            QString::fromLatin1(
                reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray())
                .simplified();
        if (phrase.isEmpty())
            return tr("The server answered HTTP %1.").arg(httpStatus);
        return tr("The server answered HTTP %1 %2.").arg(httpStatus).arg(phrase);
    }
    switch (reply->error()) {
    case QNetworkReply::NoError:
        return {};
    case QNetworkReply::OperationCanceledError: // the transfer timeout aborts the reply
    case QNetworkReply::TimeoutError:
        return tr("The server did not answer within %n second(s).", nullptr,
                  (m_timeoutMs + 999) / 1000);
    default:
        return reply->errorString();
    }
}

} // namespace cortex::console
