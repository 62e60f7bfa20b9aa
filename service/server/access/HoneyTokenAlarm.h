#pragma once

#include "protocol/ApiError.h"

#include <QString>

#include "ServerFwd.h"

namespace cortex::http {
struct HttpRequest;
}

namespace cortex::access {

// Thrown wherever a honey token would be handed out (discover mapping, project secrets fetch,
// template, admin read). The client sees only the generic 401 access_denied of ApiError; the
// fields below stay on the server, where the request gate passes them to HoneyTokenAlarm.
struct HoneyTokenTouched : protocol::ApiError
{
    HoneyTokenTouched(QString ns, QString keyPath, QString secretId);

    QString ns;
    QString keyPath;
    QString secretId;
    QString agentId; // set when known (discover, project routes)
    QString project;
};

// What a touched decoy sets off, in one transaction after the request's own changes were rolled
// back: the project's tokens are revoked, every approval of the agent is suspended (so its next
// discover waits for an operator), an `alarm` audit row and an alarms row are written, and once
// that has committed every enabled notification channel is told.
class HoneyTokenAlarm
{
public:
    HoneyTokenAlarm(store::Database &db, audit::AuditLog &audit, notify::Notifier &notifier,
                    const Clock &clock);

    // Returns the alarm id.
    QString raise(const HoneyTokenTouched &touched, const http::HttpRequest &request);

private:
    store::Database &m_db;
    audit::AuditLog &m_audit;
    notify::Notifier &m_notifier;
    const Clock &m_clock;
};

} // namespace cortex::access
