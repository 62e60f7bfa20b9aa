#include "protocol/ApiError.h"

#include <utility>

using namespace Qt::StringLiterals;

namespace cortex::protocol {

ApiError::ApiError(int status_, QString code_, QString message_, QJsonObject details_)
    : status(status_), code(std::move(code_)), message(std::move(message_)),
      details(std::move(details_))
{
    m_what = QByteArray::number(status) + ' ' + code.toUtf8() + ": " + message.toUtf8();
}

const char *ApiError::what() const noexcept
{
    return m_what.constData();
}

QJsonObject ApiError::toJson() const
{
    QJsonObject body{{u"error"_s, message}, {u"error_code"_s, code}};
    if (!details.isEmpty())
        body.insert(u"details"_s, details);
    return body;
}

ApiError ApiError::badRequest(QString code, QString message, QJsonObject details)
{
    return ApiError(400, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::unauthorized(QString code, QString message, QJsonObject details)
{
    return ApiError(401, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::forbidden(QString code, QString message, QJsonObject details)
{
    return ApiError(403, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::notFound(QString code, QString message, QJsonObject details)
{
    return ApiError(404, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::conflict(QString code, QString message, QJsonObject details)
{
    return ApiError(409, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::payloadTooLarge(QString code, QString message, QJsonObject details)
{
    return ApiError(413, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::serviceUnavailable(QString code, QString message, QJsonObject details)
{
    return ApiError(503, std::move(code), std::move(message), std::move(details));
}

ApiError ApiError::sealed()
{
    return ApiError(503, u"sealed"_s, u"vault is sealed"_s);
}

ApiError ApiError::internal()
{
    return ApiError(500, u"internal_error"_s, u"internal error"_s);
}

} // namespace cortex::protocol
