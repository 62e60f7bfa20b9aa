// Helpers for the end-to-end tests: the built cortex-server as a child process, a blocking
// HTTP client over QNetworkAccessManager, direct access to the SQLite store for tamper tests,
// and byte searches over a data directory.
#pragma once

#include "SideConnection.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QProcess>
#include <QSslCertificate>
#include <QStringList>
#include <QUrl>
#include <QVariantList>
#include <csignal>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace cortex::e2e {

// Generous upper bounds for waits; no test asserts that anything is fast.
inline constexpr int StartTimeoutMs = 120 * 1000;
inline constexpr int ExitTimeoutMs = 60 * 1000;
inline constexpr int RequestTimeoutMs = 60 * 1000;

// The inherited environment without anything cortex-server reads (so each test states what it
// sets), with CORTEX_KDF_PROFILE=interactive kept or added so Argon2id stays cheap.
QProcessEnvironment cleanEnvironment();

// A random string of `bytes` random bytes in lowercase hex.
QString randomHex(int bytes);

struct HttpReply
{
    int status = 0; // 0 when no HTTP answer arrived (refused, reset, timed out)
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QByteArray body;

    QJsonObject object() const;
    QJsonArray array() const;
    QString errorCode() const;
    // For failure messages: "STATUS BODY".
    QByteArray describe() const;
};

class HttpClient
{
public:
    HttpClient();

    void setBaseUrl(const QUrl &url) { m_base = url; }
    QUrl baseUrl() const { return m_base; }
    void setAdminToken(const QByteArray &token) { m_token = token; }
    // For https: trust exactly these certificates.
    void setCaCertificates(const QList<QSslCertificate> &certificates);

    HttpReply get(const QString &pathAndQuery);
    HttpReply post(const QString &path, const QJsonObject &body);
    HttpReply put(const QString &path, const QJsonObject &body);
    HttpReply del(const QString &path);
    HttpReply send(const QByteArray &verb, const QString &pathAndQuery, const QByteArray &body);

    // Starts a request and returns at once; the caller owns the reply.
    QNetworkReply *start(const QByteArray &verb, const QString &pathAndQuery,
                         const QByteArray &body);
    static HttpReply collect(QNetworkReply *reply);

private:
    QNetworkAccessManager m_manager;
    QUrl m_base;
    QByteArray m_token;
    QList<QSslCertificate> m_ca;
};

// One cortex-server child process (restartable). Its stdin is a pipe, not a terminal, unless a
// test gives it one through setChildProcessModifier().
class ServerProcess : public QObject
{
    Q_OBJECT
public:
    // dataDir empty: no --data-dir argument (for --dev).
    ServerProcess(QString program, QString dataDir);
    ~ServerProcess() override;

    QProcessEnvironment &environment() { return m_env; }
    void setWorkingDirectory(const QString &dir) { m_process.setWorkingDirectory(dir); }

    // Starts `cortex-server [--data-dir DIR] --listen 127.0.0.1:0 ARGS` and waits until it
    // prints "listening on URL" (true) or exits (false).
    bool start(const QStringList &arguments = {});
    // The same with exactly these arguments.
    bool startWithArguments(const QStringList &arguments);
    // The two halves of startWithArguments(), for tests that talk to it while it starts.
    bool launch(const QStringList &arguments);
    bool waitUntilListening();
    // [--data-dir DIR] --listen 127.0.0.1:0 EXTRA
    QStringList defaultArguments(const QStringList &extra = {}) const;
    // Runs in the child between fork and exec (e.g. to give it a terminal as stdin).
    void setChildProcessModifier(const std::function<void()> &modifier)
    {
        m_process.setChildProcessModifier(modifier);
    }
    // Runs to completion: for invocations that must exit on their own. False if it kept running.
    bool runToExit(const QStringList &arguments);

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    // SIGTERM (or another signal); true when it exited on its own with code 0.
    bool stop(int signal = SIGTERM);
    // SIGKILL and wait until it is gone.
    void kill();
    bool waitForExit(int timeoutMs = ExitTimeoutMs);

    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    qint64 pid() const { return m_process.processId(); }

    QUrl url() const { return m_url; }
    quint16 port() const { return quint16(m_url.port()); }
    // Output of the current (or last) run, and of every run of this object together.
    QByteArray runStdout() const { return m_stdout; }
    QByteArray runStderr() const { return m_stderr; }
    QByteArray allOutput() const { return m_all; }
    // Waits until this run's output has a line containing all of `parts`; true if it came.
    bool waitForOutputLine(const QList<QByteArray> &parts, int timeoutMs = RequestTimeoutMs);
    // The line of this run's stdout/stderr that contains `text`, or empty.
    QByteArray lineContaining(const QByteArray &text) const;
    // The token printed on the "admin token" line of this run (its last word), or empty.
    QByteArray printedAdminToken() const;

private:
    void drain();

    QString m_program;
    QString m_dataDir;
    QProcessEnvironment m_env;
    QProcess m_process;
    QUrl m_url;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QByteArray m_all;
};

// A connection of its own (SideConnection) to DATA_DIR/cortex.db.
// Write through it only while the server is stopped; reading while it runs is fine (WAL).
class StoreFile
{
public:
    explicit StoreFile(const QString &dataDir);
    ~StoreFile();
    StoreFile(const StoreFile &) = delete;
    StoreFile &operator=(const StoreFile &) = delete;

    bool isOpen() const;
    // Runs one statement; returns the rows (each a list of column values). On error the
    // error text is in lastError() and the result is empty.
    std::vector<QVariantList> query(const QString &sql, const QVariantList &values = {});
    // Runs one statement that must change exactly one row.
    bool updateOne(const QString &sql, const QVariantList &values);
    QString lastError() const { return m_error; }

private:
    std::unique_ptr<cortex::test::SideConnection> m_connection; // null when there is no store
    QString m_error;
};

// Every regular file below dir, recursively (hidden files included).
QStringList filesBelow(const QString &dir);
// The files below dir whose bytes contain needle.
QStringList filesContaining(const QString &dir, const QByteArray &needle);
// The encodings under which a value could end up in a file or a log: UTF-8, UTF-16LE, hex
// (both cases), and base64 / base64url at all three alignments (only the characters that the
// value alone determines). Each with a label for failure messages.
std::vector<std::pair<QByteArray, QByteArray>> encodedForms(const QByteArray &value);
// Labels of the forms of `value` found in haystack, e.g. "utf8", "base64@1".
QStringList formsFoundIn(const QByteArray &haystack, const QByteArray &value);
// "file: form" for every form of value found in any file below dir.
QStringList formsFoundBelow(const QString &dir, const QByteArray &value);

// st_mode & 07777 of a path (without following a final symlink), or -1.
int fileMode(const QString &path);

// Writes bytes to a file; true on success.
bool writeFile(const QString &path, const QByteArray &content);
QByteArray readFile(const QString &path);

} // namespace cortex::e2e
