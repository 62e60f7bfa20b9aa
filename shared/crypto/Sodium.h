#pragma once

namespace cortex::crypto {

// Initialises libsodium once per process; aborts the process if it cannot (no entropy source),
// because nothing in a vault can run safely without it. Every crypto entry point calls it.
void ensureSodium();

} // namespace cortex::crypto
