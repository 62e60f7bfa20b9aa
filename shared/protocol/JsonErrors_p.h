#pragma once

// Internal to the protocol layer: the 400 answers that JsonReader and the secret-field lifter
// share, so that both word them alike. Not part of the public API.

#include "protocol/ApiError.h"

#include <QJsonObject>
#include <QString>
#include <QStringView>

namespace cortex::protocol::detail {

// A field name as messages show it: clients choose some (unknown_field), so it is kept short
// enough that an error cannot echo back large amounts of request content.
QString shownName(QStringView field);
// {"field": shownName(field)}, the details of every field error.
QJsonObject fieldDetails(QStringView field);
// 400 invalid_json "request body is not valid JSON: WHAT at offset N".
ApiError invalidJsonAt(const QString &what, qsizetype offset);
// 400 invalid_field: a string with an unpaired surrogate escape has no UTF-8 form.
ApiError unpairedSurrogate(QStringView field);

} // namespace cortex::protocol::detail
