#pragma once

#include <QByteArray>
#include <QStringView>
#include <QtGlobal>

namespace cortex::protocol {

// Appending to a byte buffer without the temporary arrays of toUtf8() and QByteArray::number():
// for the strings built on every request (AADs, the audit chain's input).

// Appends `text` as UTF-8, the same bytes as text.toUtf8().
void appendUtf8(QByteArray &out, QStringView text);

// Appends `value` in decimal, the same digits as QByteArray::number(value).
void appendDecimal(QByteArray &out, qint64 value);

} // namespace cortex::protocol
