#pragma once

#include <QSslConfiguration>
#include <QString>
#include <optional>

namespace cortex::http {

// Loads a PEM certificate chain and a PEM private key (PKCS#1, SEC1 or PKCS#8; RSA or EC)
// into a server TLS configuration, TLS 1.2 or newer. On failure returns nullopt and sets
// *error to a message naming the file (never its content).
std::optional<QSslConfiguration> loadTlsConfiguration(const QString &certFile,
                                                      const QString &keyFile, QString *error);

} // namespace cortex::http
