#pragma once

#include <QDateTime>

namespace cortex {

// Where the server reads the time; tests substitute a clock they move themselves.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const { return QDateTime::currentDateTimeUtc(); }
};

} // namespace cortex
