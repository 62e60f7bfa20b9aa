#include "startup/Bootstrap.h"

#include "crypto/Random.h"
#include "http/TlsSettings.h"
#include "startup/PasswordSource.h"
#include "startup/ServerOptions.h"
#include "store/Database.h"

#include <QDir>
#include <QTextStream>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cortex::startup {

namespace {

constexpr qsizetype MinPasswordBytes = 8;
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
    const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, content.constData(), size_t(content.size())) == content.size() &&
                    ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool isLoopback(const QHostAddress &address)
{
    return address.isLoopback();
}

} // namespace

std::unique_ptr<RunningServer> startServer(const ServerOptions &options, QString *error)
{
    auto running = std::make_unique<RunningServer>();
    QString dataDir = options.dataDir;
    crypto::KdfProfile profile = options.kdfProfile;

    if (!options.tlsEnabled() && !isLoopback(options.listenAddress()) && !options.insecureHttp) {
        *error = QStringLiteral(
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
        running->devDir = std::make_unique<QTemporaryDir>(QDir::temp().filePath(QStringLiteral("cortex-dev-XXXXXX")));
        if (!running->devDir->isValid()) {
            *error = QStringLiteral("cannot create a temporary data directory for --dev");
            return nullptr;
        }
        dataDir = running->devDir->path();
        profile = crypto::KdfProfile::Interactive;
        warn(QStringLiteral(
            "\n"
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

    if (!server.isInitialized()) {
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
            if (lookup.password.isEmpty()) {
                *error = QStringLiteral(
                    "the vault in %1 is not initialized and no password is available: set "
                    "CORTEX_KEK_PASSWORD, pass --password-file FILE, provide the systemd credential "
                    "kek-password, or start on a terminal")
                             .arg(server.dataDir());
                return nullptr;
            }
            if (qsizetype(lookup.password.size()) < MinPasswordBytes) {
                *error = QStringLiteral("the unseal password must be at least %1 bytes").arg(MinPasswordBytes);
                return nullptr;
            }
            password = std::move(lookup.password);
        }
        std::optional<QByteArray> adminToken;
        if (qEnvironmentVariableIsSet("ADMIN_TOKEN")) {
            adminToken = qgetenv("ADMIN_TOKEN");
            qunsetenv("ADMIN_TOKEN");
            if (adminToken->size() < MinAdminTokenBytes) {
                *error = QStringLiteral("ADMIN_TOKEN must be at least %1 characters").arg(MinAdminTokenBytes);
                return nullptr;
            }
        }
        // The generated token reaches its file before the vault is committed: a crash in
        // between must not leave a vault whose admin token nobody has.
        const QString file = QDir(server.dataDir()).filePath(QStringLiteral("admin-token"));
        const bool generate = !adminToken;
        if (generate) {
            adminToken = VaultServer::generateAdminToken();
            if (!writePrivateFile(file, *adminToken + '\n')) {
                *error = QStringLiteral("cannot write %1").arg(file);
                return nullptr;
            }
        } else {
            QFile::remove(file); // a leftover from an earlier vault would name the wrong token
        }
        try {
            server.initialize(password, profile, adminToken);
        } catch (...) {
            if (generate)
                QFile::remove(file);
            throw;
        }
        say(QStringLiteral("vault initialized in %1 (Argon2id profile %2)")
                .arg(server.dataDir(), crypto::kdfProfileName(profile)));
        if (generate) {
            say(QStringLiteral("admin token (shown once; also in %1, mode 0600): %2")
                    .arg(file, QString::fromLatin1(*adminToken)));
        } else {
            say(QStringLiteral("admin token: taken from ADMIN_TOKEN"));
        }
    } else {
        PasswordLookup lookup = findPassword(options, false);
        if (!lookup.error.isEmpty()) {
            *error = lookup.error;
            return nullptr;
        }
        if (lookup.password.isEmpty()) {
            say(QStringLiteral("vault is sealed: unseal it with POST /sys/unseal"));
        } else if (server.unseal(lookup.password) == vault::Vault::UnsealResult::Unsealed) {
            say(QStringLiteral("vault unsealed (password from %1)").arg(lookup.origin));
        } else {
            warn(QStringLiteral("unseal failed: the password from %1 is wrong; the vault stays "
                                "sealed (POST /sys/unseal)")
                     .arg(lookup.origin));
        }
    }

    if (!server.listen(options.listenAddress(), options.listenPort, std::move(tls), error))
        return nullptr;
    say(QStringLiteral("listening on %1").arg(server.url()));
    return running;
}

} // namespace cortex::startup
