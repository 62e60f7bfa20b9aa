#include "startup/PasswordSource.h"

#include "startup/EnvironmentSecret.h"

#include "crypto/ConstantTime.h"
#include "startup/ServerOptions.h"

#include <QDir>
#include <QFile>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace cortex::startup {

namespace {

constexpr std::size_t MaxPasswordBytes = 4096;

crypto::SecureBytes fromFileContent(QByteArray content)
{
    qsizetype size = content.size();
    if (size > 0 && content[size - 1] == '\n') {
        --size;
        if (size > 0 && content[size - 1] == '\r')
            --size;
    }
    crypto::SecureBytes password = crypto::SecureBytes::copyOf(QByteArrayView(content).first(size));
    crypto::wipe(content);
    return password;
}

bool readFile(const QString &path, PasswordLookup *result)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result->error =
            QStringLiteral("cannot read the password file %1: %2").arg(path, file.errorString());
        return false;
    }
    QByteArray content = file.read(MaxPasswordBytes + 3);
    result->password = fromFileContent(std::move(content));
    if (result->password.size() > MaxPasswordBytes) {
        // Never cut a password short: the cut one would become the real one.
        result->password.clear();
        result->error = QStringLiteral("the password in %1 is longer than %2 bytes")
                            .arg(path)
                            .arg(MaxPasswordBytes);
        return false;
    }
    if (result->password.isEmpty())
        result->error = QStringLiteral("the password file %1 is empty").arg(path);
    return !result->password.isEmpty();
}

} // namespace

crypto::SecureBytes readHiddenLine(const QString &prompt, bool *tooLong)
{
    *tooLong = false;
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    // Prompt only once echo is off, so nothing typed after it can be shown.
    std::fputs(prompt.toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
    crypto::SecureBytes buffer(MaxPasswordBytes);
    std::size_t length = 0;
    char c = 0;
    // read(2) byte by byte: stdio would keep its own unprotected copy of the line.
    while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
        if (length < buffer.size())
            buffer.data()[length++] = static_cast<unsigned char>(c);
        else
            *tooLong = true;
    }
    if (length > 0 && buffer.data()[length - 1] == '\r')
        --length;
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
    return crypto::SecureBytes::copyOf(
        QByteArrayView(reinterpret_cast<const char *>(buffer.data()), qsizetype(length)));
}

PasswordLookup findPassword(const ServerOptions &options, bool confirm, bool useTerminal)
{
    PasswordLookup result;
    if (std::optional<crypto::SecureBytes> value =
            takeSecretFromEnvironment("CORTEX_KEK_PASSWORD")) {
        result.password = std::move(*value);
        result.origin = QStringLiteral("CORTEX_KEK_PASSWORD");
        if (result.password.isEmpty())
            result.error = QStringLiteral("CORTEX_KEK_PASSWORD is set but empty");
        return result;
    }
    if (!options.passwordFile.isEmpty()) {
        result.origin = QStringLiteral("--password-file");
        readFile(options.passwordFile, &result);
        return result;
    }
    const QString credentials = qEnvironmentVariable("CREDENTIALS_DIRECTORY");
    if (!credentials.isEmpty() &&
        QFile::exists(QDir(credentials).filePath(QStringLiteral("kek-password")))) {
        result.origin = QStringLiteral("$CREDENTIALS_DIRECTORY/kek-password");
        readFile(QDir(credentials).filePath(QStringLiteral("kek-password")), &result);
        return result;
    }
    if (!useTerminal || !isatty(STDIN_FILENO))
        return result; // no source: the caller decides (stay sealed / wait)
    result.origin = QStringLiteral("terminal");
    bool tooLong = false;
    result.password =
        readHiddenLine(confirm ? QStringLiteral("[cortex-server] Choose the unseal password: ")
                               : QStringLiteral("[cortex-server SEALED] Unseal password: "),
                       &tooLong);
    if (tooLong) {
        result.password.clear();
        result.error = QStringLiteral("the password is longer than %1 bytes").arg(MaxPasswordBytes);
        return result;
    }
    if (result.password.isEmpty()) {
        result.error = QStringLiteral("no password was typed");
        return result;
    }
    if (confirm) {
        const crypto::SecureBytes again =
            readHiddenLine(QStringLiteral("[cortex-server] Type it again: "), &tooLong);
        if (!result.password.equals(again)) {
            result.password.clear();
            result.error = QStringLiteral("the two passwords differ");
        }
    }
    return result;
}

} // namespace cortex::startup
