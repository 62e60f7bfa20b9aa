#include "protocol/ApiError.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using cortex::protocol::ApiError;

class TestApiError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void factories_data();
    void factories();
    void detailsOnlyWhenPresent();
    void sealed();
    void internalIsGeneric();
    void isStdException();
};

void TestApiError::factories_data()
{
    QTest::addColumn<ApiError>("error");
    QTest::addColumn<int>("status");

    const QString c = u"some_code"_s;
    const QString m = u"some message"_s;
    QTest::newRow("badRequest") << ApiError::badRequest(c, m) << 400;
    QTest::newRow("unauthorized") << ApiError::unauthorized(c, m) << 401;
    QTest::newRow("forbidden") << ApiError::forbidden(c, m) << 403;
    QTest::newRow("notFound") << ApiError::notFound(c, m) << 404;
    QTest::newRow("conflict") << ApiError::conflict(c, m) << 409;
    QTest::newRow("payloadTooLarge") << ApiError::payloadTooLarge(c, m) << 413;
    QTest::newRow("serviceUnavailable") << ApiError::serviceUnavailable(c, m) << 503;
}

void TestApiError::factories()
{
    QFETCH(ApiError, error);
    QFETCH(int, status);
    QCOMPARE(error.status, status);
    QCOMPARE(error.code, u"some_code"_s);
    QCOMPARE(error.message, u"some message"_s);
    QVERIFY(error.details.isEmpty());
    const QJsonObject expected{{u"error"_s, u"some message"_s}, {u"error_code"_s, u"some_code"_s}};
    QCOMPARE(error.toJson(), expected);
    QCOMPARE(QByteArray(error.what()), QByteArray::number(status) + " some_code: some message");
}

void TestApiError::detailsOnlyWhenPresent()
{
    const ApiError e = ApiError::badRequest(u"missing_field"_s, u"missing required field 'x'"_s,
                                            QJsonObject{{u"field"_s, u"x"_s}});
    const QJsonObject json = e.toJson();
    QCOMPARE(json.size(), 3);
    QCOMPARE(json.value(u"details"_s).toObject(), QJsonObject({{u"field"_s, u"x"_s}}));
    QCOMPARE(QJsonDocument(json).toJson(QJsonDocument::Compact),
             QByteArray(R"({"details":{"field":"x"},"error":"missing required field 'x'",)"
                        R"("error_code":"missing_field"})"));
}

void TestApiError::sealed()
{
    const ApiError e = ApiError::sealed();
    QCOMPARE(e.status, 503);
    QCOMPARE(e.toJson(),
             QJsonObject({{u"error"_s, u"vault is sealed"_s}, {u"error_code"_s, u"sealed"_s}}));
}

void TestApiError::internalIsGeneric()
{
    const ApiError e = ApiError::internal();
    QCOMPARE(e.status, 500);
    QCOMPARE(e.code, u"internal_error"_s);
    QVERIFY(!e.message.isEmpty());
    QVERIFY(e.details.isEmpty());
}

void TestApiError::isStdException()
{
    try {
        throw ApiError::conflict(u"exists"_s, u"secret already exists"_s);
    } catch (const std::exception &e) {
        QCOMPARE(QByteArray(e.what()), QByteArray("409 exists: secret already exists"));
        return;
    }
    QFAIL("not caught as std::exception");
}

QTEST_APPLESS_MAIN(TestApiError)
#include "tst_api_error.moc"
