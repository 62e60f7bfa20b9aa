#pragma once

#include "Clock.h"
#include "VaultServer.h"

#include <QTemporaryDir>
#include <memory>

namespace cortex::startup {

struct ServerOptions;

// A started server and whatever must live as long as it (the dev mode's temporary dir).
struct RunningServer
{
    std::unique_ptr<QTemporaryDir> devDir;
    Clock clock;
    std::unique_ptr<VaultServer> server;
};

// Does what cortex-server does before entering the event loop: checks the listen policy,
// opens the store, initialises or unseals the vault from the password sources, prints the
// one-time admin token and the `listening on ...` line. On failure returns nullptr with *error
// set (a message for the operator, never containing a secret).
std::unique_ptr<RunningServer> startServer(const ServerOptions &options, QString *error);

} // namespace cortex::startup
