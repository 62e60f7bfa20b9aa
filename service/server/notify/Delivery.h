#pragma once

// One delivery attempt to one channel, in the channel's wire format, through libcurl.
// buildRequest() runs on the main thread (it needs the decrypted config); performAttempt()
// blocks and runs on a worker thread (notify/Notifier.cpp).
//
// Webhook signing (type "webhook" with config.secret): every attempt carries
//   X-Cortex-Timestamp: <unix seconds when the attempt started>
//   X-Cortex-Signature: sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//   X-Cortex-Delivery:  <delivery id, the same for every attempt of one delivery>
//   X-Cortex-Event:     <event>
// A receiver recomputes the HMAC over the timestamp header, a '.', and the body bytes exactly as
// received, compares in constant time, refuses timestamps more than a few minutes from its
// clock (a captured request cannot be replayed later), and drops repeated delivery ids (a
// retry after a lost answer, or a replay inside the window).

#include "crypto/SecureBytes.h"
#include "notify/Notification.h"
#include "notify/NotifySettings.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <atomic>
#include <memory>

namespace cortex::notify {

struct PreparedRequest
{
    enum class Kind { Http, Smtp };
    Kind kind = Kind::Http;
    QByteArray url;            // may carry a token (a Slack/Discord webhook path, a bot token)
    QList<QByteArray> headers; // "Name: value"
    QByteArray body;           // the HTTP body, or the whole RFC 5322 message for SMTP
    bool timestamped = false;  // adds X-Cortex-Timestamp (and the signature with a signingKey)
    crypto::SecureBytes signingKey;
    // SMTP
    QByteArray mailFrom;
    QList<QByteArray> recipients;
    QByteArray username;
    crypto::SecureBytes password;
    bool requireTls = true;

    PreparedRequest() = default;
    PreparedRequest(const PreparedRequest &) = delete;
    PreparedRequest &operator=(const PreparedRequest &) = delete;
    ~PreparedRequest(); // wipes url and body
};

// The request for one channel of `channelType` with its (validated, decrypted) config. Throws
// protocol::ApiError when the config does not fit the type.
std::unique_ptr<PreparedRequest> buildRequest(const QString &channelType, const QJsonObject &config,
                                              const Notification &notification,
                                              const QString &deliveryId,
                                              const NotifySettings &settings, const QDateTime &now);

struct AttemptResult
{
    bool ok = false;
    bool retryable = false; // worth another attempt (timeouts, 5xx, 429, connection errors)
    long status = 0;        // the HTTP status or last SMTP reply code, 0 if none
    QString error;          // for logs and the audit row: never a URL, token or body
};

// Runs one attempt (blocking). `abort` is polled while it runs: set it to give up at once.
AttemptResult performAttempt(const PreparedRequest &request, qint64 timestamp,
                             const NotifySettings &settings, const std::atomic<bool> &abort);

// "sha256=" + hex(HMAC-SHA256(secret, "<timestamp>.<body>")).
QByteArray webhookSignature(QByteArrayView secret, qint64 timestamp, QByteArrayView body);

// curl_global_init, once per process (before any worker uses curl).
void initCurl();

} // namespace cortex::notify
