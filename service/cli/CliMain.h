#pragma once

#include <QStringList>
#include <QTextStream>

namespace cortex::cli {

// cortex-cli without the process around it: `args` are the arguments after the program name.
// Finds the subcommand (e.g. "audit verify") and runs it; returns the process exit status
// (cli/Command.h). Needs a QCoreApplication for commands that use the network.
int runCli(const QStringList &args, QTextStream &out, QTextStream &err);

} // namespace cortex::cli
