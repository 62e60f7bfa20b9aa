#include "CliMain.h"

#include "AuditVerifyCommand.h"
#include "Command.h"

#include <QList>

namespace cortex::cli {

namespace {

// Every subcommand; a new one is one more entry (and its own file).
const QList<Command> &commands()
{
    static const QList<Command> list{
        {{QStringLiteral("audit"), QStringLiteral("verify")},
         QStringLiteral("EXPORT --jwks FILE_OR_URL"),
         QStringLiteral("check an audit log export offline (EXPORT may be - for stdin)"),
         &runAuditVerify},
    };
    return list;
}

void printUsage(QTextStream &to)
{
    to << "usage: cortex-cli COMMAND [ARGUMENTS]\n\ncommands:\n";
    for (const Command &command : commands())
        to << "  " << command.words.join(u' ') << ' ' << command.synopsis << "\n      "
           << command.summary << '\n';
    to << "\n  cortex-cli COMMAND --help shows a command's options.\n";
}

bool startsWith(const QStringList &args, const QStringList &words)
{
    if (args.size() < words.size())
        return false;
    for (qsizetype i = 0; i < words.size(); ++i)
        if (args[i] != words[i])
            return false;
    return true;
}

} // namespace

int runCli(const QStringList &args, QTextStream &out, QTextStream &err)
{
    if (!args.isEmpty() &&
        (args.first() == u"--help" || args.first() == u"-h" || args.first() == u"help")) {
        printUsage(out);
        return ExitOk;
    }
    if (!args.isEmpty() && args.first() == u"--version") {
        out << "cortex-cli " << CORTEX_VERSION << '\n';
        return ExitOk;
    }
    for (const Command &command : commands()) {
        if (startsWith(args, command.words)) {
            const int status = command.run(args.sliced(command.words.size()), out, err);
            out.flush();
            err.flush();
            return status;
        }
    }
    if (args.isEmpty())
        err << "cortex-cli: missing command\n";
    else
        err << "cortex-cli: unknown command '" << args.join(u' ').left(80) << "'\n";
    printUsage(err);
    err.flush();
    return ExitUsage;
}

} // namespace cortex::cli
