#include "startup/Bootstrap.h"

#include "api/AdminAuth.h"
#include "crypto/Random.h"
#include "http/TlsSettings.h"
#include "protocol/ApiError.h"
#include "startup/EnvironmentSecret.h"
#include "startup/PasswordSource.h"
#include "startup/ServerOptions.h"
#include "startup/ShareInput.h"
#include "store/Database.h"

#include <QDir>
#include <QJsonObject>
#include <QTextStream>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cortex::startup {

namespace {

constexpr qsizetype MinAdminTokenBytes = 16;

void say(const QString &line)
{
    QTextStream out(stdout);
    out << line << Qt::endl;
}

void warn(const QString &line)
{
    QTextStream err(stderr);
    err << line << Qt::endl;
}

bool writePrivateFile(const QString &path, const QByteArray &content)
{
    const int fd = ::open(QFile::encodeName(path).constData(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return false;
    // O_CREAT's mode applies only to a new file; an older file keeps its mode unless we set it.
    const bool ok = ::fchmod(fd, 0600) == 0 &&
                    ::write(fd, content.constData(), size_t(content.size())) == content.size() &&
                    ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool isLoopback(const QHostAddress &address)
{
    return address.isLoopback();
}

// First start with a password: the vault, its password slot and the admin token.
bool initializeAtStartup(VaultServer &server, const crypto::SecureBytes &password,
                         crypto::KdfProfile profile, std::optional<QByteArray> adminTokenHash,
                         QString *error)
{
    // The generated token reaches its file before the vault is committed: a crash in
    // between must not leave a vault whose admin token nobody has.
    const QString file = QDir(server.dataDir()).filePath(QStringLiteral("admin-token"));
    const bool generate = !adminTokenHash;
    QByteArray generated;
    if (generate) {
        generated = VaultServer::generateAdminToken();
        if (!writePrivateFile(file, generated + '\n')) {
            *error = QStringLiteral("cannot write %1").arg(file);
            return false;
        }
        adminTokenHash = api::AdminAuth::tokenHash(generated);
    } else {
        QFile::remove(file); // a leftover from an earlier vault would name the wrong token
    }
    try {
        server.initialize(password, profile, adminTokenHash);
    } catch (...) {
        if (generate)
            QFile::remove(file);
        throw;
    }
    say(QStringLiteral("vault initialized in %1 (Argon2id profile %2)")
            .arg(server.dataDir(), crypto::kdfProfileName(profile)));
    if (generate) {
        say(QStringLiteral("admin token (shown once; also in %1, mode 0600): %2")
                .arg(file, QString::fromLatin1(generated)));
    } else {
        say(QStringLiteral("admin token: taken from ADMIN_TOKEN"));
    }
    return true;
}

// One share towards the unseal; says what happened. True once the vault is unsealed.
bool submitShare(VaultServer &server, shares::Share share, const QString &origin)
{
    try {
        if (server.shareUnseal().submit(std::move(share), QString(), nullptr)) {
            say(QStringLiteral("vault unsealed with shares (recovery boot: the alarm was raised)"));
            return true;
        }
        const QJsonObject status = server.shareUnseal().status();
        say(QStringLiteral("share accepted from %1 (%2 of %3)")
                .arg(origin)
                .arg(status.value(u"progress").toInt())
                .arg(status.value(u"threshold").toInt()));
    } catch (const protocol::ApiError &refused) {
        warn(QStringLiteral("share from %1 refused: %2").arg(origin, refused.message));
    }
    return false;
}

// Shares typed one by one with echo off; a line that is not a share is tried as the password
// when the vault has one.
void unsealFromTerminal(VaultServer &server)
{
    const bool passwordToo = server.vault().passwordSlotCount() > 0;
    while (server.vault().isSealed()) {
        const QJsonObject status = server.shareUnseal().status();
        const QString prompt =
            QStringLiteral("[cortex-server SEALED] Share %1 of %2%3 (empty line: stay sealed): ")
                .arg(status.value(u"progress").toInt() + 1)
                .arg(status.value(u"threshold").toInt())
                .arg(passwordToo ? QStringLiteral(" or the unseal password") : QString());
        QString why;
        crypto::SecureBytes line;
        std::optional<shares::Share> share = readShareFromTerminal(prompt, &why, &line);
        if (share) {
            submitShare(server, std::move(*share), QStringLiteral("the terminal"));
            continue;
        }
        if (line.isEmpty())
            break;
        if (passwordToo && server.unseal(line) == vault::Vault::UnsealResult::Unsealed) {
            say(QStringLiteral("vault unsealed (password from the terminal)"));
            break;
        }
        warn(passwordToo ? QStringLiteral("neither a valid share (%1) nor the password").arg(why)
                         : why);
    }
}

// A sealed vault at startup: --share-file, else a password source, else shares or the
// password from the terminal, else it waits for POST /sys/unseal.
bool unsealAtStartup(VaultServer &server, const ServerOptions &options, QString *error)
{
    const std::optional<vault::ShareSetInfo> set = server.vault().shareSet();
    if (!options.shareFiles.isEmpty()) {
        if (!set) {
            warn(QStringLiteral("--share-file: this vault has no share set; it stays sealed"));
            return true;
        }
        for (const QString &path : options.shareFiles) {
            QString why;
            std::optional<shares::Share> share = readShareFile(path, &why);
            if (!share) {
                warn(why);
                continue;
            }
            if (submitShare(server, std::move(*share), path))
                return true;
        }
        warn(QStringLiteral("the vault stays sealed: the share files did not make a quorum "
                            "(POST /sys/unseal takes the rest)"));
        return true;
    }
    PasswordLookup lookup = findPassword(options, false, /*useTerminal=*/!set);
    if (!lookup.error.isEmpty()) {
        *error = lookup.error;
        return false;
    }
    if (!lookup.password.isEmpty()) {
        if (server.unseal(lookup.password) == vault::Vault::UnsealResult::Unsealed)
            say(QStringLiteral("vault unsealed (password from %1)").arg(lookup.origin));
        else
            warn(QStringLiteral("unseal failed: the password from %1 is wrong; the vault stays "
                                "sealed (POST /sys/unseal)")
                     .arg(lookup.origin));
        return true;
    }
    if (set && isatty(STDIN_FILENO))
        unsealFromTerminal(server);
    if (server.vault().isSealed())
        say(QStringLiteral("vault is sealed: unseal it with POST /sys/unseal"));
    return true;
}

} // namespace

std::unique_ptr<RunningServer> startServer(const ServerOptions &options, QString *error)
{
    auto running = std::make_unique<RunningServer>();
    QString dataDir = options.dataDir;
    crypto::KdfProfile profile = options.kdfProfile;

    if (!options.tlsEnabled() && !isLoopback(options.listenAddress()) && !options.insecureHttp) {
        *error =
            QStringLiteral(
                "refusing to serve plain HTTP on %1, which is not a loopback address: set "
                "TLS_CERT_FILE and TLS_KEY_FILE, or INSECURE_HTTP=1 if a TLS proxy sits in front")
                .arg(options.listenHost);
        return nullptr;
    }
    std::optional<QSslConfiguration> tls;
    if (options.tlsEnabled()) {
        tls = http::loadTlsConfiguration(options.tlsCertFile, options.tlsKeyFile, error);
        if (!tls)
            return nullptr;
    }

    if (options.dev) {
        running->devDir = std::make_unique<QTemporaryDir>(
            QDir::temp().filePath(QStringLiteral("cortex-dev-XXXXXX")));
        if (!running->devDir->isValid()) {
            *error = QStringLiteral("cannot create a temporary data directory for --dev");
            return nullptr;
        }
        dataDir = running->devDir->path();
        profile = crypto::KdfProfile::Interactive;
        warn(
            QStringLiteral("\n"
                           "  ==================================================================\n"
                           "  DEV MODE: a throwaway vault in %1\n"
                           "  Everything in it is DELETED when the server stops. Never put a\n"
                           "  real secret here. For a real vault, start without --dev.\n"
                           "  ==================================================================\n")
                .arg(dataDir));
    }

    try {
        running->server = std::make_unique<VaultServer>(dataDir, running->clock);
    } catch (const store::StoreError &e) {
        *error = QString::fromStdString(e.what());
        return nullptr;
    }
    VaultServer &server = *running->server;

    server.setKdfProfile(profile);
    // ADMIN_TOKEN leaves the environment whether or not it is used, and is kept only as the
    // hash the store keeps of it.
    std::optional<QByteArray> adminTokenHash;
    qsizetype adminTokenSize = 0;
    if (const std::optional<crypto::SecureBytes> fromEnvironment =
            takeSecretFromEnvironment("ADMIN_TOKEN")) {
        adminTokenSize = qsizetype(fromEnvironment->size());
        adminTokenHash = api::AdminAuth::tokenHash(fromEnvironment->view());
    }
    bool waitingForInit = false;
    if (server.isInitialized()) {
        if (adminTokenHash && !server.adminAuth().isTokenHash(*adminTokenHash))
            warn(QStringLiteral("ADMIN_TOKEN is not this vault's admin token and is ignored: the "
                                "admin token is chosen when the vault is initialised"));
        if (!unsealAtStartup(server, options, error))
            return nullptr;
    } else {
        if (adminTokenHash && adminTokenSize < MinAdminTokenBytes) {
            *error = QStringLiteral("ADMIN_TOKEN must be at least %1 characters")
                         .arg(MinAdminTokenBytes);
            return nullptr;
        }
        crypto::SecureBytes password;
        if (options.dev) {
            const QString generated = crypto::randomToken(u"", 18);
            password = crypto::SecureBytes::copyOf(generated.toLatin1());
            say(QStringLiteral("dev unseal password: %1").arg(generated));
        } else {
            PasswordLookup lookup = findPassword(options, true);
            if (!lookup.error.isEmpty()) {
                *error = lookup.error;
                return nullptr;
            }
            if (!lookup.password.isEmpty() &&
                qsizetype(lookup.password.size()) < vault::MinPasswordBytes) {
                *error = QStringLiteral("the unseal password must be at least %1 bytes")
                             .arg(vault::MinPasswordBytes);
                return nullptr;
            }
            password = std::move(lookup.password);
        }
        if (password.isEmpty()) {
            // No terminal and no password source: an operator creates the vault remotely.
            waitingForInit = true;
            if (adminTokenHash)
                server.adminAuth().presetTokenHash(*adminTokenHash);
        } else if (!initializeAtStartup(server, password, profile, adminTokenHash, error)) {
            return nullptr;
        }
    }

    if (!server.listen(options.listenAddress(), options.listenPort, std::move(tls), error))
        return nullptr;
    say(QStringLiteral("listening on %1").arg(server.url()));
    if (waitingForInit)
        say(QStringLiteral("vault is not initialized: waiting for POST %1/sys/init "
                           "{secret_shares, secret_threshold, password?}")
                .arg(server.url()));
    return running;
}

} // namespace cortex::startup
