// HTTPS: a self-signed EC certificate made with openssl, loaded with loadTlsConfiguration(),
// served by the real server and used by QNetworkAccessManager.

#include "ServiceFixture.h"
#include "http/TlsSettings.h"

#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QTest>

using namespace cortex::test;
using Auth = HttpClient::Auth;

namespace {

// Makes cert.pem and key.pem (P-256, self-signed for IP 127.0.0.1) in dir with the openssl
// tool. Returns an error text, or an empty string.
QString makeCertificate(const QString &dir, const QString &name)
{
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), dir + u'/' + name + QStringLiteral("-key.pem"),
                   QStringLiteral("-out"), dir + u'/' + name + QStringLiteral("-cert.pem"),
                   QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    // Blocking is fine here: no server is involved in making the certificate.
    if (!openssl.waitForStarted(WaitLimitMs))
        return QStringLiteral("cannot run openssl: ") + openssl.errorString();
    if (!openssl.waitForFinished(WaitLimitMs) || openssl.exitStatus() != QProcess::NormalExit ||
        openssl.exitCode() != 0)
        return QStringLiteral("openssl failed: ") + QString::fromLocal8Bit(openssl.readAll());
    return {};
}

} // namespace

class TestTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void urlIsHttps();
    void httpsRequestsWork();
    void untrustedCertificateIsRefused();
    void plainHttpToTlsPortFails();
    void limitsApplyInsideTls();
    void handshakeMustFinishInTime();
    void completedHandshakeIsNotCutOff();
    void loadTlsConfigurationReportsBadFiles();

private:
    QString path(const QString &file) const { return m_dir.filePath(file); }

    QTemporaryDir m_dir;
    QSslCertificate m_cert;
    QSslCertificate m_otherCert;
    QSslConfiguration m_tls;
    TestServer m_server;
};

void TestTls::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error = makeCertificate(m_dir.path(), QStringLiteral("server"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = makeCertificate(m_dir.path(), QStringLiteral("other"));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    const auto tls = cortex::http::loadTlsConfiguration(
        path(QStringLiteral("server-cert.pem")), path(QStringLiteral("server-key.pem")), &error);
    QVERIFY2(tls.has_value(), qPrintable(error));
    const QList<QSslCertificate> certs =
        QSslCertificate::fromPath(path(QStringLiteral("server-cert.pem")));
    QCOMPARE(certs.size(), 1);
    m_cert = certs.first();
    m_otherCert = QSslCertificate::fromPath(path(QStringLiteral("other-cert.pem"))).value(0);
    QVERIFY(!m_otherCert.isNull());

    m_tls = *tls;
    QVERIFY2(m_server.start(&error, tls), qPrintable(error));
    m_server.http().setExpectedSslErrors({QSslError(QSslError::SelfSignedCertificate, m_cert)});
}

void TestTls::urlIsHttps()
{
    QVERIFY2(m_server.url().startsWith(QStringLiteral("https://127.0.0.1:")),
             qPrintable(m_server.url()));
}

void TestTls::httpsRequestsWork()
{
    const HttpReply status = m_server.http().get(QStringLiteral("/sys/seal-status"), Auth::None);
    CHECK_STATUS(status, 200);
    QCOMPARE(status.object().value(QStringLiteral("sealed")), QJsonValue(false));
    QCOMPARE(m_server.http().lastSslConfiguration().peerCertificate(), m_cert);
    const QSsl::SslProtocol protocol = m_server.http().lastSslConfiguration().sessionProtocol();
    QVERIFY(protocol == QSsl::TlsV1_2 || protocol == QSsl::TlsV1_3);

    const HttpReply created = m_server.http().post(
        QStringLiteral("/admin/secrets"), {{QStringLiteral("key_path"), QStringLiteral("tls/key")},
                                           {QStringLiteral("value"), QStringLiteral("over tls")}});
    CHECK_STATUS(created, 201);
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") +
                                              created.object().value(u"id").toString());
    CHECK_STATUS(got, 200);
    QCOMPARE(got.object().value(u"value"), QJsonValue(QStringLiteral("over tls")));
    QVERIFY(got.hasHeader("X-Request-Id"));
}

void TestTls::untrustedCertificateIsRefused()
{
    // A client that trusts nothing extra refuses the self-signed certificate...
    HttpClient strict(m_server.url());
    const HttpReply refused = strict.get(QStringLiteral("/health"), Auth::None);
    QCOMPARE(refused.status, 0);
    QCOMPARE(refused.networkError, int(QNetworkReply::SslHandshakeFailedError));

    // ... and so does one that expects a different certificate.
    HttpClient other(m_server.url());
    other.setExpectedSslErrors({QSslError(QSslError::SelfSignedCertificate, m_otherCert)});
    const HttpReply wrongCert = other.get(QStringLiteral("/health"), Auth::None);
    QCOMPARE(wrongCert.status, 0);
    QCOMPARE(wrongCert.networkError, int(QNetworkReply::SslHandshakeFailedError));
}

void TestTls::plainHttpToTlsPortFails()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY(!conn.readResponse().has_value());
    QVERIFY(conn.waitForClosed());
    QVERIFY(!conn.unread().startsWith("HTTP/"));

    HttpClient plain(QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()));
    const HttpReply r = plain.get(QStringLiteral("/health"), Auth::None);
    QCOMPARE(r.status, 0);
    QVERIFY(r.networkError != 0);
}

void TestTls::limitsApplyInsideTls()
{
    const QList<QSslError> expected{QSslError(QSslError::SelfSignedCertificate, m_cert)};
    RawConnection conn(m_server.port(), expected);
    QVERIFY2(conn.isConnected(), qPrintable(conn.socket().errorString()));
    conn.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + QByteArray(70 * 1024, 'a') +
               "\r\n\r\n");
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QCOMPARE(r->status, 431);
    QCOMPARE(r->errorCode(), QStringLiteral("headers_too_large"));
    QVERIFY(conn.waitForClosed());

    RawConnection ok(m_server.port(), expected);
    QVERIFY(ok.isConnected());
    ok.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const std::optional<RawResponse> health = ok.readResponse();
    QVERIFY(health.has_value());
    QCOMPARE(health->status, 200);
}

void TestTls::handshakeMustFinishInTime()
{
    cortex::http::HttpLimits limits;
    limits.headTimeoutMs = 300;
    TestServer server(limits);
    QString error;
    QVERIFY2(server.start(&error, m_tls), qPrintable(error));

    // A TCP connection that never starts the TLS handshake is dropped, and nothing is ever
    // sent in the clear.
    RawConnection silent(server.port());
    QVERIFY(silent.isConnected());
    // 10 s is only an upper bound, over 30 times the head timeout.
    QVERIFY(silent.waitForClosed(10000));
    QVERIFY2(silent.unread().isEmpty(), silent.unread().left(200).constData());
}

void TestTls::completedHandshakeIsNotCutOff()
{
    cortex::http::HttpLimits limits;
    limits.headTimeoutMs = 300;
    TestServer server(limits);
    QString error;
    QVERIFY2(server.start(&error, m_tls), qPrintable(error));

    // The handshake timer stops once the handshake is done.
    RawConnection ok(server.port(),
                     QList<QSslError>{QSslError(QSslError::SelfSignedCertificate, m_cert)});
    QVERIFY(ok.isConnected());
    ok.pump(3 * limits.headTimeoutMs); // quiet, but well within the (default) idle timeout
    QVERIFY(!ok.isClosed());
    ok.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const std::optional<RawResponse> health = ok.readResponse();
    QVERIFY(health.has_value());
    QCOMPARE(health->status, 200);
}

void TestTls::loadTlsConfigurationReportsBadFiles()
{
    QString error;
    const QString missing = path(QStringLiteral("missing-cert.pem"));
    QVERIFY(!cortex::http::loadTlsConfiguration(missing, path(QStringLiteral("server-key.pem")),
                                                &error));
    QVERIFY2(error.contains(missing), qPrintable(error));

    error.clear();
    const QString missingKey = path(QStringLiteral("missing-key.pem"));
    QVERIFY(!cortex::http::loadTlsConfiguration(path(QStringLiteral("server-cert.pem")), missingKey,
                                                &error));
    QVERIFY2(error.contains(missingKey), qPrintable(error));

    // A key file that holds a certificate instead: refused, and the message names the file
    // without quoting what is in it.
    error.clear();
    const QString certAsKey = path(QStringLiteral("server-cert.pem"));
    QVERIFY(!cortex::http::loadTlsConfiguration(certAsKey, certAsKey, &error));
    QVERIFY2(error.contains(certAsKey), qPrintable(error));
    QVERIFY(!error.contains(QStringLiteral("BEGIN")));

    // A certificate file that holds only a key.
    error.clear();
    const QString keyAsCert = path(QStringLiteral("server-key.pem"));
    QVERIFY(!cortex::http::loadTlsConfiguration(keyAsCert, keyAsCert, &error));
    QVERIFY2(error.contains(keyAsCert), qPrintable(error));
    QVERIFY(!error.contains(QStringLiteral("PRIVATE")));
}

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
