// RequestFraming: where each request's head and body end in a connection's byte stream, and
// which limits and framing errors it reports, however the bytes are split.

#include "http/RequestFraming.h"

#include <QTest>

using cortex::http::RequestFraming;
using Verdict = RequestFraming::Verdict;

Q_DECLARE_METATYPE(RequestFraming::Verdict)

namespace {

constexpr qint64 MaxHead = 256;
constexpr qint64 MaxBody = 64;

QByteArray getRequest(const QByteArray &path = "/x")
{
    return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

QByteArray postRequest(const QByteArray &body)
{
    return "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body;
}

QByteArray chunkedHead()
{
    return "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
}

// A chunked request whose chunks have the given sizes.
QByteArray chunkedRequest(const QList<qint64> &sizes)
{
    QByteArray r = chunkedHead();
    for (qint64 size : sizes)
        r += QByteArray::number(size, 16) + "\r\n" + QByteArray(size, 'c') + "\r\n";
    return r + "0\r\n\r\n";
}

// A GET whose head (request line through the final empty line) is exactly `size` bytes.
QByteArray headOfSize(qint64 size)
{
    const QByteArray start = "GET / HTTP/1.1\r\nX: ";
    const QByteArray end = "\r\n\r\n";
    return start + QByteArray(size - start.size() - end.size(), 'p') + end;
}

const char *name(Verdict v)
{
    switch (v) {
    case Verdict::Ok:
        return "Ok";
    case Verdict::HeadTooLarge:
        return "HeadTooLarge";
    case Verdict::BodyTooLarge:
        return "BodyTooLarge";
    case Verdict::Malformed:
        return "Malformed";
    }
    return "?";
}

// Feeds everything in one call.
Verdict feedAll(const QByteArray &bytes, RequestFraming *framing = nullptr)
{
    RequestFraming local(MaxHead, MaxBody);
    RequestFraming &f = framing ? *framing : local;
    return f.feed(bytes);
}

} // namespace

namespace QTest {
template <> char *toString(const Verdict &v)
{
    return qstrdup(name(v));
}
} // namespace QTest

class TestRequestFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void completeRequestsEndIdle_data();
    void completeRequestsEndIdle();
    void splitAtEveryByteBoundary_data();
    void splitAtEveryByteBoundary();
    void byteByByteTracksHeadAndBody();
    void pipelinedRequestsSplitAnywhere();
    void bodyBytesAreNotParsedAsHeaders();
    void chunkExtensionsAndTrailers();
    void emptyLinesBetweenRequestsAreAllowed();

    void headLimitExactlyAndOneOver();
    void headLimitIsPerRequest();
    void bodyLimitExactlyAndOneOver_data();
    void bodyLimitExactlyAndOneOver();
    void bodyLimitIsPerRequest();
    void declaredBodyOverLimitIsRefusedAtOnce();
    void trailersAreBounded();

    void badFraming_data();
    void badFraming();
    void failureIsSticky();
};

void TestRequestFraming::completeRequestsEndIdle_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("GET") << getRequest();
    QTest::newRow("POST with body") << postRequest("{\"a\":1}");
    QTest::newRow("Content-Length 0") << postRequest(QByteArray());
    QTest::newRow("chunked") << chunkedRequest({5, 3});
    QTest::newRow("chunked, no data") << chunkedRequest({});
    QTest::newRow("bare LF line ends") << QByteArray("GET /x HTTP/1.1\nHost: h\n\n");
    QTest::newRow("bare LF with body") << QByteArray("POST /x HTTP/1.1\nContent-Length: 3\n\nabc");
    QTest::newRow("header names in any case")
        << QByteArray("POST /x HTTP/1.1\r\ncontent-LENGTH: 3\r\n\r\nabc");
    QTest::newRow("length with blanks")
        << QByteArray("POST /x HTTP/1.1\r\nContent-Length:   3  \r\n\r\nabc");
    QTest::newRow("same length twice")
        << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
    QTest::newRow("chunked in capitals")
        << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n");
    QTest::newRow("upper-case hex size")
        << QByteArray(chunkedHead() + "A\r\n0123456789\r\n0\r\n\r\n");
    QTest::newRow("chunk lines with bare LF") << QByteArray(chunkedHead() + "3\nabc\n0\n\n");
}

void TestRequestFraming::completeRequestsEndIdle()
{
    QFETCH(QByteArray, request);
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(request), Verdict::Ok);
    QVERIFY(!f.inRequest());
    QVERIFY(!f.inHead());
    // The connection is ready for the next request.
    QCOMPARE(f.feed(getRequest()), Verdict::Ok);
    QVERIFY(!f.inRequest());
}

void TestRequestFraming::splitAtEveryByteBoundary_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("GET") << getRequest("/some/longer/path?q=1");
    QTest::newRow("POST with body") << postRequest("{\"key_path\":\"a\",\"value\":\"\\r\\n\"}");
    QTest::newRow("chunked with extension and trailer")
        << QByteArray(chunkedHead() + "5;ext=1\r\nhello\r\n3\r\nabc\r\n0;end\r\nX-T: 1\r\n\r\n");
}

void TestRequestFraming::splitAtEveryByteBoundary()
{
    QFETCH(QByteArray, request);
    for (qsizetype i = 1; i < request.size(); ++i) {
        RequestFraming f(MaxHead, MaxBody);
        QCOMPARE(f.feed(QByteArrayView(request).first(i)), Verdict::Ok);
        QVERIFY2(f.inRequest(), qPrintable(QStringLiteral("split at %1").arg(i)));
        QCOMPARE(f.feed(QByteArrayView(request).sliced(i)), Verdict::Ok);
        QVERIFY2(!f.inRequest(), qPrintable(QStringLiteral("split at %1").arg(i)));
    }
}

void TestRequestFraming::byteByByteTracksHeadAndBody()
{
    const QByteArray body = "0123456789";
    const QByteArray request = postRequest(body);
    const qsizetype headSize = request.size() - body.size();
    RequestFraming f(MaxHead, MaxBody);
    QVERIFY(!f.inRequest());
    for (qsizetype i = 0; i < request.size(); ++i) {
        QCOMPARE(f.feed(QByteArrayView(request).sliced(i, 1)), Verdict::Ok);
        const qsizetype fed = i + 1;
        QCOMPARE(f.inHead(), fed < headSize);
        QCOMPARE(f.inRequest(), fed < request.size());
    }
}

void TestRequestFraming::pipelinedRequestsSplitAnywhere()
{
    const QList<QByteArray> requests{getRequest("/one"), postRequest("abcdef"),
                                     chunkedRequest({2, 4}), getRequest("/four")};
    QByteArray stream;
    QList<qsizetype> boundaries{0};
    for (const QByteArray &r : requests) {
        stream += r;
        boundaries.append(stream.size());
    }
    QCOMPARE(feedAll(stream), Verdict::Ok);
    for (qsizetype i = 1; i < stream.size(); ++i) {
        RequestFraming f(MaxHead, MaxBody);
        QCOMPARE(f.feed(QByteArrayView(stream).first(i)), Verdict::Ok);
        QVERIFY2(f.inRequest() == !boundaries.contains(i),
                 qPrintable(QStringLiteral("split at %1").arg(i)));
        QCOMPARE(f.feed(QByteArrayView(stream).sliced(i)), Verdict::Ok);
        QVERIFY(!f.inRequest());
    }
}

void TestRequestFraming::bodyBytesAreNotParsedAsHeaders()
{
    // A body that looks like a request with a huge declared length is only counted.
    const QByteArray inner = "GET / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n";
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(postRequest(inner)), Verdict::Ok);
    QVERIFY(!f.inRequest());
    // Same inside chunk data.
    QCOMPARE(f.feed(chunkedHead() + QByteArray::number(inner.size(), 16) + "\r\n" + inner +
                    "\r\n0\r\n\r\n"),
             Verdict::Ok);
    QVERIFY(!f.inRequest());
}

void TestRequestFraming::chunkExtensionsAndTrailers()
{
    const QByteArray request = chunkedHead() + "5;name=value\r\nhello\r\n"
                                               "6;a;b=\"quoted;semi\"\r\n world\r\n"
                                               "0;last=1\r\n"
                                               "X-Checksum: abc\r\n"
                                               "X-Other: d\r\n"
                                               "\r\n";
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(request), Verdict::Ok);
    QVERIFY(!f.inRequest());
    QCOMPARE(f.feed(getRequest()), Verdict::Ok);
    QVERIFY(!f.inRequest());

    // Until the empty line after the trailers, the request is still open.
    RequestFraming open(MaxHead, MaxBody);
    QCOMPARE(open.feed(chunkedHead() + "1\r\na\r\n0\r\nX-T: 1\r\n"), Verdict::Ok);
    QVERIFY(open.inRequest());
    QCOMPARE(open.feed("\r\n"), Verdict::Ok);
    QVERIFY(!open.inRequest());
}

void TestRequestFraming::emptyLinesBetweenRequestsAreAllowed()
{
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed("\r\n\r\n" + getRequest() + "\r\n" + postRequest("ab") + "\n"), Verdict::Ok);
    QVERIFY(!f.inRequest());
}

void TestRequestFraming::headLimitExactlyAndOneOver()
{
    const QByteArray exact = headOfSize(MaxHead);
    QCOMPARE(qint64(exact.size()), MaxHead);
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(exact), Verdict::Ok);
    QVERIFY(!f.inRequest());

    const QByteArray over = headOfSize(MaxHead + 1);
    QCOMPARE(feedAll(over), Verdict::HeadTooLarge);
    // Found as soon as the limit is passed, without waiting for the end of the head.
    QCOMPARE(feedAll(over.first(MaxHead + 1)), Verdict::HeadTooLarge);
    QCOMPARE(feedAll(over.first(MaxHead)), Verdict::Ok);
    // Byte by byte too.
    RequestFraming slow(MaxHead, MaxBody);
    Verdict last = Verdict::Ok;
    for (char c : over)
        last = slow.feed(QByteArrayView(&c, 1));
    QCOMPARE(last, Verdict::HeadTooLarge);
}

void TestRequestFraming::headLimitIsPerRequest()
{
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(headOfSize(MaxHead) + headOfSize(MaxHead) + headOfSize(MaxHead)), Verdict::Ok);
    QVERIFY(!f.inRequest());
}

void TestRequestFraming::bodyLimitExactlyAndOneOver_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<Verdict>("verdict");
    QTest::newRow("Content-Length at limit")
        << postRequest(QByteArray(MaxBody, 'b')) << Verdict::Ok;
    QTest::newRow("Content-Length one over")
        << postRequest(QByteArray(MaxBody + 1, 'b')) << Verdict::BodyTooLarge;
    QTest::newRow("chunked at limit, one chunk") << chunkedRequest({MaxBody}) << Verdict::Ok;
    QTest::newRow("chunked at limit, many chunks")
        << chunkedRequest({1, 15, 16, 32}) << Verdict::Ok;
    QTest::newRow("chunked one over, one chunk")
        << chunkedRequest({MaxBody + 1}) << Verdict::BodyTooLarge;
    QTest::newRow("chunked one over, many chunks")
        << chunkedRequest({32, 16, 16, 1}) << Verdict::BodyTooLarge;
}

void TestRequestFraming::bodyLimitExactlyAndOneOver()
{
    QFETCH(QByteArray, request);
    QFETCH(Verdict, verdict);
    QCOMPARE(feedAll(request), verdict);
    // Split anywhere, the verdict is the same.
    for (qsizetype i = 1; i < request.size(); ++i) {
        RequestFraming f(MaxHead, MaxBody);
        Verdict v = f.feed(QByteArrayView(request).first(i));
        if (v == Verdict::Ok)
            v = f.feed(QByteArrayView(request).sliced(i));
        QCOMPARE(v, verdict);
    }
}

void TestRequestFraming::bodyLimitIsPerRequest()
{
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed(postRequest(QByteArray(MaxBody, 'a')) + postRequest(QByteArray(MaxBody, 'b')) +
                    chunkedRequest({MaxBody}) + chunkedRequest({MaxBody / 2, MaxBody / 2})),
             Verdict::Ok);
    QVERIFY(!f.inRequest());
}

void TestRequestFraming::declaredBodyOverLimitIsRefusedAtOnce()
{
    // No body byte has to arrive: the head alone decides.
    QCOMPARE(feedAll("POST /x HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), Verdict::BodyTooLarge);
    QCOMPARE(feedAll(chunkedHead() + "41\r\n"), Verdict::BodyTooLarge);
    QCOMPARE(feedAll("POST /x HTTP/1.1\r\nContent-Length: 1099511627776\r\n\r\n"),
             Verdict::BodyTooLarge);
}

void TestRequestFraming::trailersAreBounded()
{
    // Trailer fields are header fields (QHttpServer keeps them): an endless trailer section
    // must hit a limit like an endless head does, not grow without bound.
    QByteArray request = chunkedHead() + "1\r\na\r\n0\r\n";
    for (int i = 0; i < 64; ++i)
        request += "X-Trailer-" + QByteArray::number(i) + ": " + QByteArray(40, 't') + "\r\n";
    QVERIFY(request.size() > 4 * MaxHead);
    const Verdict v = feedAll(request);
    QVERIFY2(v == Verdict::HeadTooLarge, name(v));
}

void TestRequestFraming::badFraming_data()
{
    QTest::addColumn<QByteArray>("request");
    const QByteArray post = "POST /x HTTP/1.1\r\nHost: h\r\n";
    QTest::newRow("two different lengths")
        << QByteArray(post + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    QTest::newRow("length then chunked")
        << QByteArray(post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    QTest::newRow("chunked then length")
        << QByteArray(post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
    QTest::newRow("negative length") << QByteArray(post + "Content-Length: -1\r\n\r\n");
    QTest::newRow("length not a number") << QByteArray(post + "Content-Length: abc\r\n\r\n");
    QTest::newRow("empty length") << QByteArray(post + "Content-Length:\r\n\r\n");
    QTest::newRow("length list") << QByteArray(post + "Content-Length: 3, 3\r\n\r\nabc");
    QTest::newRow("length overflows")
        << QByteArray(post + "Content-Length: 99999999999999999999\r\n\r\n");
    QTest::newRow("length with plus sign") << QByteArray(post + "Content-Length: +3\r\n\r\nabc");
    QTest::newRow("gzip coding") << QByteArray(post + "Transfer-Encoding: gzip\r\n\r\n");
    QTest::newRow("gzip then chunked")
        << QByteArray(post + "Transfer-Encoding: gzip, chunked\r\n\r\n");
    QTest::newRow("chunk size not hex") << QByteArray(chunkedHead() + "zz\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("empty chunk size") << QByteArray(chunkedHead() + "\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("negative chunk size") << QByteArray(chunkedHead() + "-5\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("chunk size with plus sign")
        << QByteArray(chunkedHead() + "+5\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("chunk size with 0x prefix")
        << QByteArray(chunkedHead() + "0x5\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("chunk size too long")
        << QByteArray(chunkedHead() + "0000000000000001\r\na\r\n0\r\n\r\n");
    QTest::newRow("chunk data not followed by CRLF")
        << QByteArray(chunkedHead() + "5\r\nhelloXY\r\n0\r\n\r\n");
    QTest::newRow("chunk data followed by CR only")
        << QByteArray(chunkedHead() + "5\r\nhello\rX0\r\n\r\n");
    QTest::newRow("endless chunk extension")
        << QByteArray(chunkedHead() + "5;" + QByteArray(2000, 'e') + "\r\nhello\r\n0\r\n\r\n");
}

void TestRequestFraming::badFraming()
{
    QFETCH(QByteArray, request);
    QCOMPARE(feedAll(request), Verdict::Malformed);
    // However the bytes arrive.
    RequestFraming slow(MaxHead, MaxBody);
    Verdict last = Verdict::Ok;
    for (char c : request) {
        last = slow.feed(QByteArrayView(&c, 1));
        if (last != Verdict::Ok)
            break;
    }
    QCOMPARE(last, Verdict::Malformed);
}

void TestRequestFraming::failureIsSticky()
{
    RequestFraming f(MaxHead, MaxBody);
    QCOMPARE(f.feed("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
             Verdict::Malformed);
    QCOMPARE(f.feed(getRequest()), Verdict::Malformed);
    QCOMPARE(f.feed(QByteArrayView()), Verdict::Malformed);

    RequestFraming big(MaxHead, MaxBody);
    QCOMPARE(big.feed(postRequest(QByteArray(MaxBody + 1, 'x'))), Verdict::BodyTooLarge);
    QCOMPARE(big.feed(getRequest()), Verdict::BodyTooLarge);
}

QTEST_APPLESS_MAIN(TestRequestFraming)
#include "tst_request_framing.moc"
