#pragma once

#include <QByteArray>
#include <QString>
#include <QStringView>
#include <optional>

namespace cortex::access {

// The env var a grant injects when none is given: the key path's last segment, upper-cased,
// anything outside [A-Z0-9_] replaced by '_' ("db/api-key" -> "API_KEY").
QString defaultEnvName(const QString &keyPath);

// An Ed25519 public key or signature as sent on the wire: base64url without padding, or
// standard base64 (with or without padding) as the reference accepts. nullopt if neither.
std::optional<QByteArray> decodeWireBytes(const QString &text);

} // namespace cortex::access
