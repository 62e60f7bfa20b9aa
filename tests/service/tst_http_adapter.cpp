// The HTTP adapter over real sockets: limits, timeouts, framing, routing answers (404, 405,
// OPTIONS, HEAD), request ids and connection handling that QHttpServer 6.4 lacks.

#include "ServiceFixture.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <QTimer>

using namespace cortex::test;
using Auth = HttpClient::Auth;

namespace {

constexpr qint64 MiB = 1024 * 1024;

// The methods an Allow header lists, without HEAD and OPTIONS (which every GET route or
// every route may add).
QSet<QByteArray> allowedMethods(const QByteArray &allow)
{
    QSet<QByteArray> methods;
    for (const QByteArray &m : allow.split(',')) {
        const QByteArray t = m.trimmed();
        if (!t.isEmpty() && t != "HEAD" && t != "OPTIONS")
            methods.insert(t);
    }
    return methods;
}

bool looksLikeGeneratedRequestId(const QByteArray &id)
{
    static const QRegularExpression form(QStringLiteral("^[A-Za-z0-9._:-]{1,128}$"));
    return form.match(QString::fromLatin1(id)).hasMatch();
}

} // namespace

class TestHttpAdapter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // routing answers
    void unknownPathIs404Json();
    void wrongMethodIs405WithAllow_data();
    void wrongMethodIs405WithAllow();
    void optionsIs204WithAllow();
    void headIsGetWithoutBody();
    void encodedSlashStaysInsideOneSegment();

    // request ids and common headers
    void everyResponseHasRequestIdAndNoStore();
    void callerRequestIdIsEchoedWhenValid_data();
    void callerRequestIdIsEchoedWhenValid();

    // limits
    void declaredBodyOverLimitIs413BeforeItIsSent_data();
    void declaredBodyOverLimitIs413BeforeItIsSent();
    void oversizedUploadFromAnOrdinaryClientGets413();
    void expectContinueIsAnswered();
    void bodyAtTheLimitPassesTheAdapter();
    void chunkedBodyIsAccepted();
    void chunkedBodyOverLimitIs413();
    void headOverLimitIs431_data();
    void headOverLimitIs431();
    void largeHeadUnderLimitIsAccepted();
    void ambiguousFramingIs400_data();
    void ambiguousFramingIs400();

    // connections
    void connectionCloseClosesAfterResponse();
    void clientsThatAskToCloseAreClosed_data();
    void clientsThatAskToCloseAreClosed();
    void nothingIsProcessedAfterConnectionClose();
    void keepAliveServesSeveralRequests();
    void pipelinedRequestsAnsweredInOrder();
    void pipelinedRequestBeforeRejectedOneIsAnswered();
    void pipelinedBytesAreCountedOnce();
    void idleKeepAliveConnectionIsClosed();
    void slowHeadGets408();
    void stalledBodyGets408();

private:
    TestServer m_server;
    QString m_secretId;
};

void TestHttpAdapter::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start(&error), qPrintable(error));
    const HttpReply created = m_server.http().post(
        QStringLiteral("/admin/secrets"), {{QStringLiteral("key_path"), QStringLiteral("http/key")},
                                           {QStringLiteral("value"), QStringLiteral("v")}});
    CHECK_STATUS(created, 201);
    m_secretId = created.object().value(QStringLiteral("id")).toString();
}

// ---- routing answers ------------------------------------------------------------------------

void TestHttpAdapter::unknownPathIs404Json()
{
    for (const QString &path :
         {QStringLiteral("/nope"), QStringLiteral("/admin"), QStringLiteral("/admin/secrets/a/b/c"),
          QStringLiteral("/sys/seal-status/extra")}) {
        const HttpReply r = m_server.http().get(path, Auth::None);
        CHECK_ERROR(r, 404, "not_found");
        QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        QVERIFY(r.object().value(QStringLiteral("error")).isString());
        QVERIFY(r.hasHeader("X-Request-Id"));
    }
}

void TestHttpAdapter::wrongMethodIs405WithAllow_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArrayList>("allowed");
    QTest::newRow("DELETE seal-status")
        << QByteArray("DELETE") << QStringLiteral("/sys/seal-status") << QByteArrayList{"GET"};
    QTest::newRow("GET unseal") << QByteArray("GET") << QStringLiteral("/sys/unseal")
                                << QByteArrayList{"POST"};
    QTest::newRow("PUT secrets") << QByteArray("PUT") << QStringLiteral("/admin/secrets")
                                 << QByteArrayList{"GET", "POST"};
    QTest::newRow("POST secret") << QByteArray("POST") << QStringLiteral("/admin/secrets/sec_x")
                                 << QByteArrayList{"GET", "PUT", "DELETE"};
    QTest::newRow("PATCH secret") << QByteArray("PATCH") << QStringLiteral("/admin/secrets/sec_x")
                                  << QByteArrayList{"GET", "PUT", "DELETE"};
    QTest::newRow("DELETE versions")
        << QByteArray("DELETE") << QStringLiteral("/admin/secrets/sec_x/versions")
        << QByteArrayList{"GET"};
    QTest::newRow("GET rollback") << QByteArray("GET")
                                  << QStringLiteral("/admin/secrets/sec_x/rollback")
                                  << QByteArrayList{"POST"};
    QTest::newRow("GET namespace")
        << QByteArray("GET") << QStringLiteral("/admin/namespaces/x") << QByteArrayList{"DELETE"};
    QTest::newRow("GET import") << QByteArray("GET") << QStringLiteral("/admin/import/dotenv")
                                << QByteArrayList{"POST"};
}

void TestHttpAdapter::wrongMethodIs405WithAllow()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArrayList, allowed);
    const HttpReply r = m_server.http().send(method, path, {}, Auth::Admin);
    CHECK_ERROR(r, 405, "method_not_allowed");
    QVERIFY2(r.hasHeader("Allow"), r.describe().constData());
    QCOMPARE(allowedMethods(r.header("Allow")), QSet<QByteArray>(allowed.cbegin(), allowed.cend()));
    QVERIFY(r.hasHeader("X-Request-Id"));
}

void TestHttpAdapter::optionsIs204WithAllow()
{
    const HttpReply r =
        m_server.http().send("OPTIONS", QStringLiteral("/admin/secrets"), {}, Auth::None);
    CHECK_STATUS(r, 204);
    QVERIFY(r.body.isEmpty());
    QCOMPARE(allowedMethods(r.header("Allow")), (QSet<QByteArray>{"GET", "POST"}));
    QVERIFY(r.hasHeader("X-Request-Id"));

    const HttpReply secret = m_server.http().send(
        "OPTIONS", QStringLiteral("/admin/secrets/") + m_secretId, {}, Auth::None);
    CHECK_STATUS(secret, 204);
    QCOMPARE(allowedMethods(secret.header("Allow")), (QSet<QByteArray>{"GET", "PUT", "DELETE"}));

    CHECK_ERROR(m_server.http().send("OPTIONS", QStringLiteral("/nope"), {}, Auth::None), 404,
                "not_found");
}

void TestHttpAdapter::headIsGetWithoutBody()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const HeaderList auth{{"X-Admin-Token", m_server.adminToken()}};
    for (const QByteArray &path : {QByteArray("/sys/seal-status"), QByteArray("/admin/secrets"),
                                   QByteArray("/admin/secrets/" + m_secretId.toLatin1())}) {
        conn.write(rawRequest("HEAD", path, auth));
        const std::optional<RawResponse> head = conn.readResponse(true);
        QVERIFY2(head.has_value(), path.constData());
        // The next bytes on the connection must be the GET's answer, not a stray HEAD body.
        conn.write(rawRequest("GET", path, auth));
        const std::optional<RawResponse> get = conn.readResponse();
        QVERIFY2(get.has_value(), qPrintable(QString::fromLatin1(conn.unread().left(200))));

        QCOMPARE(head->status, 200);
        QCOMPARE(get->status, 200);
        QVERIFY(head->body.isEmpty());
        QVERIFY(!get->body.isEmpty());
        QCOMPARE(head->header("Content-Length"), QByteArray::number(get->body.size()));
        QCOMPARE(head->header("Content-Type"), get->header("Content-Type"));
        QVERIFY(head->hasHeader("X-Request-Id"));
        QSet<QByteArray> headNames, getNames;
        for (const auto &h : head->headers)
            headNames.insert(h.first.toLower());
        for (const auto &h : get->headers)
            getNames.insert(h.first.toLower());
        QCOMPARE(headNames, getNames);
    }
    // HEAD goes through the same checks as GET.
    conn.write(rawRequest("HEAD", "/admin/secrets"));
    const std::optional<RawResponse> unauthorized = conn.readResponse(true);
    QVERIFY(unauthorized.has_value());
    QCOMPARE(unauthorized->status, 401);
    QVERIFY(unauthorized->body.isEmpty());
}

void TestHttpAdapter::encodedSlashStaysInsideOneSegment()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const HeaderList auth{{"X-Admin-Token", m_server.adminToken()}};
    const QByteArray id = m_secretId.toLatin1();
    conn.write(rawRequest("GET", "/admin/secrets/" + id + "/versions", auth));
    const std::optional<RawResponse> plain = conn.readResponse();
    QVERIFY(plain.has_value());
    QCOMPARE(plain->status, 200);
    // "%2F" is data inside the id, not a path separator: no route to the versions list.
    conn.write(rawRequest("GET", "/admin/secrets/" + id + "%2Fversions", auth));
    const std::optional<RawResponse> encoded = conn.readResponse();
    QVERIFY(encoded.has_value());
    QCOMPARE(encoded->status, 404);
    QCOMPARE(encoded->errorCode(), QStringLiteral("secret_not_found"));
    // Other escapes decode normally.
    conn.write(rawRequest("GET", "/admin/%73ecrets/" + id, auth));
    const std::optional<RawResponse> escaped = conn.readResponse();
    QVERIFY(escaped.has_value());
    QCOMPARE(escaped->status, 200);
}

// ---- request ids and common headers -----------------------------------------------------------

void TestHttpAdapter::everyResponseHasRequestIdAndNoStore()
{
    struct Case
    {
        QByteArray method;
        QString path;
        QByteArray body;
        Auth auth;
        int status;
    };
    const QList<Case> cases{
        {"GET", QStringLiteral("/sys/seal-status"), {}, Auth::None, 200},
        {"GET", QStringLiteral("/admin/secrets/") + m_secretId, {}, Auth::Admin, 200},
        {"POST", QStringLiteral("/admin/secrets"), "{", Auth::Admin, 400},
        {"GET", QStringLiteral("/admin/secrets"), {}, Auth::None, 401},
        {"GET", QStringLiteral("/admin/secrets/sec_missing"), {}, Auth::Admin, 404},
        {"GET", QStringLiteral("/missing"), {}, Auth::None, 404},
        {"DELETE", QStringLiteral("/health"), {}, Auth::None, 405},
        {"OPTIONS", QStringLiteral("/health"), {}, Auth::None, 204},
    };
    QSet<QByteArray> seen;
    for (const Case &c : cases) {
        const HttpReply r = m_server.http().send(c.method, c.path, c.body, c.auth);
        CHECK_STATUS(r, c.status);
        const QByteArray id = r.header("X-Request-Id");
        QVERIFY2(!id.isEmpty() && looksLikeGeneratedRequestId(id), r.describe().constData());
        QVERIFY2(!seen.contains(id), id.constData());
        seen.insert(id);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
    }
}

void TestHttpAdapter::callerRequestIdIsEchoedWhenValid_data()
{
    QTest::addColumn<QByteArray>("given");
    QTest::addColumn<bool>("echoed");
    QTest::newRow("simple") << QByteArray("trace-abc.123:4_5") << true;
    QTest::newRow("uuid") << QByteArray("3f1c2a4e-9b7d-4c1e-8f00-1234567890ab") << true;
    QTest::newRow("128 characters") << QByteArray(128, 'r') << true;
    QTest::newRow("129 characters") << QByteArray(129, 'r') << false;
    QTest::newRow("space") << QByteArray("has space") << false;
    QTest::newRow("semicolon") << QByteArray("a;b") << false;
    QTest::newRow("non-ascii") << QByteArray("caf\xc3\xa9") << false;
    QTest::newRow("html") << QByteArray("<script>") << false;
}

void TestHttpAdapter::callerRequestIdIsEchoedWhenValid()
{
    QFETCH(QByteArray, given);
    QFETCH(bool, echoed);
    for (const QString &path : {QStringLiteral("/health"), QStringLiteral("/nope")}) {
        const HttpReply r =
            m_server.http().send("GET", path, {}, Auth::None, {{"X-Request-Id", given}});
        QVERIFY2(r.status == 200 || r.status == 404, r.describe().constData());
        const QByteArray id = r.header("X-Request-Id");
        if (echoed) {
            QCOMPARE(id, given);
        } else {
            QVERIFY(id != given);
            QVERIFY2(looksLikeGeneratedRequestId(id), id.constData());
        }
    }
}

// ---- limits ---------------------------------------------------------------------------------

void TestHttpAdapter::declaredBodyOverLimitIs413BeforeItIsSent_data()
{
    QTest::addColumn<qint64>("length");
    QTest::newRow("11 MiB") << 11 * MiB;
    QTest::newRow("10 MiB + 1") << 10 * MiB + 1;
    QTest::newRow("1 TiB") << (qint64(1) << 40);
}

void TestHttpAdapter::declaredBodyOverLimitIs413BeforeItIsSent()
{
    QFETCH(qint64, length);
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    // Only the head: the server must answer without waiting for (or reading) the body.
    conn.write(
        "POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "X-Admin-Token: " +
        m_server.adminToken() + "\r\nContent-Length: " + QByteArray::number(length) + "\r\n\r\n");
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().constData());
    QCOMPARE(r->status, 413);
    QCOMPARE(r->errorCode(), QStringLiteral("body_too_large"));
    QCOMPARE(r->header("Content-Type"), QByteArray("application/json"));
    QVERIFY(r->hasHeader("X-Request-Id"));
    QVERIFY(conn.waitForClosed());
}

void TestHttpAdapter::oversizedUploadFromAnOrdinaryClientGets413()
{
    // QNetworkAccessManager sends the whole body; it must still see the 413, not a reset.
    const HttpReply r =
        m_server.http().send("POST", QStringLiteral("/admin/secrets"), QByteArray(11 * MiB, ' '));
    CHECK_ERROR(r, 413, "body_too_large");
    QVERIFY(r.hasHeader("X-Request-Id"));
}

void TestHttpAdapter::expectContinueIsAnswered()
{
    // curl sends "Expect: 100-continue" for larger bodies and holds the body back until the
    // server answers (RFC 9110 §10.1.1); without an answer every such upload stalls.
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray body = R"({"password":""})";
    conn.write("POST /sys/unseal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Expect: 100-continue\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n\r\n");
    // 5 s only bounds the wait: curl itself gives up waiting after 1 s.
    std::optional<RawResponse> interim = conn.readResponse(false, 5000);
    QVERIFY2(interim.has_value(), "no answer to Expect: 100-continue");
    QCOMPARE(interim->status, 100);
    conn.write(body);
    const std::optional<RawResponse> answer = conn.readResponse();
    QVERIFY(answer.has_value());
    QCOMPARE(answer->status, 400);
    QCOMPARE(answer->errorCode(), QStringLiteral("invalid_field"));
}

void TestHttpAdapter::bodyAtTheLimitPassesTheAdapter()
{
    // A body of exactly 10 MiB reaches the route, which refuses the value itself (1 MiB
    // limit): the error comes from the API, not from the adapter.
    const QByteArray prefix = R"({"key_path":"http/ten-mib","value":")";
    const QByteArray suffix = R"("})";
    const QByteArray body =
        prefix + QByteArray(10 * MiB - prefix.size() - suffix.size(), 'v') + suffix;
    QCOMPARE(body.size(), 10 * MiB);
    const HttpReply r = m_server.http().send("POST", QStringLiteral("/admin/secrets"), body);
    CHECK_ERROR(r, 413, "value_too_large");
}

void TestHttpAdapter::chunkedBodyIsAccepted()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray json = R"({"key_path":"http/chunked","value":"sent in chunks"})";
    QByteArray request = "POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                         "X-Admin-Token: " +
                         m_server.adminToken() + "\r\n\r\n";
    for (qsizetype i = 0; i < json.size(); i += 10) {
        const QByteArray piece = json.mid(i, 10);
        request += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    request += "0\r\n\r\n";
    conn.write(request);
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QVERIFY2(r->status == 201, r->describe().constData());
    const HttpReply got = m_server.http().get(QStringLiteral("/admin/secrets/") +
                                              r->object().value(u"id").toString());
    QCOMPARE(got.object().value(u"value"), QJsonValue(QStringLiteral("sent in chunks")));
}

void TestHttpAdapter::chunkedBodyOverLimitIs413()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write("POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               "X-Admin-Token: " +
               m_server.adminToken() + "\r\n\r\n");
    const QByteArray chunk = QByteArray::number(MiB, 16) + "\r\n" + QByteArray(MiB, 'c') + "\r\n";
    // Stream 1 MiB chunks until the server answers (it must, once past 10 MiB).
    for (int i = 0; i < 12 && conn.unread().isEmpty() && !conn.isClosed(); ++i) {
        conn.write(chunk);
        conn.flush();
    }
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QCOMPARE(r->status, 413);
    QCOMPARE(r->errorCode(), QStringLiteral("body_too_large"));
    QVERIFY(r->hasHeader("X-Request-Id"));
    QVERIFY(conn.waitForClosed());

    // One chunk that declares more than the limit is refused at its size line.
    RawConnection single(m_server.port());
    QVERIFY(single.isConnected());
    single.write("POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                 "X-Admin-Token: " +
                 m_server.adminToken() + "\r\n\r\n" + QByteArray::number(10 * MiB + 1, 16) +
                 "\r\nabc");
    const std::optional<RawResponse> declared = single.readResponse();
    QVERIFY(declared.has_value());
    QCOMPARE(declared->status, 413);
    QCOMPARE(declared->errorCode(), QStringLiteral("body_too_large"));
}

void TestHttpAdapter::headOverLimitIs431_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("one 70 KiB header")
        << QByteArray("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                      QByteArray(70 * 1024, 'a') + "\r\n\r\n");
    QByteArray many = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 2000; ++i)
        many += "X-Header-" + QByteArray::number(i) + ": " + QByteArray(24, 'b') + "\r\n";
    many += "\r\n";
    QTest::newRow("2000 small headers") << many;
    QTest::newRow("70 KiB request target")
        << QByteArray("GET /health?" + QByteArray(70 * 1024, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    // Trailer fields after a chunked body are header fields too.
    QByteArray trailers = "POST /sys/unseal HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";
    for (int i = 0; i < 1000; ++i)
        trailers += "X-Trailer-" + QByteArray::number(i) + ": " + QByteArray(64, 't') + "\r\n";
    trailers += "\r\n";
    QTest::newRow("70 KiB of trailers") << trailers;
    // A head that never ends must not be buffered forever either.
    QTest::newRow("unterminated") << QByteArray("GET /health HTTP/1.1\r\nX: " +
                                                QByteArray(70 * 1024, 'u'));
}

void TestHttpAdapter::headOverLimitIs431()
{
    QFETCH(QByteArray, head);
    QVERIFY(head.size() > 64 * 1024);
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write(head);
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QVERIFY2(r->status == 431, r->describe().constData());
    QCOMPARE(r->errorCode(), QStringLiteral("headers_too_large"));
    QVERIFY(r->hasHeader("X-Request-Id"));
    QVERIFY(conn.waitForClosed());
}

void TestHttpAdapter::largeHeadUnderLimitIsAccepted()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/health", {{"X-Big", QByteArray(60 * 1024, 'a')}}));
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
}

void TestHttpAdapter::ambiguousFramingIs400_data()
{
    QTest::addColumn<QByteArray>("request");
    const QByteArray start = "POST /sys/unseal HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    QTest::newRow("Content-Length and chunked")
        << QByteArray(start + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("chunked and Content-Length")
        << QByteArray(start + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                              "5\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("two different lengths")
        << QByteArray(start + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    QTest::newRow("negative length") << QByteArray(start + "Content-Length: -1\r\n\r\n");
    QTest::newRow("length not a number") << QByteArray(start + "Content-Length: five\r\n\r\n");
    QTest::newRow("gzip transfer coding") << QByteArray(start + "Transfer-Encoding: gzip\r\n\r\n");
    QTest::newRow("bad chunk size") << QByteArray(start + "Transfer-Encoding: chunked\r\n\r\n"
                                                          "zz\r\nhello\r\n0\r\n\r\n");
}

void TestHttpAdapter::ambiguousFramingIs400()
{
    QFETCH(QByteArray, request);
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write(request);
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QCOMPARE(r->status, 400);
    QCOMPARE(r->errorCode(), QStringLiteral("malformed_request"));
    QVERIFY(r->hasHeader("X-Request-Id"));
    QVERIFY(conn.waitForClosed());
    // Nothing more than the one error was sent back.
    QVERIFY2(conn.unread().isEmpty(), conn.unread().left(200).constData());
}

// ---- connections ----------------------------------------------------------------------------

void TestHttpAdapter::connectionCloseClosesAfterResponse()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write(rawRequest("GET", "/health", {{"Connection", "close"}}));
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("Connection").toLower(), QByteArray("close"));
    QVERIFY(conn.waitForClosed());

    // Also after an error answer.
    RawConnection second(m_server.port());
    QVERIFY(second.isConnected());
    second.write(rawRequest("GET", "/nope", {{"Connection", "Close"}}));
    const std::optional<RawResponse> notFound = second.readResponse();
    QVERIFY(notFound.has_value());
    QCOMPARE(notFound->status, 404);
    QVERIFY(second.waitForClosed());
}

void TestHttpAdapter::clientsThatAskToCloseAreClosed_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("HTTP/1.0") << QByteArray("GET /health HTTP/1.0\r\n\r\n");
    QTest::newRow("HTTP/1.0 with a host") << QByteArray("GET /health HTTP/1.0\r\nHost: x\r\n\r\n");
    QTest::newRow("close in a token list") << QByteArray(
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\nTE: trailers\r\n\r\n");
    QTest::newRow("upper case") << QByteArray(
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: CLOSE\r\n\r\n");
}

void TestHttpAdapter::clientsThatAskToCloseAreClosed()
{
    QFETCH(QByteArray, request);
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    conn.write(request);
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    // 5 s bounds the wait; the idle timeout (60 s) must not be what closes it.
    QVERIFY(conn.waitForClosed(5000));
}

void TestHttpAdapter::nothingIsProcessedAfterConnectionClose()
{
    // A request pipelined behind "Connection: close" is neither answered nor carried out.
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray create = R"({"key_path":"http/after-close","value":"v"})";
    conn.write(
        rawRequest("GET", "/health", {{"Connection", "close"}}) +
        rawRequest("POST", "/admin/secrets",
                   {{"X-Admin-Token", m_server.adminToken()}, {"Content-Type", "application/json"}},
                   create));
    const std::optional<RawResponse> first = conn.readResponse();
    QVERIFY(first.has_value());
    QCOMPARE(first->status, 200);
    QVERIFY(conn.waitForClosed());
    QVERIFY2(conn.unread().isEmpty(), conn.unread().left(300).constData());
    const HttpReply list =
        m_server.http().get(QStringLiteral("/admin/secrets?prefix=http/after-close"));
    CHECK_STATUS(list, 200);
    QCOMPARE(list.array().size(), 0);
}

void TestHttpAdapter::keepAliveServesSeveralRequests()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    for (int i = 0; i < 5; ++i) {
        conn.write(rawRequest("GET", "/sys/seal-status"));
        const std::optional<RawResponse> r = conn.readResponse();
        QVERIFY2(r.has_value(), qPrintable(QStringLiteral("request %1").arg(i)));
        QCOMPARE(r->status, 200);
        QVERIFY(!r->header("Connection").toLower().contains("close"));
    }
}

void TestHttpAdapter::pipelinedRequestsAnsweredInOrder()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray batch =
        rawRequest("GET", "/health", {{"X-Request-Id", "pipe-1"}}) +
        rawRequest("POST", "/sys/unseal", {{"X-Request-Id", "pipe-2"}}, R"({"password":""})") +
        rawRequest("GET", "/nope", {{"X-Request-Id", "pipe-3"}}) +
        rawRequest("GET", "/admin/secrets/" + m_secretId.toLatin1(),
                   {{"X-Request-Id", "pipe-4"}, {"X-Admin-Token", m_server.adminToken()}});
    conn.write(batch);

    const QList<QPair<QByteArray, int>> expected{
        {"pipe-1", 200}, {"pipe-2", 400}, {"pipe-3", 404}, {"pipe-4", 200}};
    for (const auto &[id, status] : expected) {
        const std::optional<RawResponse> r = conn.readResponse();
        QVERIFY2(r.has_value(), QByteArray("no answer for " + id).constData());
        QCOMPARE(r->header("X-Request-Id"), id);
        QCOMPARE(r->status, status);
    }
}

void TestHttpAdapter::pipelinedRequestBeforeRejectedOneIsAnswered()
{
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    // A complete request, then in the same packet one whose declared body is too large: the
    // first still gets its own answer, and the 413 comes second (never in the first's place).
    conn.write(rawRequest("GET", "/health", {{"X-Request-Id", "before-413"}}) +
               "POST /admin/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
               QByteArray::number(11 * MiB) + "\r\n\r\n");
    const std::optional<RawResponse> first = conn.readResponse();
    QVERIFY(first.has_value());
    QCOMPARE(first->header("X-Request-Id"), QByteArray("before-413"));
    QCOMPARE(first->status, 200);
    const std::optional<RawResponse> second = conn.readResponse();
    QVERIFY(second.has_value());
    QCOMPARE(second->status, 413);
}

void TestHttpAdapter::pipelinedBytesAreCountedOnce()
{
    // A complete request followed by most of a large (but allowed) head: after the first
    // request is answered, the bytes still waiting must not be counted a second time.
    RawConnection conn(m_server.port());
    QVERIFY(conn.isConnected());
    const QByteArray second =
        rawRequest("GET", "/sys/seal-status",
                   {{"X-Request-Id", "second"}, {"X-Big", QByteArray(40 * 1024, 'b')}});
    conn.write(rawRequest("GET", "/health", {{"X-Request-Id", "first"}}) + second.chopped(2));
    const std::optional<RawResponse> first = conn.readResponse();
    QVERIFY(first.has_value());
    QCOMPARE(first->header("X-Request-Id"), QByteArray("first"));
    QCOMPARE(first->status, 200);
    conn.pump(200); // let the server look at what is still waiting
    conn.write("\r\n");
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(300).constData());
    QVERIFY2(r->status == 200, r->describe().constData());
    QCOMPARE(r->header("X-Request-Id"), QByteArray("second"));
}

void TestHttpAdapter::idleKeepAliveConnectionIsClosed()
{
    cortex::http::HttpLimits limits;
    limits.idleTimeoutMs = 300;
    TestServer server(limits);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));

    // A connection that never sends anything.
    RawConnection silent(server.port());
    QVERIFY(silent.isConnected());
    QVERIFY(silent.waitForClosed());
    QVERIFY2(silent.unread().isEmpty(), silent.unread().constData());

    // A keep-alive connection that goes quiet after its request was answered: closed without
    // any further bytes (no error response for a request that does not exist).
    RawConnection quiet(server.port());
    QVERIFY(quiet.isConnected());
    quiet.write(rawRequest("GET", "/health"));
    const std::optional<RawResponse> r = quiet.readResponse();
    QVERIFY(r.has_value());
    QCOMPARE(r->status, 200);
    QVERIFY(quiet.waitForClosed());
    QVERIFY2(quiet.unread().isEmpty(), quiet.unread().constData());
}

void TestHttpAdapter::slowHeadGets408()
{
    cortex::http::HttpLimits limits;
    limits.headTimeoutMs = 300; // the idle timeout stays long: only the head timer can fire
    TestServer server(limits);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));

    RawConnection conn(server.port());
    QVERIFY(conn.isConnected());
    conn.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    // Keep dribbling one byte at a time, never finishing the head.
    QTimer drip;
    drip.setInterval(20);
    QObject::connect(&drip, &QTimer::timeout, &drip, [&conn] {
        if (conn.socket().state() == QAbstractSocket::ConnectedState)
            conn.write("a");
    });
    drip.start();
    const std::optional<RawResponse> r = conn.readResponse();
    drip.stop();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QCOMPARE(r->status, 408);
    QCOMPARE(r->errorCode(), QStringLiteral("request_timeout"));
    QVERIFY(r->hasHeader("X-Request-Id"));
    QVERIFY(conn.waitForClosed());
}

void TestHttpAdapter::stalledBodyGets408()
{
    cortex::http::HttpLimits limits;
    limits.idleTimeoutMs = 300;
    TestServer server(limits);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));

    RawConnection conn(server.port());
    QVERIFY(conn.isConnected());
    conn.write("POST /sys/unseal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
               "{\"password\":");
    const std::optional<RawResponse> r = conn.readResponse();
    QVERIFY2(r.has_value(), conn.unread().left(200).constData());
    QCOMPARE(r->status, 408);
    QCOMPARE(r->errorCode(), QStringLiteral("request_timeout"));
    QVERIFY(conn.waitForClosed());
}

QTEST_GUILESS_MAIN(TestHttpAdapter)
#include "tst_http_adapter.moc"
