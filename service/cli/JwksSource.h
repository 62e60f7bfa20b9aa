#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>
#include <optional>

namespace cortex::cli {

// The Ed25519 public keys of a JWKS document (crypto/Jwks.h format) by kid, read from a file or
// fetched from an http(s) URL. Entries that are not valid Ed25519 JWKs or have no kid are left
// out. nullopt, with `error` set, when the source cannot be read or is not a JWKS document.
// Fetching needs a QCoreApplication (it runs a local event loop).
std::optional<QHash<QString, QByteArray>> loadJwks(const QString &fileOrUrl, QString *error);

} // namespace cortex::cli
