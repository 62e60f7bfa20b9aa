#pragma once

#include <QDateTime>
#include <QString>
#include <cstdio>
#include <ctime>

namespace cortex::store {

// ISO 8601 UTC with milliseconds ("2026-11-23T10:15:30.123Z"): the one stored form. What
// QDateTime::toString(Qt::ISODateWithMs) gives for years 1000-9999 (tst_timestamps checks
// both agree), without its calendar machinery: every request stamps one or two of these.
inline QString timestamp(const QDateTime &t)
{
    const qint64 ms = t.toMSecsSinceEpoch();
    const qint64 seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const time_t whole = time_t(seconds);
    tm utc{};
    if (!gmtime_r(&whole, &utc) || utc.tm_year + 1900 < 1000 || utc.tm_year + 1900 > 9999)
        return t.toUTC().toString(Qt::ISODateWithMs);
    char text[64]; // 25 used; room for what the compiler cannot rule out
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  int(ms - seconds * 1000));
    return QString::fromLatin1(text);
}

} // namespace cortex::store
