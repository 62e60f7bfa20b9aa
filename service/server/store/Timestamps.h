#pragma once

#include <QDateTime>
#include <QString>
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
    // Digits by hand: snprintf() cost more than all the rest.
    char text[24];
    const auto put = [&text](int at, int value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10)
            text[at + i] = char('0' + value % 10);
    };
    put(0, utc.tm_year + 1900, 4);
    text[4] = '-';
    put(5, utc.tm_mon + 1, 2);
    text[7] = '-';
    put(8, utc.tm_mday, 2);
    text[10] = 'T';
    put(11, utc.tm_hour, 2);
    text[13] = ':';
    put(14, utc.tm_min, 2);
    text[16] = ':';
    put(17, utc.tm_sec, 2);
    text[19] = '.';
    put(20, int(ms - seconds * 1000), 3);
    text[23] = 'Z';
    return QString::fromLatin1(text, sizeof text);
}

} // namespace cortex::store
