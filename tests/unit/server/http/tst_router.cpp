// Router: method + path matching with {captures}, literal segments beating captures, and the
// allowed-method list behind 405 answers.

#include "http/Router.h"

#include <QTest>

using cortex::http::HttpRequest;
using cortex::http::HttpResponse;
using cortex::http::RouteOptions;
using cortex::http::Router;

namespace {

// A handler that answers with a recognisable status, so a test can tell which route matched.
cortex::http::Handler answer(int status)
{
    return [status](HttpRequest &) {
        return HttpResponse{status, {}, {}, {}};
    };
}

QStringList segments(const QString &path)
{
    return path.split(u'/', Qt::SkipEmptyParts);
}

int statusOf(const Router::Match &match)
{
    if (!match.route)
        return -1;
    HttpRequest request;
    return match.route->handler(request).status;
}

} // namespace

class TestRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exactPaths();
    void capturesOneSegmentEach();
    void captureNeedsANonEmptySegment();
    void literalBeatsCapture_data();
    void literalBeatsCapture();
    void literalOfAnotherMethodDoesNotHideCapture();
    void allowedMethodsForKnownPath();
    void unknownPathHasNoAllowedMethods();
    void optionsArePassedThrough();
};

void TestRouter::exactPaths()
{
    Router router;
    router.add("GET", QStringLiteral("/sys/seal-status"), {}, answer(201));
    router.add("POST", QStringLiteral("/sys/unseal"), {}, answer(202));
    router.add("GET", QStringLiteral("/health"), {}, answer(203));

    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/sys/seal-status")))), 201);
    QCOMPARE(statusOf(router.match("POST", segments(QStringLiteral("/sys/unseal")))), 202);
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/health")))), 203);
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/sys")))), -1);
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/sys/seal-status/x")))), -1);
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/Health")))), -1);
    QCOMPARE(statusOf(router.match("get", segments(QStringLiteral("/health")))), -1);
    QCOMPARE(statusOf(router.match("GET", {})), -1);
}

void TestRouter::capturesOneSegmentEach()
{
    Router router;
    router.add("GET", QStringLiteral("/admin/secrets/{id}"), {}, answer(200));
    router.add("GET", QStringLiteral("/a/{x}/b/{y}"), {}, answer(201));

    Router::Match m = router.match("GET", segments(QStringLiteral("/admin/secrets/sec_123")));
    QCOMPARE(statusOf(m), 200);
    QCOMPARE(m.params.value(QStringLiteral("id")), QStringLiteral("sec_123"));
    QCOMPARE(m.params.size(), 1);
    QVERIFY(m.allowedMethods.isEmpty());

    m = router.match("GET", segments(QStringLiteral("/a/first/b/second")));
    QCOMPARE(statusOf(m), 201);
    QCOMPARE(m.params.value(QStringLiteral("x")), QStringLiteral("first"));
    QCOMPARE(m.params.value(QStringLiteral("y")), QStringLiteral("second"));

    // A segment the adapter decoded from "%2F" stays one captured value.
    m = router.match(
        "GET", {QStringLiteral("admin"), QStringLiteral("secrets"), QStringLiteral("a/versions")});
    QCOMPARE(statusOf(m), 200);
    QCOMPARE(m.params.value(QStringLiteral("id")), QStringLiteral("a/versions"));

    // A capture never spans two segments, and a literal must match exactly.
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/admin/secrets/a/b")))), -1);
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/a/1/c/2")))), -1);
}

void TestRouter::captureNeedsANonEmptySegment()
{
    Router router;
    router.add("GET", QStringLiteral("/admin/secrets/{id}"), {}, answer(200));
    const Router::Match m =
        router.match("GET", {QStringLiteral("admin"), QStringLiteral("secrets"), QString()});
    QCOMPARE(statusOf(m), -1);
    QVERIFY(m.allowedMethods.isEmpty());
}

void TestRouter::literalBeatsCapture_data()
{
    QTest::addColumn<bool>("literalFirst");
    QTest::newRow("literal added first") << true;
    QTest::newRow("capture added first") << false;
}

void TestRouter::literalBeatsCapture()
{
    QFETCH(bool, literalFirst);
    Router router;
    const auto addLiteral = [&] {
        router.add("GET", QStringLiteral("/admin/secrets/versions"), {}, answer(210));
    };
    const auto addCapture = [&] {
        router.add("GET", QStringLiteral("/admin/secrets/{id}"), {}, answer(220));
    };
    if (literalFirst) {
        addLiteral();
        addCapture();
    } else {
        addCapture();
        addLiteral();
    }
    router.add("GET", QStringLiteral("/x/{a}/{b}"), {}, answer(230));
    router.add("GET", QStringLiteral("/x/{a}/fixed"), {}, answer(240));

    Router::Match m = router.match("GET", segments(QStringLiteral("/admin/secrets/versions")));
    QCOMPARE(statusOf(m), 210);
    QVERIFY(m.params.isEmpty());
    m = router.match("GET", segments(QStringLiteral("/admin/secrets/sec_1")));
    QCOMPARE(statusOf(m), 220);
    QCOMPARE(m.params.value(QStringLiteral("id")), QStringLiteral("sec_1"));

    // More literal segments win; the captures of the winning route are the ones reported.
    m = router.match("GET", segments(QStringLiteral("/x/1/fixed")));
    QCOMPARE(statusOf(m), 240);
    QCOMPARE(m.params.value(QStringLiteral("a")), QStringLiteral("1"));
    QVERIFY(!m.params.contains(QStringLiteral("b")));
    QCOMPARE(statusOf(router.match("GET", segments(QStringLiteral("/x/1/2")))), 230);
}

void TestRouter::literalOfAnotherMethodDoesNotHideCapture()
{
    Router router;
    router.add("GET", QStringLiteral("/items/{id}"), {}, answer(200));
    router.add("POST", QStringLiteral("/items/search"), {}, answer(201));

    Router::Match m = router.match("GET", segments(QStringLiteral("/items/search")));
    QCOMPARE(statusOf(m), 200);
    QCOMPARE(m.params.value(QStringLiteral("id")), QStringLiteral("search"));
    QVERIFY(m.allowedMethods.isEmpty());
    QCOMPARE(statusOf(router.match("POST", segments(QStringLiteral("/items/search")))), 201);

    m = router.match("POST", segments(QStringLiteral("/items/other")));
    QCOMPARE(statusOf(m), -1);
    QCOMPARE(m.allowedMethods, QList<QByteArray>{"GET"});
}

void TestRouter::allowedMethodsForKnownPath()
{
    Router router;
    router.add("GET", QStringLiteral("/admin/secrets"), {}, answer(200));
    router.add("POST", QStringLiteral("/admin/secrets"), {}, answer(201));
    router.add("GET", QStringLiteral("/admin/secrets/{id}"), {}, answer(202));
    router.add("PUT", QStringLiteral("/admin/secrets/{id}"), {}, answer(203));
    router.add("DELETE", QStringLiteral("/admin/secrets/{id}"), {}, answer(204));
    router.add("GET", QStringLiteral("/admin/secrets/{id}/versions"), {}, answer(205));
    router.add("PUT", QStringLiteral("/admin/secrets/special"), {}, answer(206));

    Router::Match m = router.match("PATCH", segments(QStringLiteral("/admin/secrets")));
    QVERIFY(!m.route);
    QCOMPARE(m.allowedMethods, (QList<QByteArray>{"GET", "POST"}));

    m = router.match("POST", segments(QStringLiteral("/admin/secrets/sec_1")));
    QVERIFY(!m.route);
    QCOMPARE(m.allowedMethods, (QList<QByteArray>{"GET", "PUT", "DELETE"}));

    // Both the capture and the literal route match this path; each method is listed once.
    m = router.match("POST", segments(QStringLiteral("/admin/secrets/special")));
    QVERIFY(!m.route);
    QCOMPARE(m.allowedMethods, (QList<QByteArray>{"GET", "PUT", "DELETE"}));

    m = router.match("POST", segments(QStringLiteral("/admin/secrets/sec_1/versions")));
    QCOMPARE(m.allowedMethods, QList<QByteArray>{"GET"});

    // A match clears the list.
    m = router.match("GET", segments(QStringLiteral("/admin/secrets/sec_1")));
    QCOMPARE(statusOf(m), 202);
    QVERIFY(m.allowedMethods.isEmpty());
    // And the literal PUT route wins for PUT on its path.
    QCOMPARE(statusOf(router.match("PUT", segments(QStringLiteral("/admin/secrets/special")))),
             206);
}

void TestRouter::unknownPathHasNoAllowedMethods()
{
    Router router;
    router.add("GET", QStringLiteral("/admin/secrets"), {}, answer(200));
    const Router::Match m = router.match("GET", segments(QStringLiteral("/admin/other")));
    QVERIFY(!m.route);
    QVERIFY(m.allowedMethods.isEmpty());
    QVERIFY(m.params.isEmpty());
}

void TestRouter::optionsArePassedThrough()
{
    Router router;
    const RouteOptions open{.allowedWhileSealed = true, .requiresAdmin = false};
    const RouteOptions admin{.allowedWhileSealed = false, .requiresAdmin = true};
    router.add("GET", QStringLiteral("/sys/seal-status"), open, answer(200));
    router.add("GET", QStringLiteral("/admin/secrets"), admin, answer(200));

    Router::Match m = router.match("GET", segments(QStringLiteral("/sys/seal-status")));
    QVERIFY(m.route);
    QVERIFY(m.route->options.allowedWhileSealed);
    QVERIFY(!m.route->options.requiresAdmin);
    m = router.match("GET", segments(QStringLiteral("/admin/secrets")));
    QVERIFY(m.route);
    QVERIFY(!m.route->options.allowedWhileSealed);
    QVERIFY(m.route->options.requiresAdmin);
}

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
