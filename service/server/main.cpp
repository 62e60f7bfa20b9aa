// cortex-server: parses options, hardens the process, starts the vault, runs the event loop.
#include "startup/Bootstrap.h"
#include "startup/Hardening.h"
#include "startup/ServerOptions.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char *argv[])
{
    cortex::startup::hardenProcess();
    // glibc re-reads /etc/localtime on every timestamp unless TZ is set; log lines need one.
    if (!qEnvironmentVariableIsSet("TZ"))
        qputenv("TZ", ":/etc/localtime");
    if (!qEnvironmentVariableIsSet("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-debug}debug%{endif}"
                                          "%{if-info}info%{endif}%{if-warning}warning%{endif}"
                                          "%{if-critical}critical%{endif}%{if-fatal}fatal%{endif} "
                                          "%{category}: %{message}"));
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cortex-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CORTEX_VERSION));

    QString error;
    bool exitNow = false;
    const auto options = cortex::startup::ServerOptions::parse(app.arguments(), &error, &exitNow);
    if (exitNow)
        return 0;
    if (!options) {
        QTextStream(stderr) << "cortex-server: " << error << "\n(see --help)" << Qt::endl;
        return 2;
    }
    cortex::startup::quitOnTerminationSignals();
    auto running = cortex::startup::startServer(*options, &error);
    if (!running) {
        QTextStream(stderr) << "cortex-server: " << error << Qt::endl;
        return 1;
    }
    return app.exec();
}
