#pragma once

#include "crypto/SecureBytes.h"
#include "vault/Envelope.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <optional>

namespace cortex::store {
struct NotificationChannelRow;
}

namespace cortex::notify {

// The channel types and the JSON config each one takes (unknown fields are refused):
//   slack     {"webhook_url"}                      POST {"text": ...}
//   discord   {"webhook_url"}                      POST {"content": ...}
//   telegram  {"bot_token", "chat_id"}             POST <api base>/bot<token>/sendMessage
//             chat_id: a JSON integer or a string ("-100123", "@channel")
//   webhook   {"url", "secret"?}                   POST the notification JSON, signed with
//             HMAC-SHA256(secret) when a secret is set (see Delivery.h)
//   email     {"smtp_url", "from", "to", "username"?, "password"?, "require_tls"?}
//             smtp_url smtp://host[:port] (STARTTLS, required unless require_tls is false,
//             which only a loopback host may use) or smtps://host[:port] (TLS from the start);
//             to: an address or an array of 1..20 addresses.
// URLs are http(s) (smtp(s) for mail), absolute, with a host and no fragment.
const QStringList &channelTypes();
bool isChannelType(const QString &type);

// Checks `config` for the type and returns it normalised (defaults filled in). Throws
// protocol::ApiError 400 naming the field as "config.<name>" (missing_field, invalid_field,
// unknown_field); messages never quote a value.
QJsonObject validateChannelConfig(const QString &channelType, const QJsonValue &config);

// The config envelope of a channel row, under the root KEK with the row's AADs
// (store::NotificationChannelRepository::bodyAad/dekAad).
vault::Envelope sealChannelConfig(const crypto::SecureBytes &rootKey, const QString &id,
                                  const QString &channelType, int kekVersion,
                                  const QJsonObject &config);
// nullopt when the envelope does not open (wrong key, or moved to another row) or does not hold
// a JSON object.
std::optional<QJsonObject> openChannelConfig(const crypto::SecureBytes &rootKey,
                                             const store::NotificationChannelRow &row);

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackHost(const QString &host);

} // namespace cortex::notify
