#include "http/HttpMessage.h"

#include <QJsonDocument>

namespace cortex::http {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QString HttpRequest::queryValue(const QString &name) const
{
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    return {status,
            QJsonDocument(object).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("application/json"),
            {}};
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    return {status,
            QJsonDocument(array).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("application/json"),
            {}};
}

HttpResponse HttpResponse::error(const protocol::ApiError &error)
{
    HttpResponse response = json(error.status, error.toJson());
    const QJsonValue retryAfter = error.details.value(QStringLiteral("retry_after_seconds"));
    // The statuses for which HTTP defines the header as "try again after" (RFC 9110 10.2.3).
    if ((error.status == 429 || error.status == 503) && retryAfter.isDouble())
        response.headers.append({"Retry-After", QByteArray::number(retryAfter.toInt())});
    return response;
}

} // namespace cortex::http
