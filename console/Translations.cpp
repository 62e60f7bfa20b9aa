#include "Translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

using namespace Qt::StringLiterals;

namespace cortex::console {

namespace {

bool install(QCoreApplication &app, const QLocale &locale, const QString &name,
             const QString &directory)
{
    auto *translator = new QTranslator(&app);
    if (!translator->load(locale, name, u"_"_s, directory)) {
        delete translator;
        return false;
    }
    QCoreApplication::installTranslator(translator);
    return true;
}

} // namespace

bool installTranslators(QCoreApplication &app, const QLocale &locale)
{
    install(app, locale, u"qtbase"_s, QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    return install(app, locale, u"cortex"_s, u":/i18n"_s);
}

} // namespace cortex::console
