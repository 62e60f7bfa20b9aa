#include "startup/ServerOptions.h"

#include <QCommandLineParser>
#include <QTextStream>

namespace cortex::startup {

namespace {
QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

bool truthy(const QString &value)
{
    const QString v = value.trimmed().toLower();
    return v == u"1" || v == u"true" || v == u"yes" || v == u"on";
}
} // namespace

bool parseListenAddress(const QString &text, QString *host, quint16 *port)
{
    QString h;
    QString p;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(QStringLiteral("]:"));
        if (close < 0)
            return false;
        h = text.mid(1, close - 1);
        p = text.mid(close + 2);
    } else {
        const qsizetype colon = text.lastIndexOf(u':');
        if (colon < 0 || text.indexOf(u':') != colon)
            return false;
        h = text.left(colon);
        p = text.mid(colon + 1);
    }
    if (h.isEmpty())
        h = QStringLiteral("127.0.0.1");
    bool ok = false;
    const uint value = p.toUInt(&ok);
    if (!ok || value > 65535 || QHostAddress(h).isNull())
        return false;
    *host = h;
    *port = quint16(value);
    return true;
}

QHostAddress ServerOptions::listenAddress() const
{
    return QHostAddress(listenHost);
}

std::optional<ServerOptions> ServerOptions::parse(const QStringList &arguments, QString *error,
                                                  bool *exitNow)
{
    *exitNow = false;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Cortex Vault server: a sealed secrets vault for AI agents.\n"
        "Environment: CORTEX_DATA_DIR, CORTEX_LISTEN, CORTEX_KEK_PASSWORD, CORTEX_KDF_PROFILE,\n"
        "ADMIN_TOKEN (at initialisation), TLS_CERT_FILE, TLS_KEY_FILE, INSECURE_HTTP,\n"
        "CREDENTIALS_DIRECTORY (systemd: kek-password)."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption dataDir(
        QStringLiteral("data-dir"),
        QStringLiteral("Where the vault keeps its store (default ./cortex-data)."),
        QStringLiteral("DIR"));
    const QCommandLineOption listen(
        QStringLiteral("listen"),
        QStringLiteral(
            "Address to listen on, HOST:PORT (default 127.0.0.1:3000; port 0 picks a free port)."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption dev(QStringLiteral("dev"),
                                 QStringLiteral("Throwaway dev vault: temporary data dir, "
                                                "auto-initialised and unsealed. Nothing is kept."));
    const QCommandLineOption passwordFile(
        QStringLiteral("password-file"),
        QStringLiteral("Read the unseal password from FILE (one trailing newline is ignored)."),
        QStringLiteral("FILE"));
    const QCommandLineOption shareFile(
        QStringLiteral("share-file"),
        QStringLiteral("Unseal with the share in FILE (either form); repeat once per share, up to "
                       "the threshold. For headless recovery."),
        QStringLiteral("FILE"));
    parser.addOptions({dataDir, listen, dev, passwordFile, shareFile});
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return std::nullopt;
    }
    if (parser.isSet(help) || parser.isSet(version)) {
        QTextStream(stdout) << (parser.isSet(help)
                                    ? parser.helpText()
                                    : QStringLiteral("cortex-server " CORTEX_VERSION "\n"));
        *exitNow = true;
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *error =
            QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first());
        return std::nullopt;
    }

    ServerOptions o;
    if (parser.isSet(dataDir))
        o.dataDir = parser.value(dataDir);
    else if (!env("CORTEX_DATA_DIR").isEmpty())
        o.dataDir = env("CORTEX_DATA_DIR");
    const QString listenText = parser.isSet(listen) ? parser.value(listen) : env("CORTEX_LISTEN");
    if (!listenText.isEmpty() && !parseListenAddress(listenText, &o.listenHost, &o.listenPort)) {
        *error = QStringLiteral("--listen wants HOST:PORT (e.g. 127.0.0.1:3000 or [::1]:0), got %1")
                     .arg(listenText);
        return std::nullopt;
    }
    o.dev = parser.isSet(dev);
    o.passwordFile = parser.value(passwordFile);
    o.shareFiles = parser.values(shareFile);
    o.tlsCertFile = env("TLS_CERT_FILE");
    o.tlsKeyFile = env("TLS_KEY_FILE");
    o.insecureHttp = truthy(env("INSECURE_HTTP"));
    const QString profile = env("CORTEX_KDF_PROFILE");
    if (!profile.isEmpty()) {
        const std::optional<crypto::KdfProfile> p =
            crypto::parseKdfProfile(profile.trimmed().toLower());
        if (!p) {
            *error =
                QStringLiteral("CORTEX_KDF_PROFILE must be interactive, moderate or sensitive");
            return std::nullopt;
        }
        o.kdfProfile = *p;
    }
    if (o.tlsCertFile.isEmpty() != o.tlsKeyFile.isEmpty()) {
        *error = QStringLiteral("TLS needs both TLS_CERT_FILE and TLS_KEY_FILE");
        return std::nullopt;
    }
    return o;
}

} // namespace cortex::startup
