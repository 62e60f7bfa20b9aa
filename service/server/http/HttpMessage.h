#pragma once

#include "protocol/ApiError.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace cortex::http {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// What a handler sees of a request: copied out of QHttpServerRequest so that nothing outside
// http/ depends on QHttpServer.
struct HttpRequest
{
    QByteArray method; // upper case
    QString path;      // percent-decoded segments joined by '/'
    QUrlQuery query;
    HeaderList headers;
    QByteArray body;
    QHostAddress peer;
    QString requestId;
    QHash<QString, QString> params; // {name} segments of the matched route

    // Case-insensitive lookup; empty when absent.
    QByteArray header(QByteArrayView name) const;
    QString param(const QString &name) const { return params.value(name); }
    QString queryValue(const QString &name) const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = QByteArrayLiteral("application/json");
    HeaderList headers;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    static HttpResponse error(const protocol::ApiError &error);
};

} // namespace cortex::http
