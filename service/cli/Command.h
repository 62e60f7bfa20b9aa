#pragma once

#include <QStringList>
#include <QTextStream>

namespace cortex::cli {

// The exit status every cortex-cli command keeps to, so scripts can tell a failed check from a
// mistyped command.
enum ExitCode : int {
    ExitOk = 0,     // done; for a check: it passed
    ExitFailed = 1, // the check ran and failed (e.g. a tampered audit log)
    ExitUsage = 2,  // bad arguments, unreadable input, unreachable server
};

// One subcommand, e.g. {"audit", "verify"}. `run` gets the arguments after its words and writes
// its result to `out` and problems to `err`.
struct Command
{
    QStringList words;
    QString synopsis; // arguments, for the usage text
    QString summary;  // one line, for the usage text
    int (*run)(const QStringList &args, QTextStream &out, QTextStream &err) = nullptr;
};

} // namespace cortex::cli
