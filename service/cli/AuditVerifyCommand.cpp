#include "AuditVerifyCommand.h"

#include "Command.h"
#include "JwksSource.h"

#include "audit/ExportFormat.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QFile>

#include <cstdio>

namespace cortex::cli {

namespace {

const QString Usage = QStringLiteral(
    "usage: cortex-cli audit verify EXPORT --jwks FILE_OR_URL\n"
    "\n"
    "Checks an audit log export (GET /admin/audit/export) with only the server's public keys:\n"
    "the hash chain, every checkpoint signature, and that a signed checkpoint covers the end.\n"
    "\n"
    "  EXPORT              the export file, or - to read it from standard input\n"
    "  --jwks FILE_OR_URL  the server's JWKS, as a file or an http(s) URL such as\n"
    "                      https://HOST/.well-known/jwks.json\n"
    "\n"
    "Exit status: 0 intact, 1 tampered, 2 usage error or unreadable input.\n");

// The reason can quote values from the file (a checkpoint's kid); keep terminal control
// characters in them from reaching the operator's terminal.
QString printable(QString text)
{
    for (QChar &c : text)
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            c = u'?';
    return text;
}

int usageError(QTextStream &err, const QString &message)
{
    err << "cortex-cli audit verify: " << message << '\n' << Usage;
    return ExitUsage;
}

} // namespace

int runAuditVerify(const QStringList &args, QTextStream &out, QTextStream &err)
{
    QCommandLineParser parser;
    const QCommandLineOption jwksOption(QStringLiteral("jwks"), QString(),
                                        QStringLiteral("FILE_OR_URL"));
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    parser.addOption(jwksOption);
    parser.addOption(helpOption);
    parser.addPositionalArgument(QStringLiteral("EXPORT"), QString());
    // QCommandLineParser skips the first argument as the program name.
    if (!parser.parse(QStringList{QStringLiteral("cortex-cli")} + args))
        return usageError(err, parser.errorText());
    if (parser.isSet(helpOption)) {
        out << Usage;
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(err, positional.isEmpty() ? QStringLiteral("missing EXPORT")
                                                    : QStringLiteral("one EXPORT only"));
    if (!parser.isSet(jwksOption))
        return usageError(err, QStringLiteral("missing --jwks FILE_OR_URL"));
    if (parser.values(jwksOption).size() > 1)
        return usageError(err, QStringLiteral("--jwks given more than once"));

    QString error;
    const std::optional<QHash<QString, QByteArray>> keysByKid =
        loadJwks(parser.value(jwksOption), &error);
    if (!keysByKid) {
        err << "cortex-cli audit verify: " << error << '\n';
        return ExitUsage;
    }
    if (keysByKid->isEmpty()) {
        // Every checkpoint would fail as "unknown key": a wrong file, not a tampered log.
        err << "cortex-cli audit verify: the JWKS holds no usable Ed25519 key\n";
        return ExitUsage;
    }

    const QString exportPath = positional.first();
    QFile file;
    bool opened = false;
    if (exportPath == u"-") {
        opened = file.open(stdin, QIODevice::ReadOnly);
    } else {
        file.setFileName(exportPath);
        opened = file.open(QIODevice::ReadOnly);
    }
    if (!opened) {
        err << "cortex-cli audit verify: cannot read " << exportPath << ": " << file.errorString()
            << '\n';
        return ExitUsage;
    }

    audit::ChainVerifier::Keys keys; // offline: no HMAC keys, only signatures and hashes
    keys.publicKey = [&keysByKid](const QString &kid) -> std::optional<QByteArray> {
        const auto it = keysByKid->constFind(kid);
        return it == keysByKid->constEnd() ? std::nullopt : std::optional<QByteArray>(*it);
    };
    const audit::VerifyResult result = audit::verifyExport(file, keys);
    if (file.error() != QFileDevice::NoError) {
        err << "cortex-cli audit verify: cannot read " << exportPath << ": " << file.errorString()
            << '\n';
        return ExitUsage;
    }
    if (result.ok) {
        out << "audit log intact: " << result.rowsChecked << " rows, " << result.checkpointsChecked
            << " checkpoints\n";
        return ExitOk;
    }
    out << "audit log tampered: ";
    if (result.firstBadSeq)
        out << "first bad seq " << *result.firstBadSeq << ": ";
    out << printable(result.reason) << '\n';
    return ExitFailed;
}

} // namespace cortex::cli
