#pragma once

#include <QDateTime>
#include <QString>

namespace cortex::store {

// ISO 8601 UTC with milliseconds ("2026-11-23T10:15:30.123Z"): the one stored form.
inline QString timestamp(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace cortex::store
