// cortex-cli: command dispatch and `audit verify` run in-process through runCli (intact and
// tampered exports, every usage error, a JWKS from a file and from an http URL), and once as
// the built binary to check the exit statuses and output lines a script sees.

#include "AuditTestLog.h"
#include "CliMain.h"

#include <QFile>
#include <QNetworkProxy>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace cortex;
using namespace cortex::audit;
using namespace cortex::audit::testing;
using namespace Qt::StringLiterals;

namespace {

struct CliRun
{
    int status = -1;
    QString out;
    QString err;
};

CliRun run(const QStringList &args)
{
    CliRun r;
    QTextStream out(&r.out);
    QTextStream err(&r.err);
    r.status = cli::runCli(args, out, err);
    out.flush();
    err.flush();
    return r;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Serves one fixed body for GET /jwks.json and 404 for anything else, one request per
// connection; enough for QNetworkAccessManager.
class TinyHttpServer : public QTcpServer
{
public:
    explicit TinyHttpServer(QByteArray body) : m_body(std::move(body))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { answer(socket); });
            }
        });
    }

private:
    void answer(QTcpSocket *socket)
    {
        QByteArray &request = m_pending[socket];
        request += socket->readAll();
        if (!request.contains("\r\n\r\n"))
            return;
        const bool found = request.startsWith("GET /jwks.json ");
        const QByteArray body = found ? m_body : QByteArray("not found");
        socket->write((found ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
                      "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "_ba +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
        socket->disconnectFromHost();
        m_pending.remove(socket);
    }

    QByteArray m_body;
    QHash<QTcpSocket *, QByteArray> m_pending;
};

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void intactExport();
    void tamperedExport();
    void otherServersKeys();
    void reasonIsPrintable();
    void usageErrors_data();
    void usageErrors();
    void unreadableInput_data();
    void unreadableInput();
    void help();
    void jwksFromUrl();

    void binaryExitStatuses();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
    TestLog m_log;
    TestLog m_otherServer;
};

void TestCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The URL test talks to 127.0.0.1; a proxy from the environment must not get in the way.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);

    Stream stream = m_log.build(25, 5);
    QVERIFY(writeFile(path(u"intact.jsonl"_s), exportBytes(stream)));
    std::get<AuditRecord>(stream[14]).resource = u"edited"_s; // row 13 (after checkpoints 5, 10)
    QCOMPARE(std::get<AuditRecord>(stream[14]).seq, qint64(13));
    QVERIFY(writeFile(path(u"tampered.jsonl"_s), exportBytes(stream)));
    QVERIFY(writeFile(path(u"jwks.json"_s), QJsonDocument(m_log.jwks()).toJson()));
    QVERIFY(writeFile(path(u"other-jwks.json"_s), QJsonDocument(m_otherServer.jwks()).toJson()));
    QVERIFY(writeFile(path(u"not-json.json"_s), "{\"keys\":"));
    QVERIFY(writeFile(path(u"no-keys.json"_s), "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"x\"}]}"));
}

void TestCli::intactExport()
{
    const CliRun r =
        run({u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s), u"--jwks"_s, path(u"jwks.json"_s)});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, u"audit log intact: 25 rows, 5 checkpoints\n"_s);
    QCOMPARE(r.err, QString());

    // --jwks=VALUE and the option before the file work the same.
    const CliRun r2 = run(
        {u"audit"_s, u"verify"_s, u"--jwks="_s + path(u"jwks.json"_s), path(u"intact.jsonl"_s)});
    QCOMPARE(r2.status, 0);
}

void TestCli::tamperedExport()
{
    const CliRun r = run(
        {u"audit"_s, u"verify"_s, path(u"tampered.jsonl"_s), u"--jwks"_s, path(u"jwks.json"_s)});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.out.startsWith(u"audit log tampered: first bad seq 13: row 13 was altered"_s),
             qPrintable(r.out));
    QVERIFY(r.out.endsWith(u'\n'));
}

void TestCli::otherServersKeys()
{
    // The right format but another server's key: its checkpoints cannot be vouched for.
    const CliRun r = run({u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s), u"--jwks"_s,
                          path(u"other-jwks.json"_s)});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.out.startsWith(u"audit log tampered: first bad seq 1: "_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"unknown key"_s), qPrintable(r.out));
}

void TestCli::reasonIsPrintable()
{
    // A kid from the file shows up in the reason; terminal escapes in it must not.
    Stream stream = m_log.build(5, 5);
    std::get<Checkpoint>(stream.last()).kid = u"evil\x1b[2J\u202ekid"_s;
    QVERIFY(writeFile(path(u"evil-kid.jsonl"_s), exportBytes(stream)));
    const CliRun r = run(
        {u"audit"_s, u"verify"_s, path(u"evil-kid.jsonl"_s), u"--jwks"_s, path(u"jwks.json"_s)});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.out.contains(u"unknown key evil?[2J?kid"_s), qPrintable(r.out));
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("nothing") << QStringList{} << u"missing command"_s;
    QTest::newRow("unknown") << QStringList{u"frobnicate"_s} << u"unknown command"_s;
    QTest::newRow("group only") << QStringList{u"audit"_s} << u"unknown command"_s;
    QTest::newRow("unknown sub") << QStringList{u"audit"_s, u"prune"_s} << u"unknown command"_s;
    QTest::newRow("no export") << QStringList{u"audit"_s, u"verify"_s, u"--jwks"_s, u"j"_s}
                               << u"missing EXPORT"_s;
    QTest::newRow("two exports") << QStringList{u"audit"_s, u"verify"_s, u"a"_s,
                                                u"b"_s,     u"--jwks"_s, u"j"_s}
                                 << u"one EXPORT only"_s;
    QTest::newRow("no jwks") << QStringList{u"audit"_s, u"verify"_s, u"a"_s} << u"missing --jwks"_s;
    QTest::newRow("jwks without value")
        << QStringList{u"audit"_s, u"verify"_s, u"a"_s, u"--jwks"_s} << u"--jwks"_s;
    QTest::newRow("unknown option")
        << QStringList{u"audit"_s, u"verify"_s, u"a"_s, u"--jkws"_s, u"j"_s} << u"jkws"_s;
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const CliRun r = run(args);
    QCOMPARE(r.status, 2);
    QCOMPARE(r.out, QString());
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.err.contains(u"usage: cortex-cli"_s), qPrintable(r.err));
}

void TestCli::unreadableInput_data()
{
    QTest::addColumn<QString>("exportFile");
    QTest::addColumn<QString>("jwks");
    QTest::addColumn<QString>("message");
    const QString intact = path(u"intact.jsonl"_s);
    const QString jwks = path(u"jwks.json"_s);
    QTest::newRow("no export") << path(u"missing.jsonl"_s) << jwks << u"cannot read"_s;
    QTest::newRow("export is a dir") << m_dir.path() << jwks << u"cannot read"_s;
    QTest::newRow("no jwks") << intact << path(u"missing.json"_s) << u"cannot read"_s;
    QTest::newRow("jwks not json") << intact << path(u"not-json.json"_s) << u"not a JWKS"_s;
    QTest::newRow("jwks no usable key")
        << intact << path(u"no-keys.json"_s) << u"no usable Ed25519 key"_s;
}

void TestCli::unreadableInput()
{
    QFETCH(QString, exportFile);
    QFETCH(QString, jwks);
    QFETCH(QString, message);
    const CliRun r = run({u"audit"_s, u"verify"_s, exportFile, u"--jwks"_s, jwks});
    QCOMPARE(r.status, 2);
    QCOMPARE(r.out, QString());
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

void TestCli::help()
{
    CliRun r = run({u"--help"_s});
    QCOMPARE(r.status, 0);
    QVERIFY(r.out.contains(u"audit verify EXPORT --jwks FILE_OR_URL"_s));
    r = run({u"audit"_s, u"verify"_s, u"--help"_s});
    QCOMPARE(r.status, 0);
    QVERIFY(r.out.contains(u"Exit status: 0 intact, 1 tampered, 2"_s));
}

void TestCli::jwksFromUrl()
{
    TinyHttpServer server(QJsonDocument(m_log.jwks()).toJson());
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const QString base = u"http://127.0.0.1:%1"_s.arg(server.serverPort());

    CliRun r = run(
        {u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s), u"--jwks"_s, base + u"/jwks.json"_s});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, u"audit log intact: 25 rows, 5 checkpoints\n"_s);

    r = run(
        {u"audit"_s, u"verify"_s, path(u"tampered.jsonl"_s), u"--jwks"_s, base + u"/jwks.json"_s});
    QCOMPARE(r.status, 1);

    // A 404 is an unreachable key set, not a tampered log; user info never reaches the output.
    r = run({u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s), u"--jwks"_s,
             u"http://user:hunter2@127.0.0.1:%1/nope"_s.arg(server.serverPort())});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains(u"HTTP status 404"_s), qPrintable(r.err));
    QVERIFY(!r.err.contains(u"hunter2"_s));
}

void TestCli::binaryExitStatuses()
{
    const auto runBinary = [](const QStringList &args, const QString &stdinFile = {}) {
        QProcess process;
        if (!stdinFile.isEmpty())
            process.setStandardInputFile(stdinFile);
        process.start(QStringLiteral(CORTEX_CLI_BINARY), args);
        const bool finished = process.waitForFinished(60'000);
        CliRun r;
        r.status =
            finished && process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        r.out = QString::fromUtf8(process.readAllStandardOutput());
        r.err = QString::fromUtf8(process.readAllStandardError());
        return r;
    };
    const QString jwks = path(u"jwks.json"_s);

    CliRun r = runBinary({u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s), u"--jwks"_s, jwks});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, u"audit log intact: 25 rows, 5 checkpoints\n"_s);

    r = runBinary({u"audit"_s, u"verify"_s, u"-"_s, u"--jwks"_s, jwks}, path(u"intact.jsonl"_s));
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, u"audit log intact: 25 rows, 5 checkpoints\n"_s);

    r = runBinary({u"audit"_s, u"verify"_s, path(u"tampered.jsonl"_s), u"--jwks"_s, jwks});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.out.startsWith(u"audit log tampered: first bad seq 13: "_s), qPrintable(r.out));

    r = runBinary({u"audit"_s, u"verify"_s, path(u"intact.jsonl"_s)});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains(u"missing --jwks"_s), qPrintable(r.err));

    r = runBinary({u"run"_s});
    QCOMPARE(r.status, 2);
    QVERIFY(r.err.contains(u"unknown command"_s));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
