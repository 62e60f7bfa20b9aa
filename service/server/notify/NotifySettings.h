#pragma once

#include <QString>
#include <QStringList>

namespace cortex::notify {

// Delivery tuning, read from the environment at start:
//   CORTEX_NOTIFY_ATTEMPTS            attempts per delivery (1..10, default 3)
//   CORTEX_NOTIFY_BACKOFF_MS          wait before the 2nd attempt, doubled before each further
//                                     one (0..600000, default 1000: 1 s, 2 s, 4 s ...)
//   CORTEX_NOTIFY_CONNECT_TIMEOUT_MS  connect timeout per attempt (100..600000, default 5000)
//   CORTEX_NOTIFY_TIMEOUT_MS          whole-attempt timeout (100..600000, default 15000)
//   CORTEX_TELEGRAM_API_BASE          Telegram Bot API base URL (default https://api.telegram.org)
struct NotifySettings
{
    int attempts = 3;
    int backoffMs = 1000;
    int connectTimeoutMs = 5000;
    int timeoutMs = 15000;
    QString telegramApiBase = QStringLiteral("https://api.telegram.org");
    int maxQueuedDeliveries = 1000; // beyond this, new deliveries are dropped (and logged)
    int workerThreads = 4;

    // Invalid values keep the default and add a line to *warnings.
    static NotifySettings fromEnvironment(QStringList *warnings);
};

} // namespace cortex::notify
