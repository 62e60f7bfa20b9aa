// cortex-console: sets up the application, parses options and shows the main window.
#include "AppIcon.h"
#include "Translations.h"
#include "views/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"cortex-console"_s);
    QApplication::setOrganizationName(u"Cortex Vault"_s);
    QApplication::setApplicationVersion(QStringLiteral(CORTEX_VERSION));
    // Lets Wayland compositors find cortex-console.desktop, and with it the icon.
    QGuiApplication::setDesktopFileName(u"cortex-console"_s);
    QApplication::setWindowIcon(cortex::console::appIcon());
    cortex::console::installTranslators(app, QLocale::system());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Operator console for a Cortex Vault server."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption server(
        u"server"_s,
        QCoreApplication::translate("main",
                                    "Server URL to show in the connection panel (default %1).")
            .arg(QString::fromLatin1(cortex::console::MainWindow::DefaultServerUrl)),
        QCoreApplication::translate("main", "URL"));
    parser.addOption(server);
    parser.process(app);

    cortex::console::MainWindow window;
    if (parser.isSet(server))
        window.setServerUrl(parser.value(server));
    window.show();
    return app.exec();
}
