#include "ServiceFixture.h"

#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QMutex>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <algorithm>
#include <exception>

namespace cortex::test {

namespace {

QByteArray findHeader(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool hasHeaderIn(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QJsonValue parseJson(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    if (doc.isObject())
        return doc.object();
    if (doc.isArray())
        return doc.array();
    return QJsonValue(QJsonValue::Undefined);
}

QtMessageHandler g_previousHandler = nullptr;

// The server logs from its I/O threads too: every use of the lines holds this.
QMutex g_logMutex;

QStringList &logLines()
{
    static QStringList lines;
    return lines;
}

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QMutexLocker lock(&g_logMutex);
    logLines().append(message);
    static const bool verbose = qEnvironmentVariableIsSet("CORTEX_TEST_VERBOSE");
    if (g_previousHandler && (verbose || (type != QtDebugMsg && type != QtInfoMsg)))
        g_previousHandler(type, context, message);
}

// Installed once, after Qt Test has installed its own handler (which it then still gets).
void installLogCapture()
{
    static bool installed = false;
    if (installed)
        return;
    installed = true;
    g_previousHandler = qInstallMessageHandler(captureMessage);
}

} // namespace

QStringList capturedLog()
{
    const QMutexLocker lock(&g_logMutex);
    return logLines();
}

bool logContains(const QString &text)
{
    const QStringList lines = capturedLog();
    for (const QString &line : lines) {
        if (line.contains(text))
            return true;
    }
    return false;
}

// ---- HttpReply ------------------------------------------------------------------------------

QByteArray HttpReply::header(QByteArrayView name) const
{
    return findHeader(headers, name);
}

bool HttpReply::hasHeader(QByteArrayView name) const
{
    return hasHeaderIn(headers, name);
}

QJsonValue HttpReply::json() const
{
    return parseJson(body);
}

QJsonObject HttpReply::object() const
{
    return json().toObject();
}

QJsonArray HttpReply::array() const
{
    return json().toArray();
}

QByteArray HttpReply::describe() const
{
    QByteArray text = QByteArray::number(status) + ' ' + body.left(600);
    if (status == 0)
        text += " (network error " + QByteArray::number(networkError) + ": " +
                errorString.toUtf8() + ')';
    return text;
}

// ---- HttpClient -----------------------------------------------------------------------------

HttpClient::HttpClient(QString baseUrl) : m_base(std::move(baseUrl)) {}

HttpReply HttpClient::send(const QByteArray &method, const QString &pathAndQuery,
                           const QByteArray &body, Auth auth, const HeaderList &extraHeaders)
{
    QNetworkRequest request{QUrl(m_base + pathAndQuery)};
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(WaitLimitMs);
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    if (auth == Auth::Admin)
        request.setRawHeader("X-Admin-Token", m_token);
    for (const auto &[name, value] : extraHeaders)
        request.setRawHeader(name, value);

    QNetworkReply *reply = nullptr;
    if (method == "GET")
        reply = m_nam.get(request);
    else if (method == "HEAD")
        reply = m_nam.head(request);
    else
        reply = m_nam.sendCustomRequest(request, method, body);
    if (!m_expectedSslErrors.isEmpty())
        reply->ignoreSslErrors(m_expectedSslErrors);

    if (!reply->isFinished()) {
        QEventLoop loop;
        QTimer limit;
        limit.setSingleShot(true);
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QObject::connect(&limit, &QTimer::timeout, &loop, &QEventLoop::quit);
        limit.start(WaitLimitMs);
        loop.exec();
        if (!reply->isFinished())
            reply->abort();
    }

    HttpReply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.networkError = int(reply->error());
    result.errorString = reply->errorString();
    result.headers = reply->rawHeaderPairs();
    result.body = reply->readAll();
    m_lastSsl = reply->sslConfiguration();
    reply->deleteLater();
    return result;
}

HttpReply HttpClient::get(const QString &pathAndQuery, Auth auth)
{
    return send("GET", pathAndQuery, {}, auth);
}

HttpReply HttpClient::post(const QString &pathAndQuery, const QJsonObject &body, Auth auth)
{
    return send("POST", pathAndQuery, toJson(body), auth);
}

HttpReply HttpClient::put(const QString &pathAndQuery, const QJsonObject &body, Auth auth)
{
    return send("PUT", pathAndQuery, toJson(body), auth);
}

HttpReply HttpClient::del(const QString &pathAndQuery, Auth auth)
{
    return send("DELETE", pathAndQuery, {}, auth);
}

// ---- RawResponse / RawConnection --------------------------------------------------------------

QByteArray RawResponse::header(QByteArrayView name) const
{
    return findHeader(headers, name);
}

bool RawResponse::hasHeader(QByteArrayView name) const
{
    return hasHeaderIn(headers, name);
}

QJsonObject RawResponse::object() const
{
    return parseJson(body).toObject();
}

QByteArray RawResponse::describe() const
{
    return QByteArray::number(status) + ' ' + body.left(600);
}

RawConnection::RawConnection(quint16 port, std::optional<QList<QSslError>> tlsExpectedErrors)
{
    // Collect at the moment data arrives, so nothing is lost when a close follows at once.
    QObject::connect(&m_socket, &QIODevice::readyRead, &m_socket, [this] { collect(); });
    if (tlsExpectedErrors) {
        m_socket.ignoreSslErrors(*tlsExpectedErrors);
        m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        spinUntil([this] { return m_socket.isEncrypted() || isClosed(); }, WaitLimitMs);
        m_connected = m_socket.isEncrypted();
        return;
    }
    m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    spinUntil(
        [this] {
            return m_socket.state() == QAbstractSocket::ConnectedState ||
                   m_socket.state() == QAbstractSocket::UnconnectedState;
        },
        WaitLimitMs);
    m_connected = m_socket.state() == QAbstractSocket::ConnectedState;
}

void RawConnection::collect()
{
    if (m_socket.bytesAvailable() > 0)
        m_buffer += m_socket.readAll();
}

bool RawConnection::isClosed() const
{
    return m_socket.state() == QAbstractSocket::UnconnectedState;
}

bool RawConnection::spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        collect();
        if (done())
            return true;
        if (deadline.hasExpired())
            return false;
        QEventLoop loop;
        QTimer tick;
        tick.setSingleShot(true);
        QObject::connect(&tick, &QTimer::timeout, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QIODevice::bytesWritten, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QAbstractSocket::stateChanged, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QSslSocket::encrypted, &loop, &QEventLoop::quit);
        tick.start(int(std::clamp<qint64>(deadline.remainingTime(), 1, 20)));
        loop.exec();
    }
}

void RawConnection::write(QByteArrayView bytes)
{
    m_socket.write(bytes.data(), bytes.size());
}

bool RawConnection::flush(int timeoutMs)
{
    return spinUntil([this] { return m_socket.bytesToWrite() == 0 || isClosed(); }, timeoutMs) &&
           m_socket.bytesToWrite() == 0;
}

void RawConnection::pump(int ms)
{
    spinUntil([] { return false; }, ms);
}

std::optional<RawResponse> RawConnection::readResponse(bool headRequest, int timeoutMs)
{
    RawResponse response;
    qsizetype consumed = -1;
    const auto tryParse = [&]() -> bool {
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
        for (QByteArray &line : lines) {
            if (line.endsWith('\r'))
                line.chop(1);
        }
        const QList<QByteArray> statusLine = lines.value(0).split(' ');
        if (statusLine.size() < 2 || !statusLine[0].startsWith("HTTP/1."))
            return false;
        response = RawResponse{};
        response.status = statusLine[1].toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                response.headers.append(
                    {lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed()});
        }
        qint64 length = response.header("Content-Length").toLongLong();
        if (headRequest || response.status == 204 || response.status == 304 ||
            response.status / 100 == 1)
            length = 0;
        if (m_buffer.size() < headEnd + 4 + length)
            return false;
        response.body = m_buffer.mid(headEnd + 4, length);
        consumed = headEnd + 4 + length;
        return true;
    };
    spinUntil([&] { return tryParse() || isClosed(); }, timeoutMs);
    if (consumed < 0 && !tryParse())
        return std::nullopt;
    m_buffer.remove(0, consumed);
    return response;
}

bool RawConnection::waitForClosed(int timeoutMs)
{
    return spinUntil([this] { return isClosed(); }, timeoutMs);
}

// ---- TestServer -----------------------------------------------------------------------------

TestServer::TestServer(http::HttpLimits limits) : m_limits(limits) {}

TestServer::~TestServer() = default;

bool TestServer::start(QString *error, std::optional<QSslConfiguration> tls)
{
    installLogCapture();
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary directory: ") + m_dir.errorString();
        return false;
    }
    try {
        m_server = std::make_unique<VaultServer>(m_dir.filePath(QStringLiteral("data")), m_clock,
                                                 m_limits);
        m_token = m_server->initialize(crypto::SecureBytes::copyOf(password()),
                                       crypto::KdfProfile::Interactive);
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what());
        return false;
    }
    if (m_token.isEmpty()) {
        *error = QStringLiteral("initialize() returned no admin token");
        return false;
    }
    if (!m_server->listen(QHostAddress(QHostAddress::LocalHost), 0, std::move(tls), error))
        return false;
    m_http.setBaseUrl(m_server->url());
    m_http.setAdminToken(m_token);
    return true;
}

bool TestServer::startUninitialized(QString *error)
{
    installLogCapture();
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary directory: ") + m_dir.errorString();
        return false;
    }
    return restart(error);
}

bool TestServer::restart(QString *error)
{
    m_server.reset();
    try {
        m_server = std::make_unique<VaultServer>(m_dir.filePath(QStringLiteral("data")), m_clock,
                                                 m_limits);
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what());
        return false;
    }
    if (!m_server->listen(QHostAddress(QHostAddress::LocalHost), 0, std::nullopt, error))
        return false;
    m_http.setBaseUrl(m_server->url());
    return true;
}

// ---- helpers --------------------------------------------------------------------------------

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray rawRequest(const QByteArray &method, const QByteArray &target, const HeaderList &headers,
                      const QByteArray &body)
{
    QByteArray r = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &[name, value] : headers)
        r += name + ": " + value + "\r\n";
    if (!body.isEmpty())
        r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

QString routeName(const http::Route &route)
{
    return QString::fromLatin1(route.method) + QStringLiteral(" /") + route.segments.join(u'/');
}

QString pathMatching(const http::Route &route)
{
    QStringList segments = route.segments;
    for (QString &segment : segments)
        if (segment.startsWith(u'{'))
            segment = QStringLiteral("x");
    return u'/' + segments.join(u'/');
}

QSet<QString> routeNames(const std::vector<http::Route> &routes,
                         const std::function<bool(const http::Route &)> &selected)
{
    QSet<QString> names;
    for (const http::Route &route : routes)
        if (selected(route))
            names.insert(routeName(route));
    return names;
}

QString setDifference(const QSet<QString> &actual, const QSet<QString> &expected)
{
    QStringList onlyActual = (actual - expected).values();
    QStringList onlyExpected = (expected - actual).values();
    onlyActual.sort();
    onlyExpected.sort();
    QString text;
    if (!onlyActual.isEmpty())
        text += QStringLiteral("found but not expected: ") + onlyActual.join(QStringLiteral(", "));
    if (!onlyExpected.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral("; ")) +
                QStringLiteral("expected but not found: ") +
                onlyExpected.join(QStringLiteral(", "));
    return text;
}

bool containsKeyDeep(const QJsonValue &value, const QString &key)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.contains(key))
            return true;
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (containsKeyDeep(it.value(), key))
                return true;
        }
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray()) {
            if (containsKeyDeep(item, key))
                return true;
        }
    }
    return false;
}

} // namespace cortex::test
