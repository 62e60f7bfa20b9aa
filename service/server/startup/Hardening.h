#pragma once

namespace cortex::startup {

// Process-wide protections for a process that holds keys: no core dumps (a dump would hold the
// root KEK), not ptrace-attachable by other same-uid processes, files created 0600/0700.
void hardenProcess();

// SIGINT / SIGTERM quit the Qt event loop cleanly (so the root KEK is zeroised on the way
// out) instead of killing the process mid-write.
void quitOnTerminationSignals();

} // namespace cortex::startup
