#include "protocol/JsonErrors_p.h"

using namespace Qt::StringLiterals;

namespace cortex::protocol::detail {

QString shownName(QStringView field)
{
    constexpr qsizetype MaxShown = 64;
    if (field.size() <= MaxShown)
        return field.toString();
    return field.left(MaxShown).toString() + u"..."_s;
}

QJsonObject fieldDetails(QStringView field)
{
    return QJsonObject{{u"field"_s, shownName(field)}};
}

ApiError invalidJsonAt(const QString &what, qsizetype offset)
{
    return ApiError::badRequest(
        u"invalid_json"_s,
        u"request body is not valid JSON: %1 at offset %2"_s.arg(what, QString::number(offset)));
}

ApiError unpairedSurrogate(QStringView field)
{
    return ApiError::badRequest(
        u"invalid_field"_s,
        u"field '%1' contains invalid Unicode (an unpaired surrogate)"_s.arg(shownName(field)),
        fieldDetails(field));
}

} // namespace cortex::protocol::detail
