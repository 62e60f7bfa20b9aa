#include "crypto/Sodium.h"

#include <QtGlobal>
#include <sodium.h>

namespace cortex::crypto {

void ensureSodium()
{
    // A function-local static is initialised exactly once, thread-safely; later calls cost a
    // load. sodium_init() returns 1 when already initialised (by another library), also fine.
    static const bool initialised = sodium_init() >= 0;
    if (!initialised)
        qFatal("libsodium could not be initialised (no entropy source?); refusing to run");
}

} // namespace cortex::crypto
