#include "E2eSupport.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlRecord>
#include <QSslConfiguration>
#include <QTest>
#include <algorithm>
#include <csignal>
#include <sys/stat.h>

namespace cortex::e2e {

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &name :
         {QStringLiteral("CORTEX_KEK_PASSWORD"), QStringLiteral("CORTEX_DATA_DIR"),
          QStringLiteral("CORTEX_LISTEN"), QStringLiteral("ADMIN_TOKEN"),
          QStringLiteral("TLS_CERT_FILE"), QStringLiteral("TLS_KEY_FILE"),
          QStringLiteral("INSECURE_HTTP"), QStringLiteral("CREDENTIALS_DIRECTORY")})
        env.remove(name);
    if (env.value(QStringLiteral("CORTEX_KDF_PROFILE")).isEmpty())
        env.insert(QStringLiteral("CORTEX_KDF_PROFILE"), QStringLiteral("interactive"));
    return env;
}

QString randomHex(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    for (char &c : raw)
        c = char(QRandomGenerator::system()->bounded(256));
    return QString::fromLatin1(raw.toHex());
}

// ---- HTTP ---------------------------------------------------------------------------------

QJsonObject HttpReply::object() const
{
    return QJsonDocument::fromJson(body).object();
}

QJsonArray HttpReply::array() const
{
    return QJsonDocument::fromJson(body).array();
}

QString HttpReply::errorCode() const
{
    return object().value(QStringLiteral("error_code")).toString();
}

QByteArray HttpReply::describe() const
{
    return QByteArray::number(status) + ' ' + body.left(400);
}

HttpClient::HttpClient()
{
    m_manager.setProxy(QNetworkProxy::NoProxy);
}

void HttpClient::setCaCertificates(const QList<QSslCertificate> &certificates)
{
    m_ca = certificates;
}

QNetworkReply *HttpClient::start(const QByteArray &verb, const QString &pathAndQuery,
                                 const QByteArray &body)
{
    QUrl url = m_base;
    const qsizetype question = pathAndQuery.indexOf(u'?');
    url.setPath(question < 0 ? pathAndQuery : pathAndQuery.left(question));
    if (question >= 0)
        url.setQuery(pathAndQuery.mid(question + 1));
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!m_ca.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(m_ca);
        request.setSslConfiguration(tls);
    }
    if (!m_token.isEmpty())
        request.setRawHeader("X-Admin-Token", m_token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    return m_manager.sendCustomRequest(request, verb, body);
}

HttpReply HttpClient::collect(QNetworkReply *reply)
{
    if (!reply->isFinished() &&
        !QTest::qWaitFor([reply] { return reply->isFinished(); }, RequestTimeoutMs))
        reply->abort();
    HttpReply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.networkError = reply->error();
    result.body = reply->readAll();
    reply->deleteLater();
    return result;
}

HttpReply HttpClient::send(const QByteArray &verb, const QString &pathAndQuery,
                           const QByteArray &body)
{
    return collect(start(verb, pathAndQuery, body));
}

HttpReply HttpClient::get(const QString &pathAndQuery)
{
    return send("GET", pathAndQuery, {});
}

HttpReply HttpClient::post(const QString &path, const QJsonObject &body)
{
    return send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

HttpReply HttpClient::put(const QString &path, const QJsonObject &body)
{
    return send("PUT", path, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

HttpReply HttpClient::del(const QString &path)
{
    return send("DELETE", path, {});
}

// ---- the server process -------------------------------------------------------------------

ServerProcess::ServerProcess(QString program, QString dataDir)
    : m_program(std::move(program)), m_dataDir(std::move(dataDir)), m_env(cleanEnvironment())
{
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &ServerProcess::drain);
    connect(&m_process, &QProcess::readyReadStandardError, this, &ServerProcess::drain);
}

ServerProcess::~ServerProcess()
{
    if (isRunning()) {
        m_process.kill();
        m_process.waitForFinished(ExitTimeoutMs);
    }
}

void ServerProcess::drain()
{
    const QByteArray out = m_process.readAllStandardOutput();
    const QByteArray err = m_process.readAllStandardError();
    m_stdout += out;
    m_stderr += err;
    m_all += out;
    m_all += err;
}

QStringList ServerProcess::defaultArguments(const QStringList &extra) const
{
    QStringList all;
    if (!m_dataDir.isEmpty())
        all << QStringLiteral("--data-dir") << m_dataDir;
    all << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:0") << extra;
    return all;
}

bool ServerProcess::start(const QStringList &arguments)
{
    return startWithArguments(defaultArguments(arguments));
}

bool ServerProcess::startWithArguments(const QStringList &arguments)
{
    return launch(arguments) && waitUntilListening();
}

bool ServerProcess::launch(const QStringList &arguments)
{
    if (isRunning())
        kill();
    m_stdout.clear();
    m_stderr.clear();
    m_url.clear();
    m_process.setProcessEnvironment(m_env);
    m_process.setProgram(m_program);
    m_process.setArguments(arguments);
    m_process.start();
    return m_process.waitForStarted(StartTimeoutMs);
}

bool ServerProcess::waitUntilListening()
{
    static const QRegularExpression listening(QStringLiteral("listening on (https?://\\S+)"));
    const bool up = QTest::qWaitFor(
        [this] {
            drain();
            return listening.match(QString::fromUtf8(m_stdout)).hasMatch() || !isRunning();
        },
        StartTimeoutMs);
    drain();
    const QRegularExpressionMatch match = listening.match(QString::fromUtf8(m_stdout));
    if (!up || !match.hasMatch())
        return false;
    m_url = QUrl(match.captured(1));
    return isRunning();
}

bool ServerProcess::runToExit(const QStringList &arguments)
{
    if (!launch(arguments))
        return false;
    if (waitForExit())
        return true;
    kill();
    return false;
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    const bool exited = QTest::qWaitFor([this] { return !isRunning(); }, timeoutMs);
    drain();
    return exited;
}

bool ServerProcess::stop(int signal)
{
    if (!isRunning())
        return false;
    ::kill(pid_t(m_process.processId()), signal);
    const bool exited = waitForExit();
    if (!exited)
        kill();
    const bool clean =
        exited && m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    if (!clean) // say why: a failed stop is otherwise only "returned FALSE"
        qWarning().noquote() << "server did not stop cleanly:"
                             << (exited ? QStringLiteral("exit status %1, code %2")
                                              .arg(int(m_process.exitStatus()))
                                              .arg(m_process.exitCode())
                                        : QStringLiteral("still running, killed"))
                             << "\nits stderr ends:\n"
                             << QString::fromUtf8(m_stderr.right(4000));
    return clean;
}

void ServerProcess::kill()
{
    if (!isRunning())
        return;
    m_process.kill();
    waitForExit();
}

bool ServerProcess::waitForOutputLine(const QList<QByteArray> &parts, int timeoutMs)
{
    const auto present = [this, &parts] {
        drain();
        for (const QByteArray &stream : {m_stdout, m_stderr}) {
            for (const QByteArray &line : stream.split('\n')) {
                if (std::all_of(parts.begin(), parts.end(),
                                [&line](const QByteArray &part) { return line.contains(part); }))
                    return true;
            }
        }
        return false;
    };
    return present() || QTest::qWaitFor(present, timeoutMs);
}

QByteArray ServerProcess::lineContaining(const QByteArray &text) const
{
    for (const QByteArray &stream : {m_stdout, m_stderr}) {
        for (const QByteArray &line : stream.split('\n')) {
            if (line.contains(text))
                return line;
        }
    }
    return {};
}

QByteArray ServerProcess::printedAdminToken() const
{
    for (const QByteArray &line : m_stdout.split('\n')) {
        if (line.startsWith("admin token")) {
            const QList<QByteArray> words = line.simplified().split(' ');
            return words.isEmpty() ? QByteArray() : words.last();
        }
    }
    return {};
}

// ---- the store file -----------------------------------------------------------------------

StoreFile::StoreFile(const QString &dataDir)
{
    const QString path = dataDir + QStringLiteral("/cortex.db");
    // Never create a store: the server must have made it.
    if (!QFileInfo(path).isFile()) {
        m_error = path + QStringLiteral(" does not exist");
        return;
    }
    m_connection = std::make_unique<cortex::test::SideConnection>(path, 10000);
    if (!m_connection->isOpen())
        m_error = m_connection->error();
}

StoreFile::~StoreFile() = default;

bool StoreFile::isOpen() const
{
    return m_connection && m_connection->isOpen();
}

std::vector<QVariantList> StoreFile::query(const QString &sql, const QVariantList &values)
{
    std::vector<QVariantList> rows;
    if (!m_connection)
        return rows;
    const QList<QSqlRecord> records = m_connection->rows(sql, values);
    m_error = m_connection->error();
    for (const QSqlRecord &record : records) {
        QVariantList row;
        for (int i = 0; i < record.count(); ++i)
            row << record.value(i);
        rows.push_back(row);
    }
    return rows;
}

bool StoreFile::updateOne(const QString &sql, const QVariantList &values)
{
    if (!m_connection)
        return false;
    if (!m_connection->exec(sql, values)) {
        m_error = m_connection->error();
        return false;
    }
    if (m_connection->changedRows() != 1) {
        m_error = QStringLiteral("changed %1 rows, not 1").arg(m_connection->changedRows());
        return false;
    }
    return true;
}

// ---- files --------------------------------------------------------------------------------

QStringList filesBelow(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    return files;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(content) == content.size() && file.flush();
}

QStringList filesContaining(const QString &dir, const QByteArray &needle)
{
    QStringList hits;
    for (const QString &path : filesBelow(dir)) {
        if (readFile(path).contains(needle))
            hits << path;
    }
    return hits;
}

namespace {

// The base64 characters that depend only on `value` when it starts `shift` bytes into a
// longer encoded stream.
QByteArray alignedBase64(const QByteArray &value, int shift, QByteArray::Base64Options options)
{
    const QByteArray encoded =
        (QByteArray(shift, '\0') + value).toBase64(options | QByteArray::OmitTrailingEquals);
    const qsizetype first = (8 * shift + 5) / 6;            // first char made of value bits only
    const qsizetype end = (8 * (shift + value.size())) / 6; // one past the last such char
    return encoded.mid(first, end - first);
}

} // namespace

std::vector<std::pair<QByteArray, QByteArray>> encodedForms(const QByteArray &value)
{
    std::vector<std::pair<QByteArray, QByteArray>> forms;
    forms.emplace_back("utf8", value);
    const QString text = QString::fromUtf8(value);
    forms.emplace_back("utf16le",
                       QByteArray(reinterpret_cast<const char *>(text.utf16()), text.size() * 2));
    forms.emplace_back("hex", value.toHex());
    forms.emplace_back("HEX", value.toHex().toUpper());
    for (int shift = 0; shift < 3; ++shift) {
        forms.emplace_back("base64@" + QByteArray::number(shift),
                           alignedBase64(value, shift, QByteArray::Base64Encoding));
        forms.emplace_back("base64url@" + QByteArray::number(shift),
                           alignedBase64(value, shift, QByteArray::Base64UrlEncoding));
    }
    return forms;
}

QStringList formsFoundIn(const QByteArray &haystack, const QByteArray &value)
{
    QStringList found;
    for (const auto &[label, needle] : encodedForms(value)) {
        if (haystack.contains(needle))
            found << QString::fromLatin1(label);
    }
    return found;
}

QStringList formsFoundBelow(const QString &dir, const QByteArray &value)
{
    QStringList found;
    for (const QString &path : filesBelow(dir)) {
        const QByteArray content = readFile(path);
        for (const QString &label : formsFoundIn(content, value))
            found << path + QStringLiteral(": ") + label;
    }
    return found;
}

int fileMode(const QString &path)
{
    struct stat st
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

} // namespace cortex::e2e
