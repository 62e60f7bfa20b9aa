// cortex-cli: the operator's and agent host's command-line tool. All logic is in cortex_cli
// (CliMain.h) so tests can run it in-process.

#include "CliMain.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cortex-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CORTEX_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);
    return cortex::cli::runCli(QCoreApplication::arguments().sliced(1), out, err);
}
