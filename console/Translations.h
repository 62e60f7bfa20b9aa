#pragma once

#include <QLocale>

class QCoreApplication;

namespace cortex::console {

// Installs on `app` the console's own catalogue for `locale` (compiled from translations/*.ts
// and embedded at :/i18n) and, when the system has it, Qt's catalogue for the same locale (the
// network error texts come from Qt). Returns whether the console's catalogue was found.
bool installTranslators(QCoreApplication &app, const QLocale &locale);

} // namespace cortex::console
