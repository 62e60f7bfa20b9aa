#include "notify/NotifySettings.h"

#include <QUrl>

namespace cortex::notify {

NotifySettings NotifySettings::fromEnvironment(QStringList *warnings)
{
    NotifySettings settings;
    const auto warn = [warnings](const QString &text) {
        if (warnings)
            warnings->append(text);
    };
    const auto readInt = [&warn](const char *name, int minimum, int maximum, int &target) {
        const QByteArray text = qgetenv(name);
        if (text.isEmpty())
            return;
        bool ok = false;
        const int value = text.toInt(&ok);
        if (!ok || value < minimum || value > maximum) {
            warn(QStringLiteral("%1 must be an integer from %2 to %3; keeping %4")
                     .arg(QLatin1StringView(name))
                     .arg(minimum)
                     .arg(maximum)
                     .arg(target));
            return;
        }
        target = value;
    };
    readInt("CORTEX_NOTIFY_ATTEMPTS", 1, 10, settings.attempts);
    readInt("CORTEX_NOTIFY_BACKOFF_MS", 0, 600000, settings.backoffMs);
    readInt("CORTEX_NOTIFY_CONNECT_TIMEOUT_MS", 100, 600000, settings.connectTimeoutMs);
    readInt("CORTEX_NOTIFY_TIMEOUT_MS", 100, 600000, settings.timeoutMs);
    const QString base = qEnvironmentVariable("CORTEX_TELEGRAM_API_BASE");
    if (!base.isEmpty()) {
        const QUrl url(base, QUrl::StrictMode);
        if (url.isValid() && (url.scheme() == u"https" || url.scheme() == u"http") &&
            !url.host().isEmpty() && !url.hasQuery() && !url.hasFragment()) {
            settings.telegramApiBase = base.endsWith(QLatin1Char('/')) ? base.chopped(1) : base;
        } else {
            warn(QStringLiteral("CORTEX_TELEGRAM_API_BASE must be an http(s) URL without query;"
                                " keeping %1")
                     .arg(settings.telegramApiBase));
        }
    }
    return settings;
}

} // namespace cortex::notify
