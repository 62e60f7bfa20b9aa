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
    return {status, QJsonDocument(object).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("application/json"), {}};
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    return {status, QJsonDocument(array).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("application/json"), {}};
}

HttpResponse HttpResponse::error(const protocol::ApiError &error)
{
    return json(error.status, error.toJson());
}

} // namespace cortex::http
