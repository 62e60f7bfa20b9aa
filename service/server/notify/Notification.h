#pragma once

#include <QJsonObject>
#include <QString>

namespace cortex::notify {

// One message to the operators. Never carries a secret value or a token.
struct Notification
{
    QString event;    // honey_token_read | recovery_boot | pending_grant | device_request | test
    QString severity; // critical | warning | info
    QString ns;       // namespace of the secret concerned, if any
    QString keyPath;
    QString agentId;
    QString project;
    QString time;      // ISO 8601 UTC
    QString requestId; // of the request that caused it
    QJsonObject extra; // further non-secret fields (grant_id, requested_keys, source_address...)

    // {"event", "severity", "namespace", "key_path", "agent_id", "project", "time",
    //  "request_id", ...extra}
    QJsonObject toJson() const;
    // A title line, a blank line and a body, for chat and mail channels.
    QString text() const;
    // The title line alone (the mail subject): says what happened, by event.
    QString title() const;
};

} // namespace cortex::notify
