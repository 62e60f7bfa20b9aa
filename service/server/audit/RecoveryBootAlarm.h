#pragma once

#include <QJsonObject>
#include <QString>

#include "ServerFwd.h"

namespace cortex::http {
struct HttpRequest;
}

namespace cortex::audit {

// An unseal from shares rebuilt the way into the vault from several officers' pieces: it is
// written down as an `alarm` audit row (action recovery_boot) with an alarms row, and every
// enabled notification channel is told once it has committed. `detail` names the share set
// (never a share). `request` is null for a boot that read its shares from files or a terminal.
// Returns the alarm id.
QString raiseRecoveryBoot(store::Database &db, AuditLog &audit, notify::Notifier &notifier,
                          const Clock &clock, const http::HttpRequest *request,
                          const QJsonObject &detail);

} // namespace cortex::audit
