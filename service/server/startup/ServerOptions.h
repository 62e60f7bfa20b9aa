#pragma once

#include "crypto/Kdf.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <optional>

namespace cortex::startup {

// cortex-server's options. Each flag also reads an environment variable; a flag wins.
struct ServerOptions
{
    QString dataDir = QStringLiteral("./cortex-data"); // --data-dir / CORTEX_DATA_DIR
    QString listenHost = QStringLiteral("127.0.0.1");  // --listen / CORTEX_LISTEN
    quint16 listenPort = 3000;
    bool dev = false;                                             // --dev
    QString passwordFile;                                         // --password-file
    QStringList shareFiles;                                       // --share-file (repeatable)
    QString tlsCertFile;                                          // TLS_CERT_FILE
    QString tlsKeyFile;                                           // TLS_KEY_FILE
    bool insecureHttp = false;                                    // INSECURE_HTTP=1
    crypto::KdfProfile kdfProfile = crypto::KdfProfile::Moderate; // CORTEX_KDF_PROFILE

    // Parses argv (arguments()[0] is the program) and the environment. On a usage error
    // returns nullopt with *error set; --help and --version print and set *exitNow.
    static std::optional<ServerOptions> parse(const QStringList &arguments, QString *error,
                                              bool *exitNow);
    QHostAddress listenAddress() const;
    bool tlsEnabled() const { return !tlsCertFile.isEmpty() || !tlsKeyFile.isEmpty(); }
};

// "host:port", "[v6]:port" or ":port"; false when it is not one of those.
bool parseListenAddress(const QString &text, QString *host, quint16 *port);

} // namespace cortex::startup
