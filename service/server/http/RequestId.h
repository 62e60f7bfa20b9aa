#pragma once

#include <QString>

namespace cortex::http {

// A fresh request id, "req_" + 16 base64url characters, as crypto::randomToken(u"req_", 12)
// would give, but without a getrandom() call per request: ids are a ChaCha20 keystream under
// a key drawn once per process, at a counter that never repeats. Unique and unguessable;
// thread-safe.
QString newRequestId();

} // namespace cortex::http
