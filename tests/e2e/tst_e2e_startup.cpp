// cortex-server as an operator starts it: first initialisation, the password sources, the
// admin token, --dev, and the listen policy. The built binary runs as a child process.

#include "E2eSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <fcntl.h>
#include <pty.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// GET /health: 200 when unsealed, 503 when sealed.
int healthStatus(const QUrl &url)
{
    HttpClient http;
    http.setBaseUrl(url);
    return http.get(str("/health")).status;
}

bool sealedAccordingToServer(const QUrl &url)
{
    HttpClient http;
    http.setBaseUrl(url);
    const HttpReply reply = http.get(str("/sys/seal-status"));
    return reply.status == 200 && reply.object().value(str("sealed")).toBool(false);
}

HttpReply unsealOverHttp(const QUrl &url, const QByteArray &password)
{
    HttpClient http;
    http.setBaseUrl(url);
    return http.post(str("/sys/unseal"), {{str("password"), QString::fromUtf8(password)}});
}

// A pseudo-terminal whose slave side becomes the server's stdin, as when an operator starts it
// in a shell. Its termios state is what the server set on it.
class Terminal
{
public:
    Terminal()
    {
        if (::openpty(&m_master, &m_slave, nullptr, nullptr, nullptr) != 0) {
            m_master = m_slave = -1;
            return;
        }
        ::fcntl(m_master, F_SETFL, ::fcntl(m_master, F_GETFL) | O_NONBLOCK);
    }
    ~Terminal()
    {
        if (m_master >= 0)
            ::close(m_master);
        if (m_slave >= 0)
            ::close(m_slave);
    }
    Terminal(const Terminal &) = delete;
    Terminal &operator=(const Terminal &) = delete;

    bool isValid() const { return m_master >= 0; }
    void attachTo(ServerProcess &server) const
    {
        const int slave = m_slave;
        server.setChildProcessModifier([slave] { ::dup2(slave, STDIN_FILENO); });
    }
    bool echoes() const
    {
        termios t{};
        return ::tcgetattr(m_master, &t) == 0 && (t.c_lflag & ECHO) != 0;
    }
    // Waits until the server has turned echo off (it is about to read a password).
    bool waitForEchoOff() const
    {
        return QTest::qWaitFor([this] { return !echoes(); }, StartTimeoutMs);
    }
    void type(const QByteArray &line) const
    {
        [[maybe_unused]] const auto written =
            ::write(m_master, line.constData(), size_t(line.size()));
    }
    // What the terminal displayed (its echo), so far.
    QByteArray displayed()
    {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(m_master, buffer, sizeof buffer);
            if (n <= 0)
                break;
            m_displayed.append(buffer, n);
        }
        return m_displayed;
    }

private:
    int m_master = -1;
    int m_slave = -1;
    QByteArray m_displayed;
};

} // namespace

class TestE2eStartup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstStartInitializesAndUnseals();
    void adminTokenFileIsPrivateEvenIfItExisted();
    void processHardening();
    void passwordFileDropsOneTrailingNewline();
    void passwordFileKeepsTrailingSpace();
    void credentialsDirectoryPassword();
    void terminalPasswordAtInitAndUnseal();
    void terminalConfirmationMismatchRefused();
    void terminalSharesUnsealOneByOne();
    void longPasswordFileIsNotTruncated();
    void firstStartWithoutPasswordWaitsForInit();
    void adminTokenFromEnvironment();
    void shortAdminTokenRefused();
    void shortPasswordRefusedAtInit();
    void kdfProfileFromEnvironment_data();
    void kdfProfileFromEnvironment();
    void unknownKdfProfileIsUsageError();
    void devMode_data();
    void devMode();
    void publicAddressWithoutTlsRefused_data();
    void publicAddressWithoutTlsRefused();
    void publicAddressWithInsecureHttpStarts();
    void ipv6Loopback();
    void tlsOnPublicAddress();
    void portInUseIsAnError();
    void garbageListenIsUsageError_data();
    void garbageListenIsUsageError();
    void tlsNeedsCertAndKey_data();
    void tlsNeedsCertAndKey();
};

void TestE2eStartup::firstStartInitializesAndUnseals()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    // An empty data dir made beforehand with a lax mode, as an installer might leave it.
    const QString dataDir = tmp.filePath(str("data"));
    QVERIFY(QDir().mkdir(dataDir));
    QVERIFY(QFile::setPermissions(dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                               QFile::ReadGroup | QFile::ExeGroup |
                                               QFile::ReadOther | QFile::ExeOther));
    QCOMPARE(fileMode(dataDir), 0755);

    const QByteArray password = "first-start-" + randomHex(8).toLatin1();
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(password));
    QVERIFY2(server.start(), server.allOutput().constData());

    QVERIFY2(server.runStdout().contains("vault initialized"), server.runStdout().constData());
    const QByteArray token = server.printedAdminToken();
    QVERIFY2(token.size() >= 16, server.runStdout().constData());
    QCOMPARE(server.url().scheme(), str("http"));
    QCOMPARE(server.url().host(), str("127.0.0.1"));
    QVERIFY(server.port() != 0);
    QVERIFY2(server.runStdout().contains("listening on http://127.0.0.1:" +
                                         QByteArray::number(server.port())),
             server.runStdout().constData());

    const QString tokenFile = dataDir + str("/admin-token");
    QVERIFY(QFileInfo::exists(tokenFile));
    QCOMPARE(fileMode(tokenFile), 0600);
    QCOMPARE(readFile(tokenFile).trimmed(), token);
    QCOMPARE(fileMode(dataDir), 0700);
    for (const QString &file : filesBelow(dataDir))
        QVERIFY2((fileMode(file) & 077) == 0, qPrintable(file));

    // Unsealed at once, and the printed token is the admin token.
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(!sealedAccordingToServer(server.url()));
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(token);
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    http.setAdminToken("cvadm_" + randomHex(32).toLatin1());
    QCOMPARE(http.get(str("/admin/secrets")).status, 401);

    QVERIFY(!server.allOutput().contains(password));
    QVERIFY(server.stop());
}

// A leftover admin-token file (an earlier vault's, a provisioning placeholder) with a lax mode
// must not receive the new token readable by everyone: the server says "mode 0600", so it is.
void TestE2eStartup::adminTokenFileIsPrivateEvenIfItExisted()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    QVERIFY(QDir().mkdir(dataDir));
    const QString tokenFile = dataDir + str("/admin-token");
    QVERIFY(writeFile(tokenFile, "stale placeholder\n"));
    QVERIFY(QFile::setPermissions(tokenFile, QFile::ReadOwner | QFile::WriteOwner |
                                                 QFile::ReadGroup | QFile::ReadOther));
    QCOMPARE(fileMode(tokenFile), 0644);

    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("token-file-mode-pw"));
    QVERIFY2(server.start(), server.allOutput().constData());
    const QByteArray token = server.printedAdminToken();
    QVERIFY(!token.isEmpty());
    QCOMPARE(readFile(tokenFile).trimmed(), token);
    QVERIFY2(fileMode(tokenFile) == 0600,
             qPrintable(QStringLiteral("the new admin token sits in a file of mode %1")
                            .arg(fileMode(tokenFile), 4, 8, QLatin1Char('0'))));
    QVERIFY(server.stop());
}

// The process that holds the root key never writes a core dump, and creates private files.
void TestE2eStartup::processHardening()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, tmp.filePath(str("data")));
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("hardening-test-pw"));
    QVERIFY2(server.start(), server.allOutput().constData());
    const QString proc = QStringLiteral("/proc/%1/").arg(server.pid());
    const QByteArray limits = readFile(proc + str("limits"));
    if (limits.isEmpty())
        QSKIP("no /proc/PID/limits here");
    QByteArray coreLine;
    for (const QByteArray &line : limits.split('\n')) {
        if (line.startsWith("Max core file size"))
            coreLine = line.simplified();
    }
    QVERIFY2(coreLine == "Max core file size 0 0 bytes", coreLine.constData());
    const QByteArray status = readFile(proc + str("status"));
    if (status.contains("Umask:"))
        QVERIFY2(status.contains("Umask:\t0077"), status.constData());
    QVERIFY(server.stop());
}

void TestE2eStartup::passwordFileDropsOneTrailingNewline()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QString file = tmp.filePath(str("password"));
    QVERIFY(writeFile(file, "correct horse battery\n"));

    ServerProcess server(ServerBin, dataDir);
    QVERIFY2(server.start({str("--password-file"), file}), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());

    // The password is the file without its newline.
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("correct horse battery"));
    QVERIFY2(server.start(), server.allOutput().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());

    // And the file unseals on a later start too.
    server.environment().remove(str("CORTEX_KEK_PASSWORD"));
    QVERIFY2(server.start({str("--password-file"), file}), server.allOutput().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(!server.allOutput().contains("correct horse battery"));
    QVERIFY(server.stop());
}

void TestE2eStartup::passwordFileKeepsTrailingSpace()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QString file = tmp.filePath(str("password"));
    QVERIFY(writeFile(file, "space at the end \n"));

    ServerProcess server(ServerBin, dataDir);
    QVERIFY2(server.start({str("--password-file"), file}), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QVERIFY(server.stop());

    // No password source and no terminal: sealed; only the password with its space unseals.
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(sealedAccordingToServer(server.url()));
    const HttpReply trimmed = unsealOverHttp(server.url(), "space at the end");
    QCOMPARE(trimmed.status, 401);
    QVERIFY(sealedAccordingToServer(server.url()));
    const HttpReply exact = unsealOverHttp(server.url(), "space at the end ");
    QVERIFY2(exact.status == 200, exact.describe().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());
}

void TestE2eStartup::credentialsDirectoryPassword()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QString credentials = tmp.filePath(str("credentials"));
    QVERIFY(QDir().mkdir(credentials));
    QVERIFY(writeFile(credentials + str("/kek-password"), "systemd credential pw\n"));

    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CREDENTIALS_DIRECTORY"), credentials);
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());

    // Restarted with the credential: unsealed at once.
    QVERIFY2(server.start(), server.allOutput().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());

    // Without it: sealed, and the credential file's content is the password.
    server.environment().remove(str("CREDENTIALS_DIRECTORY"));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(sealedAccordingToServer(server.url()));
    const HttpReply reply = unsealOverHttp(server.url(), "systemd credential pw");
    QVERIFY2(reply.status == 200, reply.describe().constData());
    QVERIFY(!server.allOutput().contains("systemd credential pw"));
    QVERIFY(server.stop());
}

// On a terminal the server asks for the password with echo off, twice at initialisation, once
// to unseal, and leaves the terminal echoing again.
void TestE2eStartup::terminalPasswordAtInitAndUnseal()
{
    Terminal tty;
    if (!tty.isValid())
        QSKIP("no pseudo-terminal available");
    QVERIFY(tty.echoes());
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QByteArray password = "typed at the terminal " + randomHex(4).toLatin1();

    ServerProcess server(ServerBin, dataDir);
    tty.attachTo(server);
    QVERIFY(server.launch(server.defaultArguments()));
    QVERIFY2(server.waitForOutputLine({"password"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the password prompt");
    tty.type(password + '\n');
    QVERIFY2(server.waitForOutputLine({"again"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the confirmation prompt");
    tty.type(password + '\n');
    QVERIFY2(server.waitUntilListening(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY2(tty.echoes(), "the server left the terminal without echo");
    QVERIFY(!tty.displayed().contains(password));
    QVERIFY(!server.allOutput().contains(password));
    QVERIFY(server.stop());

    // Restarted on the terminal: one prompt, and the typed password unseals.
    QVERIFY(server.launch(server.defaultArguments()));
    QVERIFY2(server.waitForOutputLine({"password"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the unseal prompt");
    tty.type(password + '\n');
    QVERIFY2(server.waitUntilListening(), server.allOutput().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(tty.echoes());
    QVERIFY(!tty.displayed().contains(password));
    QVERIFY(server.stop());

    // The same password works from the environment: the terminal took it byte for byte.
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(password));
    QVERIFY2(server.start(), server.allOutput().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());
}

// A vault made with shares only asks the terminal for them one at a time, with echo off; a bad
// share is refused with a reason and asked again; the quorum unseals (issue 5).
void TestE2eStartup::terminalSharesUnsealOneByOne()
{
    Terminal tty;
    if (!tty.isValid())
        QSKIP("no pseudo-terminal available");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    QVERIFY2(server.start(), server.allOutput().constData());
    HttpClient http;
    http.setBaseUrl(server.url());
    const HttpReply init =
        http.post(str("/sys/init"), {{str("secret_shares"), 3}, {str("secret_threshold"), 2}});
    QCOMPARE(init.status, 200);
    const QJsonArray texts = init.object().value(u"shares").toArray();
    const QJsonArray groups = init.object().value(u"shares_groups").toArray();
    QCOMPARE(texts.size(), 3);
    QVERIFY(server.stop());

    tty.attachTo(server);
    QVERIFY(server.launch(server.defaultArguments()));
    QVERIFY2(server.waitForOutputLine({"Share 1 of 2"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the share prompt");
    QByteArray mistyped = texts.at(0).toString().toLatin1();
    mistyped[mistyped.size() - 1] = mistyped.endsWith('0') ? '1' : '0';
    tty.type(mistyped + '\n');
    QVERIFY2(server.waitForOutputLine({"checksum"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the share prompt");
    tty.type(texts.at(0).toString().toLatin1() + '\n');
    QVERIFY2(server.waitForOutputLine({"share accepted", "1 of 2"}),
             server.allOutput().constData());
    QVERIFY2(server.waitForOutputLine({"Share 2 of 2"}), server.allOutput().constData());
    QVERIFY2(tty.waitForEchoOff(), "the terminal still echoes at the share prompt");
    tty.type(groups.at(2).toString().toLatin1() + '\n'); // the groups form works too
    QVERIFY2(server.waitUntilListening(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault unsealed with shares"));
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY2(tty.echoes(), "the server left the terminal without echo");
    for (const QJsonValue &share : texts) {
        const QByteArray payload = share.toString().section(u':', 4, 4).toLatin1();
        QVERIFY(!tty.displayed().contains(payload));
        QVERIFY(!server.allOutput().contains(payload));
    }
    QVERIFY(server.stop());
}

void TestE2eStartup::terminalConfirmationMismatchRefused()
{
    Terminal tty;
    if (!tty.isValid())
        QSKIP("no pseudo-terminal available");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    tty.attachTo(server);
    QVERIFY(server.launch(server.defaultArguments()));
    QVERIFY2(server.waitForOutputLine({"password"}), server.allOutput().constData());
    QVERIFY(tty.waitForEchoOff());
    tty.type("first password typed\n");
    QVERIFY2(server.waitForOutputLine({"again"}), server.allOutput().constData());
    QVERIFY(tty.waitForEchoOff());
    tty.type("second password typed\n");
    QVERIFY2(server.waitForExit(), "the server went on with two different passwords");
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY(!server.runStdout().contains("listening on"));
    QVERIFY(tty.echoes());

    // Nothing was initialised: neither typed password is the vault's.
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("first password typed"));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QVERIFY(server.stop());
}

// A password file is used byte for byte, however long: never silently cut, so that the same
// password given another way (CORTEX_KEK_PASSWORD, POST /sys/unseal) unseals the vault. A
// server that cannot take such a long password must refuse to start instead.
void TestE2eStartup::longPasswordFileIsNotTruncated()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QString file = tmp.filePath(str("password"));
    QByteArray password;
    while (password.size() < 5000)
        password += randomHex(50).toLatin1();
    QVERIFY(writeFile(file, password + '\n'));

    ServerProcess server(ServerBin, dataDir);
    if (!server.start({str("--password-file"), file})) {
        QVERIFY2(!server.isRunning() && server.exitCode() != 0, server.allOutput().constData());
        return; // refused: acceptable
    }
    QVERIFY(server.runStdout().contains("vault initialized"));
    QVERIFY(server.stop());

    server.environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(password));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY2(!sealedAccordingToServer(server.url()),
             "the vault initialised from a long --password-file does not unseal with that "
             "same password: the file was truncated");
    QVERIFY(server.stop());
}

// A first start with no way to get a password creates nothing: the server waits, uninitialised,
// for an operator to create the vault with POST /sys/init (issue 5).
void TestE2eStartup::firstStartWithoutPasswordWaitsForInit()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY2(server.waitForOutputLine({"vault is not initialized", "/sys/init"}),
             server.allOutput().constData());
    QVERIFY(!QFileInfo::exists(dataDir + str("/admin-token")));
    HttpClient http;
    http.setBaseUrl(server.url());
    const HttpReply status = http.get(str("/sys/seal-status"));
    QCOMPARE(status.status, 200);
    QCOMPARE(status.object().value(u"initialized").toBool(), false);
    // Nothing but /sys/* answers before there is a vault.
    QCOMPARE(http.get(str("/admin/secrets")).status, 503);
    const HttpReply init =
        http.post(str("/sys/init"), {{str("password"), str("first-start-password")}});
    QCOMPARE(init.status, 200);
    QVERIFY(init.object().value(u"admin_token").toString().startsWith(u"cvadm_"));
    QCOMPARE(http.post(str("/sys/unseal"), {{str("password"), str("first-start-password")}})
                 .object()
                 .value(u"sealed")
                 .toBool(true),
             false);
    QVERIFY(server.stop());
}

void TestE2eStartup::adminTokenFromEnvironment()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QByteArray token = "operator-chosen-" + randomHex(16).toLatin1();

    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("admin-token-test-pw"));
    server.environment().insert(str("ADMIN_TOKEN"), QString::fromLatin1(token));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QVERIFY(!QFileInfo::exists(dataDir + str("/admin-token")));
    QVERIFY2(!server.allOutput().contains(token), "the operator's token was printed");

    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(token);
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    http.setAdminToken(token + "x");
    QCOMPARE(http.get(str("/admin/secrets")).status, 401);
    QVERIFY(server.stop());

    // The token stays valid across a restart, and still no file appears.
    server.environment().remove(str("ADMIN_TOKEN"));
    QVERIFY2(server.start(), server.allOutput().constData());
    http.setBaseUrl(server.url());
    http.setAdminToken(token);
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    QVERIFY(!QFileInfo::exists(dataDir + str("/admin-token")));
    QVERIFY(server.stop());

    // Left in the environment of later starts (as a service manager would), the token leaves
    // the process's environment there too; the same token passes without a word, another one
    // is named as ignored and opens nothing.
    const QByteArray other = "another-token-" + randomHex(16).toLatin1();
    for (const QByteArray &given : {token, other}) {
        server.environment().insert(str("ADMIN_TOKEN"), QString::fromLatin1(given));
        QVERIFY2(server.start(), server.allOutput().constData());
        QFile environ(str("/proc/%1/environ").arg(server.pid()));
        QVERIFY2(environ.open(QIODevice::ReadOnly), qPrintable(environ.errorString()));
        QVERIFY(!environ.readAll().contains(given));
        QCOMPARE(server.allOutput().contains("ADMIN_TOKEN is not this vault's admin token"),
                 given == other);
        QVERIFY2(!server.allOutput().contains(given), "a token was printed");
        http.setBaseUrl(server.url());
        http.setAdminToken(token);
        QCOMPARE(http.get(str("/admin/secrets")).status, 200);
        http.setAdminToken(other);
        QCOMPARE(http.get(str("/admin/secrets")).status, 401);
        QVERIFY(server.stop());
    }
}

void TestE2eStartup::shortAdminTokenRefused()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("admin-token-test-pw"));
    server.environment().insert(str("ADMIN_TOKEN"), str("123456789012345")); // 15 characters
    QVERIFY(server.runToExit({str("--data-dir"), dataDir, str("--listen"), str("127.0.0.1:0")}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY2(server.runStderr().contains("ADMIN_TOKEN"), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("listening on"));

    // Nothing was initialised: a later start sets the vault up with a 16-character token.
    server.environment().insert(str("ADMIN_TOKEN"), str("1234567890123456"));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken("1234567890123456");
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    QVERIFY(server.stop());
}

void TestE2eStartup::shortPasswordRefusedAtInit()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));

    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("1234567")); // 7 bytes
    QVERIFY(server.runToExit({str("--data-dir"), dataDir, str("--listen"), str("127.0.0.1:0")}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY2(server.runStderr().contains("8"), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("listening on"));
    QVERIFY(!server.runStdout().contains("vault initialized"));
    QVERIFY(!QFileInfo::exists(dataDir + str("/admin-token")));

    // Nothing was initialised with the refused password: 8 bytes is enough for a first start.
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("12345678"));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY(server.runStdout().contains("vault initialized"));
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());
}

void TestE2eStartup::kdfProfileFromEnvironment_data()
{
    QTest::addColumn<QString>("profile"); // empty: CORTEX_KDF_PROFILE unset
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<qint64>("opslimit");
    QTest::addColumn<qint64>("memlimit");
    QTest::newRow("interactive") << str("interactive") << QByteArray("interactive")
                                 << qint64(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE)
                                 << qint64(crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    QTest::newRow("moderate") << str("moderate") << QByteArray("moderate")
                              << qint64(crypto_pwhash_argon2id_OPSLIMIT_MODERATE)
                              << qint64(crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
    QTest::newRow("unset: moderate")
        << QString() << QByteArray("moderate") << qint64(crypto_pwhash_argon2id_OPSLIMIT_MODERATE)
        << qint64(crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
}

// The Argon2id cost chosen at initialisation is the one stored in the keyslot.
void TestE2eStartup::kdfProfileFromEnvironment()
{
    QFETCH(QString, profile);
    QFETCH(QByteArray, name);
    QFETCH(qint64, opslimit);
    QFETCH(qint64, memlimit);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("kdf-profile-pw"));
    if (profile.isEmpty())
        server.environment().remove(str("CORTEX_KDF_PROFILE"));
    else
        server.environment().insert(str("CORTEX_KDF_PROFILE"), profile);
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY2(server.lineContaining("vault initialized").contains(name),
             server.runStdout().constData());
    QVERIFY(server.stop());

    StoreFile store(dataDir);
    QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
    const auto slots =
        store.query(str("SELECT kdf_algorithm, kdf_opslimit, kdf_memlimit, length(kdf_salt)"
                        " FROM keyslots"));
    QCOMPARE(int(slots.size()), 1);
    QCOMPARE(slots.front().value(0).toString(), str("argon2id13"));
    QCOMPARE(slots.front().value(1).toLongLong(), opslimit);
    QCOMPARE(slots.front().value(2).toLongLong(), memlimit);
    QCOMPARE(slots.front().value(3).toInt(), int(crypto_pwhash_argon2id_SALTBYTES));
}

void TestE2eStartup::unknownKdfProfileIsUsageError()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("kdf-profile-pw"));
    server.environment().insert(str("CORTEX_KDF_PROFILE"), str("fast"));
    QVERIFY(server.runToExit(
        {str("--data-dir"), tmp.filePath(str("data")), str("--listen"), str("127.0.0.1:0")}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 2);
    QVERIFY2(server.runStderr().contains("CORTEX_KDF_PROFILE"), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("vault initialized"));
}

void TestE2eStartup::devMode_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT (Ctrl-C)") << int(SIGINT);
}

void TestE2eStartup::devMode()
{
    QFETCH(int, signal);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString workDir = tmp.filePath(str("cwd"));
    const QString tempRoot = tmp.filePath(str("tmp"));
    QVERIFY(QDir().mkdir(workDir));
    QVERIFY(QDir().mkdir(tempRoot));

    ServerProcess server(ServerBin, QString());
    server.setWorkingDirectory(workDir);
    server.environment().insert(str("TMPDIR"), tempRoot);
    QVERIFY2(server.start({str("--dev")}), server.allOutput().constData());

    QVERIFY2(server.allOutput().contains("DEV MODE"), server.allOutput().constData());
    // The warning names the throwaway directory (under TMPDIR).
    const QRegularExpression dirPattern(QRegularExpression::escape(tempRoot) + str("/[^\\s]+"));
    const QRegularExpressionMatch dirMatch =
        dirPattern.match(QString::fromUtf8(server.lineContaining("DEV MODE")));
    QVERIFY2(dirMatch.hasMatch(), server.allOutput().constData());
    const QString devDir = dirMatch.captured(0);
    QVERIFY(QFileInfo(devDir).isDir());

    const QByteArray passwordLine = server.lineContaining("unseal password");
    QVERIFY2(!passwordLine.isEmpty(), server.allOutput().constData());
    const QByteArray devPassword = passwordLine.simplified().split(' ').last();
    QVERIFY(devPassword.size() >= 8);
    const QByteArray token = server.printedAdminToken();
    QVERIFY2(token.size() >= 16, server.runStdout().constData());

    // Unsealed and usable at once.
    QCOMPARE(healthStatus(server.url()), 200);
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(token);
    const HttpReply created = http.post(
        str("/admin/secrets"), {{str("key_path"), str("dev/check")}, {str("value"), str("dev-v")}});
    QVERIFY2(created.status == 201, created.describe().constData());
    const QString id = created.object().value(str("id")).toString();
    QCOMPARE(http.get(str("/admin/secrets/") + id).object().value(str("value")).toString(),
             str("dev-v"));

    // The printed password is the real unseal password.
    QCOMPARE(http.post(str("/sys/seal"), {}).status, 200);
    QCOMPARE(http.get(str("/admin/secrets/") + id).status, 503);
    const HttpReply unsealed = unsealOverHttp(server.url(), devPassword);
    QVERIFY2(unsealed.status == 200, unsealed.describe().constData());
    QCOMPARE(http.get(str("/admin/secrets/") + id).object().value(str("value")).toString(),
             str("dev-v"));

    QVERIFY(server.stop(signal));
    QVERIFY2(!QFileInfo::exists(devDir), qPrintable(devDir));
    QVERIFY2(QDir(tempRoot).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             "--dev left files in TMPDIR");
    QVERIFY2(QDir(workDir).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             "--dev left files in the working directory");
}

void TestE2eStartup::publicAddressWithoutTlsRefused_data()
{
    QTest::addColumn<QString>("flag");        // --listen value, or empty
    QTest::addColumn<QString>("environment"); // CORTEX_LISTEN, or empty
    QTest::addColumn<QString>("insecure");    // INSECURE_HTTP, or empty
    QTest::newRow("0.0.0.0") << str("0.0.0.0:0") << QString() << QString();
    QTest::newRow("[::]") << str("[::]:0") << QString() << QString();
    QTest::newRow("CORTEX_LISTEN") << QString() << str("0.0.0.0:0") << QString();
    QTest::newRow("INSECURE_HTTP=0") << str("0.0.0.0:0") << QString() << str("0");
}

void TestE2eStartup::publicAddressWithoutTlsRefused()
{
    QFETCH(QString, flag);
    QFETCH(QString, environment);
    QFETCH(QString, insecure);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    if (!environment.isEmpty())
        server.environment().insert(str("CORTEX_LISTEN"), environment);
    if (!insecure.isEmpty())
        server.environment().insert(str("INSECURE_HTTP"), insecure);
    QStringList arguments{str("--data-dir"), tmp.filePath(str("data"))};
    if (!flag.isEmpty())
        arguments << str("--listen") << flag;
    QVERIFY(server.runToExit(arguments));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY2(server.runStderr().contains("TLS_CERT_FILE"), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("listening on"));
}

void TestE2eStartup::publicAddressWithInsecureHttpStarts()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    server.environment().insert(str("INSECURE_HTTP"), str("1"));
    QVERIFY2(server.startWithArguments(
                 {str("--data-dir"), tmp.filePath(str("data")), str("--listen"), str("0.0.0.0:0")}),
             server.allOutput().constData());
    QCOMPARE(server.url().host(), str("0.0.0.0"));
    QUrl loopback = server.url();
    loopback.setHost(str("127.0.0.1"));
    QCOMPARE(healthStatus(loopback), 200);
    QVERIFY(server.stop());
}

void TestE2eStartup::ipv6Loopback()
{
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHostIPv6, 0))
            QSKIP("no IPv6 loopback on this machine");
    }
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    QVERIFY2(server.startWithArguments(
                 {str("--data-dir"), tmp.filePath(str("data")), str("--listen"), str("[::1]:0")}),
             server.allOutput().constData());
    QVERIFY2(server.runStdout().contains("listening on http://[::1]:"),
             server.runStdout().constData());
    QCOMPARE(healthStatus(server.url()), 200);
    QVERIFY(server.stop());
}

// With a certificate and key, a non-loopback address needs no INSECURE_HTTP: it serves HTTPS.
void TestE2eStartup::tlsOnPublicAddress()
{
    const QString openssl = QStandardPaths::findExecutable(str("openssl"));
    if (openssl.isEmpty())
        QSKIP("no openssl command to make a test certificate");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString cert = tmp.filePath(str("cert.pem"));
    const QString key = tmp.filePath(str("key.pem"));
    QProcess make;
    make.start(openssl, {str("req"), str("-x509"), str("-newkey"), str("ec"), str("-pkeyopt"),
                         str("ec_paramgen_curve:P-256"), str("-nodes"), str("-keyout"), key,
                         str("-out"), cert, str("-days"), str("2"), str("-subj"),
                         str("/CN=127.0.0.1"), str("-addext"), str("subjectAltName=IP:127.0.0.1")});
    QVERIFY(make.waitForFinished(ExitTimeoutMs));
    QVERIFY2(make.exitCode() == 0, make.readAllStandardError().constData());

    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    server.environment().insert(str("TLS_CERT_FILE"), cert);
    server.environment().insert(str("TLS_KEY_FILE"), key);
    QVERIFY2(server.startWithArguments(
                 {str("--data-dir"), tmp.filePath(str("data")), str("--listen"), str("0.0.0.0:0")}),
             server.allOutput().constData());
    QCOMPARE(server.url().scheme(), str("https"));

    HttpClient http;
    http.setBaseUrl(QUrl(QStringLiteral("https://127.0.0.1:%1").arg(server.port())));
    http.setCaCertificates(QSslCertificate::fromPath(cert));
    const HttpReply health = http.get(str("/health"));
    QVERIFY2(health.status == 200, health.describe().constData());
    // Plain HTTP on the TLS port gets no answer.
    HttpClient plain;
    plain.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port())));
    QVERIFY(plain.get(str("/health")).status != 200);
    QVERIFY(server.stop());
}

void TestE2eStartup::portInUseIsAnError()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    QVERIFY(server.runToExit({str("--data-dir"), tmp.filePath(str("data")), str("--listen"),
                              QStringLiteral("127.0.0.1:%1").arg(occupant.serverPort())}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY(!server.runStderr().trimmed().isEmpty());
    QVERIFY(!server.runStdout().contains("listening on"));
}

void TestE2eStartup::garbageListenIsUsageError_data()
{
    QTest::addColumn<QString>("listen");
    QTest::newRow("garbage") << str("garbage");
    QTest::newRow("no port") << str("127.0.0.1");
    QTest::newRow("empty port") << str("127.0.0.1:");
    QTest::newRow("port too large") << str("127.0.0.1:65536");
    QTest::newRow("negative port") << str("127.0.0.1:-1");
    QTest::newRow("bad host") << str("300.1.1.1:0");
}

void TestE2eStartup::garbageListenIsUsageError()
{
    QFETCH(QString, listen);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    QVERIFY(
        server.runToExit({str("--data-dir"), tmp.filePath(str("data")), str("--listen"), listen}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 2);
    QVERIFY2(server.runStderr().contains("--listen"), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("listening on"));
}

void TestE2eStartup::tlsNeedsCertAndKey_data()
{
    QTest::addColumn<QString>("given");
    QTest::addColumn<QByteArray>("missing");
    QTest::newRow("cert without key") << str("TLS_CERT_FILE") << QByteArray("TLS_KEY_FILE");
    QTest::newRow("key without cert") << str("TLS_KEY_FILE") << QByteArray("TLS_CERT_FILE");
}

void TestE2eStartup::tlsNeedsCertAndKey()
{
    QFETCH(QString, given);
    QFETCH(QByteArray, missing);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString pem = tmp.filePath(str("file.pem"));
    QVERIFY(writeFile(pem, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"));

    ServerProcess server(ServerBin, QString());
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("listen-policy-pw"));
    server.environment().insert(given, pem);
    QVERIFY(server.runToExit(
        {str("--data-dir"), tmp.filePath(str("data")), str("--listen"), str("127.0.0.1:0")}));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QVERIFY(server.exitCode() != 0);
    QVERIFY2(server.runStderr().contains(missing), server.runStderr().constData());
    QVERIFY(!server.runStdout().contains("listening on"));
}

QTEST_GUILESS_MAIN(TestE2eStartup)
#include "tst_e2e_startup.moc"
