#pragma once

#include <QtGlobal>

namespace cortex::http {

// Limits the adapter enforces on every connection (QHttpServer 6.4 enforces none).
struct HttpLimits
{
    qint64 maxHeadBytes = 64 * 1024;        // request line + headers → 431 beyond
    qint64 maxBodyBytes = 10 * 1024 * 1024; // → 413 beyond, before the body is buffered
    int idleTimeoutMs = 60 * 1000;          // a quiet keep-alive connection is closed
    int headTimeoutMs = 15 * 1000;          // a head still incomplete after this → 408
    int lingerMs = 2000;                    // after a rejection, drain input this long
};

} // namespace cortex::http
