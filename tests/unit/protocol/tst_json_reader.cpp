#include "protocol/ApiError.h"
#include "protocol/JsonReader.h"

#include <QJsonDocument>
#include <QTest>
#include <functional>

using namespace Qt::StringLiterals;
using cortex::protocol::ApiError;
using cortex::protocol::JsonReader;

namespace {

// A value that must never show up in an error message.
constexpr auto Sentinel = "SENTINEL-7f3a";

// Runs `call`, expecting an ApiError; answers it (or a 0-status error if none was thrown).
ApiError catchError(const std::function<void()> &call)
{
    try {
        call();
    } catch (const ApiError &e) {
        return e;
    }
    return ApiError(0, u"<no error>"_s, QString());
}

// Calls the named reader method; the result is thrown away, only errors matter here.
void callMethod(const JsonReader &reader, const QString &method, const QString &field)
{
    if (method == u"requireString")
        (void)reader.requireString(field);
    else if (method == u"optionalString")
        (void)reader.optionalString(field);
    else if (method == u"optionalBool")
        (void)reader.optionalBool(field);
    else if (method == u"requireInt")
        (void)reader.requireInt(field);
    else if (method == u"optionalInt")
        (void)reader.optionalInt(field);
    else if (method == u"requireSecretString")
        (void)reader.requireSecretString(field);
    else
        QTest::qFail("unknown method in test data", __FILE__, __LINE__);
}

// Every JSON type, by field name; "str" holds the sentinel to prove it is never echoed.
const QByteArray AllTypes = QByteArray(R"({
    "str": ")") + Sentinel + R"(",
    "int": 42,
    "frac": 1.5,
    "bool": true,
    "null": null,
    "arr": [1, 2],
    "obj": {"x": 1},
    "numstr": "1"
})";

} // namespace

class TestJsonReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseRejects_data();
    void parseRejects();
    void parseRejectsWithSecretFields_data() { parseRejects_data(); }
    void parseRejectsWithSecretFields();
    void parseAccepts_data();
    void parseAccepts();
    void syntaxErrorMessage();
    void parseDoesNotCopyPastEnd();

    void typeMatrix_data();
    void typeMatrix();

    void strings();
    void bools();
    void integers_data();
    void integers();
    void missingFieldNamesField();

    void secretString_data();
    void secretString();
    void secretStringRejectsLoneSurrogate_data();
    void secretStringRejectsLoneSurrogate();

    void unknownFields();
    void unknownFieldNameIsBounded();
    void nestedObject();

    void declaredSecretsNeverReachTheParsedObject();
    void declaredSecretsAreReadOnlyAsSecrets();
    void declaredSecretsFollowTheParser_data();
    void declaredSecretsFollowTheParser();
    void declaredSecretErrors_data();
    void declaredSecretErrors();
    void errorOffsetsAfterASecretAreUnchanged();
};

void TestJsonReader::parseRejects_data()
{
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("blank") << QByteArray(" \t\r\n ");
    QTest::newRow("number") << QByteArray("1");
    QTest::newRow("string") << QByteArray(R"("x")");
    QTest::newRow("null") << QByteArray("null");
    QTest::newRow("true") << QByteArray("true");
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("array-of-object") << QByteArray(R"([{"a":1}])");
    QTest::newRow("open-brace") << QByteArray("{");
    QTest::newRow("truncated-after-colon") << QByteArray(R"({"a":)");
    QTest::newRow("truncated-value") << QByteArray(R"({"a":1)");
    QTest::newRow("truncated-string") << QByteArray(R"({"a":"abc)");
    QTest::newRow("truncated-nested") << QByteArray(R"({"a":{"b":[1,2)");
    QTest::newRow("trailing-comma") << QByteArray(R"({"a":1,})");
    QTest::newRow("single-quotes") << QByteArray("{'a':1}");
    QTest::newRow("unquoted-key") << QByteArray("{a:1}");
    QTest::newRow("bad-literal") << QByteArray(R"({"a":tru})");
    QTest::newRow("garbage-after") << QByteArray("{} x");
    QTest::newRow("two-objects") << QByteArray("{}{}");
    QTest::newRow("invalid-utf8") << QByteArray("{\"a\":\"\xff\"}");
    QTest::newRow("bom") << QByteArray("\xEF\xBB\xBF{}");
    QTest::newRow("nul-inside") << QByteArray("{\"a\":1\0}", 8);
    QTest::newRow("control-char-in-string") << QByteArray("{\"a\":\"x\ny\"}");
    QTest::newRow("comment") << QByteArray("{/* c */}");
}

void TestJsonReader::parseRejects()
{
    QFETCH(QByteArray, body);
    const ApiError e = catchError([&] { (void)JsonReader::parse(body); });
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, u"invalid_json"_s);
    QVERIFY(!e.message.isEmpty());
}

void TestJsonReader::parseRejectsWithSecretFields()
{
    // Taking "a" out first changes nothing about what is rejected.
    QFETCH(QByteArray, body);
    const ApiError e = catchError([&] { (void)JsonReader::parse(body, {u"a", u"a/b"}); });
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, u"invalid_json"_s);
}

void TestJsonReader::parseAccepts_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("size");

    QTest::newRow("empty-object") << QByteArray("{}") << 0;
    QTest::newRow("surrounding-whitespace") << QByteArray(" \r\n\t{ \"a\" : 1 }\n ") << 1;
    QTest::newRow("nested") << QByteArray(R"({"a":{"b":[1,{"c":null}]},"d":"e"})") << 2;
}

void TestJsonReader::parseAccepts()
{
    QFETCH(QByteArray, body);
    QFETCH(int, size);
    QCOMPARE(JsonReader::parse(body).object().size(), size);
}

void TestJsonReader::syntaxErrorMessage()
{
    const ApiError syntax = catchError([] {
        (void)JsonReader::parse("{\"a\": \""
                                "x");
    });
    QCOMPARE(syntax.code, u"invalid_json"_s);
    QVERIFY2(syntax.message.contains(u"offset"), qPrintable(syntax.message));
    QVERIFY2(!syntax.message.contains(u"\"a\""), "the body is not echoed");

    const ApiError array = catchError([] { (void)JsonReader::parse("[1]"); });
    QVERIFY2(array.message.contains(u"JSON object"), qPrintable(array.message));

    const ApiError empty = catchError([] { (void)JsonReader::parse(""); });
    QVERIFY2(empty.message.contains(u"empty"), qPrintable(empty.message));
}

void TestJsonReader::parseDoesNotCopyPastEnd()
{
    // The view may be a slice of a larger buffer: only the viewed bytes are parsed.
    const QByteArray buffer = R"({"a":1}garbage)";
    QCOMPARE(JsonReader::parse(QByteArrayView(buffer).first(7)).requireInt(u"a"), 1);
}

void TestJsonReader::typeMatrix_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expectedCode"); // empty: no error

    // Which fields of AllTypes each method accepts; every other present field is
    // invalid_field, and "null" / "absent" are missing_field or nullopt.
    struct Method
    {
        QString name;
        bool optional;
        QStringList accepts;
    };
    const QList<Method> methods{
        {u"requireString"_s, false, {u"str"_s, u"numstr"_s}},
        {u"optionalString"_s, true, {u"str"_s, u"numstr"_s}},
        {u"optionalBool"_s, true, {u"bool"_s}},
        {u"requireInt"_s, false, {u"int"_s}},
        {u"optionalInt"_s, true, {u"int"_s}},
        {u"requireSecretString"_s, false, {u"str"_s, u"numstr"_s}},
    };
    const QStringList fields{u"str"_s, u"int"_s, u"frac"_s,   u"bool"_s,  u"null"_s,
                             u"arr"_s, u"obj"_s, u"numstr"_s, u"absent"_s};
    for (const Method &m : methods) {
        for (const QString &f : fields) {
            QString code;
            if (f == u"null" || f == u"absent")
                code = m.optional ? QString() : u"missing_field"_s;
            else if (!m.accepts.contains(f))
                code = u"invalid_field"_s;
            QTest::addRow("%s-%s", qPrintable(m.name), qPrintable(f)) << m.name << f << code;
        }
    }
}

void TestJsonReader::typeMatrix()
{
    QFETCH(QString, method);
    QFETCH(QString, field);
    QFETCH(QString, expectedCode);

    const JsonReader reader = JsonReader::parse(AllTypes);
    const ApiError e = catchError([&] { callMethod(reader, method, field); });
    if (expectedCode.isEmpty()) {
        QCOMPARE(e.status, 0);
        return;
    }
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, expectedCode);
    QVERIFY2(e.message.contains(u'\'' + field + u'\''), qPrintable(e.message));
    QCOMPARE(e.details.value(u"field"_s).toString(), field);
    QVERIFY(!e.message.contains(QLatin1StringView(Sentinel)));
    QVERIFY(!QJsonDocument(e.toJson()).toJson().contains(Sentinel));
}

void TestJsonReader::strings()
{
    const JsonReader r = JsonReader::parse(R"({"a":"plain","u":"pässwörd \ud83d\udd11 日本",)"
                                           R"("e":"","esc":"q\"b\\n\n"})");
    QCOMPARE(r.requireString(u"a"), u"plain"_s);
    QCOMPARE(r.requireString(u"u"), u"pässwörd 🔑 日本"_s);
    QCOMPARE(r.requireString(u"e"), QString());
    QCOMPARE(r.requireString(u"esc"), u"q\"b\\n\n"_s);
    QCOMPARE(r.optionalString(u"a"), std::optional<QString>(u"plain"_s));
    QCOMPARE(r.optionalString(u"e"), std::optional<QString>(QString()));
    QCOMPARE(r.optionalString(u"absent"), std::nullopt);
    // Field names are case-sensitive.
    QCOMPARE(r.optionalString(u"A"), std::nullopt);
}

void TestJsonReader::bools()
{
    const JsonReader r = JsonReader::parse(R"({"t":true,"f":false,"n":null,"z":0,"s":"true"})");
    QCOMPARE(r.optionalBool(u"t"), std::optional<bool>(true));
    QCOMPARE(r.optionalBool(u"f"), std::optional<bool>(false));
    QCOMPARE(r.optionalBool(u"n"), std::nullopt);
    QCOMPARE(r.optionalBool(u"absent"), std::nullopt);
    QCOMPARE(catchError([&] { (void)r.optionalBool(u"z"); }).code, u"invalid_field"_s);
    QCOMPARE(catchError([&] { (void)r.optionalBool(u"s"); }).code, u"invalid_field"_s);
}

void TestJsonReader::integers_data()
{
    QTest::addColumn<QByteArray>("literal");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<qint64>("value");

    QTest::newRow("zero") << QByteArray("0") << true << qint64(0);
    QTest::newRow("negative-zero") << QByteArray("-0") << true << qint64(0);
    QTest::newRow("positive") << QByteArray("42") << true << qint64(42);
    QTest::newRow("negative") << QByteArray("-17") << true << qint64(-17);
    QTest::newRow("integral-fraction") << QByteArray("1.0") << true << qint64(1);
    QTest::newRow("exponent") << QByteArray("1e3") << true << qint64(1000);
    QTest::newRow("max-safe") << QByteArray("9007199254740992") << true << qint64(9007199254740992);
    QTest::newRow("min-safe") << QByteArray("-9007199254740992") << true
                              << qint64(-9007199254740992);

    QTest::newRow("fraction") << QByteArray("1.5") << false << qint64(0);
    QTest::newRow("small-fraction") << QByteArray("1e-3") << false << qint64(0);
    QTest::newRow("beyond-max-safe") << QByteArray("9007199254740993") << false << qint64(0);
    QTest::newRow("beyond-min-safe") << QByteArray("-9007199254740993") << false << qint64(0);
    QTest::newRow("int64-max") << QByteArray("9223372036854775807") << false << qint64(0);
    QTest::newRow("int64-min") << QByteArray("-9223372036854775808") << false << qint64(0);
    QTest::newRow("beyond-int64") << QByteArray("99999999999999999999") << false << qint64(0);
    QTest::newRow("huge-double") << QByteArray("1e300") << false << qint64(0);
    QTest::newRow("string") << QByteArray(R"("1")") << false << qint64(0);
    QTest::newRow("true") << QByteArray("true") << false << qint64(0);
    QTest::newRow("array") << QByteArray("[1]") << false << qint64(0);
    QTest::newRow("object") << QByteArray(R"({"v":1})") << false << qint64(0);
}

void TestJsonReader::integers()
{
    QFETCH(QByteArray, literal);
    QFETCH(bool, ok);
    QFETCH(qint64, value);

    const JsonReader r = JsonReader::parse("{\"n\":" + literal + "}");
    if (ok) {
        QCOMPARE(r.requireInt(u"n"), value);
        QCOMPARE(r.optionalInt(u"n"), std::optional<qint64>(value));
        return;
    }
    for (const auto &call : {std::function<void()>([&] { (void)r.requireInt(u"n"); }),
                             std::function<void()>([&] { (void)r.optionalInt(u"n"); })}) {
        const ApiError e = catchError(call);
        QCOMPARE(e.status, 400);
        QCOMPARE(e.code, u"invalid_field"_s);
        QVERIFY2(e.message.contains(u"'n'"), qPrintable(e.message));
    }
}

void TestJsonReader::missingFieldNamesField()
{
    const JsonReader r = JsonReader::parse("{}");
    const ApiError e = catchError([&] { (void)r.requireString(u"namespace"); });
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, u"missing_field"_s);
    QVERIFY2(e.message.contains(u"'namespace'"), qPrintable(e.message));
    QCOMPARE(e.toJson().value(u"details"_s).toObject(),
             QJsonObject({{u"field"_s, u"namespace"_s}}));
    QCOMPARE(r.optionalInt(u"n"), std::nullopt);
}

void TestJsonReader::secretString_data()
{
    QTest::addColumn<QByteArray>("jsonString"); // as written in the body, quotes included
    QTest::addColumn<QByteArray>("utf8");

    QTest::newRow("ascii") << QByteArray(R"("s3cr3t")") << QByteArray("s3cr3t");
    QTest::newRow("empty") << QByteArray(R"("")") << QByteArray();
    QTest::newRow("raw-unicode") << QByteArray(R"("pässwörd 日本 🔑")")
                                 << QByteArray("pässwörd 日本 🔑");
    QTest::newRow("escaped-unicode")
        << QByteArray(R"("\u00e9\u65e5\ud83d\udd11")") << QByteArray("é日🔑");
    QTest::newRow("escapes") << QByteArray(R"("a\"b\\c\/d\n\r\t")")
                             << QByteArray("a\"b\\c/d\n\r\t");
    QTest::newRow("spaces-kept") << QByteArray(R"("  padded  ")") << QByteArray("  padded  ");
    QTest::newRow("nul") << QByteArray(R"("a\u0000b")") << QByteArray("a\0b", 3);
    QTest::newRow("two-byte-boundary")
        << QByteArray(R"("\u007f\u0080\u07ff\u0800\uffff")")
        << QByteArray("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
    QTest::newRow("long") << ('"' + QByteArray(100000, 'x') + '"') << QByteArray(100000, 'x');
}

void TestJsonReader::secretString()
{
    QFETCH(QByteArray, jsonString);
    QFETCH(QByteArray, utf8);

    for (const bool declared : {false, true}) {
        const QByteArray body = "{\"v\":" + jsonString + "}";
        const JsonReader r = declared ? JsonReader::parse(body, {u"v"}) : JsonReader::parse(body);
        const cortex::crypto::SecureBytes secret = r.requireSecretString(u"v");
        QCOMPARE(secret.size(), std::size_t(utf8.size()));
        QCOMPARE(secret.view().toByteArray(), utf8);
    }
}

void TestJsonReader::secretStringRejectsLoneSurrogate_data()
{
    QTest::addColumn<QByteArray>("jsonString");
    QTest::newRow("lone-high") << QByteArray(R"("a\ud800b")");
    QTest::newRow("lone-high-at-end") << QByteArray(R"("a\ud800")");
    QTest::newRow("lone-low") << QByteArray(R"("\udc00")");
    QTest::newRow("reversed-pair") << QByteArray(R"("\udd11\ud83d")");
}

void TestJsonReader::secretStringRejectsLoneSurrogate()
{
    QFETCH(QByteArray, jsonString);
    const QByteArray body = "{\"v\":" + jsonString + "}";
    // Declared secret, the parse refuses it (it has no UTF-8 form); otherwise the read does.
    for (const bool declared : {false, true}) {
        const ApiError e = catchError([&] {
            const JsonReader r =
                declared ? JsonReader::parse(body, {u"v"}) : JsonReader::parse(body);
            (void)r.requireSecretString(u"v");
        });
        QCOMPARE(e.status, 400);
        QCOMPARE(e.code, u"invalid_field"_s);
        QCOMPARE(e.details.value(u"field"_s).toString(), u"v"_s);
    }
}

void TestJsonReader::unknownFields()
{
    const JsonReader r = JsonReader::parse(R"({"name":"x","value":"y","zeta":1,"alpha":2})");
    r.rejectUnknownFields({u"name", u"value", u"zeta", u"alpha", u"extra"});

    const ApiError e = catchError([&] { r.rejectUnknownFields({u"name", u"value"}); });
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, u"unknown_field"_s);
    // Keys are visited in sorted order: "alpha" is the first unknown one.
    QVERIFY2(e.message.contains(u"'alpha'"), qPrintable(e.message));
    QCOMPARE(e.details.value(u"field"_s).toString(), u"alpha"_s);

    // Matching is exact: case and surrounding spaces matter.
    const JsonReader caseOnly = JsonReader::parse(R"({"Name":1})");
    QCOMPARE(catchError([&] { caseOnly.rejectUnknownFields({u"name"}); }).code, u"unknown_field"_s);

    JsonReader::parse("{}").rejectUnknownFields({});
    QCOMPARE(catchError([] { JsonReader::parse(R"({"a":1})").rejectUnknownFields({}); }).code,
             u"unknown_field"_s);
}

void TestJsonReader::unknownFieldNameIsBounded()
{
    const QByteArray longName(10000, 'k');
    const JsonReader r = JsonReader::parse("{\"" + longName + "\":1}");
    const ApiError e = catchError([&] { r.rejectUnknownFields({u"a"}); });
    QCOMPARE(e.code, u"unknown_field"_s);
    QVERIFY(e.message.size() < 200);
    QVERIFY(e.details.value(u"field"_s).toString().size() < 100);
}

void TestJsonReader::nestedObject()
{
    const JsonReader outer = JsonReader::parse(R"({"policy":{"path":"db/*","ttl":60}})");
    QVERIFY(outer.object().value(u"policy"_s).isObject());
    const JsonReader inner(outer.object().value(u"policy"_s).toObject());
    QCOMPARE(inner.requireString(u"path"), u"db/*"_s);
    QCOMPARE(inner.requireInt(u"ttl"), qint64(60));
    inner.rejectUnknownFields({u"path", u"ttl"});
}

void TestJsonReader::declaredSecretsNeverReachTheParsedObject()
{
    // A password with escapes, a nested .env file, and a field that is no secret.
    const QByteArray body =
        R"({"password":"hunter2-\u00e9-\"q\"","user":"alice",)"
        R"("context":{"project_name":"shop","file_content":"API_KEY=sk-123\n"}})";
    const JsonReader r = JsonReader::parse(body, {u"password", u"context/file_content"});
    const QByteArray parsed = QJsonDocument(r.object()).toJson(QJsonDocument::Compact);
    for (const char *secretPart : {"hunter2", "sk-123", "API_KEY"})
        QVERIFY2(!parsed.contains(secretPart), parsed.constData());
    QVERIFY(parsed.contains("alice"));
    QVERIFY(parsed.contains("shop"));

    QCOMPARE(r.requireSecretString(u"password").view().toByteArray(),
             QByteArray("hunter2-\xc3\xa9-\"q\""));
    const JsonReader context = r.requireObject(u"context");
    QCOMPARE(context.requireSecretString(u"file_content").view().toByteArray(),
             QByteArray("API_KEY=sk-123\n"));
    QCOMPARE(context.requireString(u"project_name"), u"shop"_s);
    QCOMPARE(r.requireString(u"user"), u"alice"_s);
    // Each read hands out its own copy.
    QCOMPARE(r.requireSecretString(u"password").size(), std::size_t(14));
}

void TestJsonReader::declaredSecretsAreReadOnlyAsSecrets()
{
    // The parsed object holds a placeholder there: a plain read is a bug, not an empty value.
    const JsonReader r = JsonReader::parse(R"({"password":"hunter2"})", {u"password"});
    QCOMPARE(catchError([&] { (void)r.requireString(u"password"); }).status, 500);
    QCOMPARE(catchError([&] { (void)r.optionalString(u"password"); }).status, 500);
    QVERIFY(r.object().contains(u"password"_s)); // still present, for checks like "either or"
    r.rejectUnknownFields({u"password"});

    const ApiError notObject =
        catchError([] { (void)JsonReader::parse(R"({"context":"x"})").requireObject(u"context"); });
    QCOMPARE(notObject.code, u"invalid_field"_s);
    const ApiError missing = catchError([] { (void)JsonReader::parse("{}").requireObject(u"c"); });
    QCOMPARE(missing.code, u"missing_field"_s);
}

void TestJsonReader::declaredSecretsFollowTheParser_data()
{
    // What requireSecretString(u"v") answers must be what the parsed object says, whatever the
    // body's shape: the lifted value, or the parser's error for that field.
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("value"); // empty with an error code
    QTest::addColumn<QString>("error");

    QTest::newRow("last-duplicate-wins")
        << QByteArray(R"({"v":"one","v":"two"})") << QByteArray("two") << QString();
    QTest::newRow("later-number-wins")
        << QByteArray(R"({"v":"one","v":5})") << QByteArray() << u"invalid_field"_s;
    QTest::newRow("later-string-wins")
        << QByteArray(R"({"v":[1],"v":"two"})") << QByteArray("two") << QString();
    QTest::newRow("later-object-wins")
        << QByteArray(R"({"v":"one","v":{"v":"x"}})") << QByteArray() << u"invalid_field"_s;
    QTest::newRow("null") << QByteArray(R"({"v":null})") << QByteArray() << u"missing_field"_s;
    QTest::newRow("escaped-key") << QByteArray(R"({"\u0076":"s"})") << QByteArray("s") << QString();
    QTest::newRow("nested-v-is-not-top-v")
        << QByteArray(R"({"w":{"v":"inner"},"v":"top"})") << QByteArray("top") << QString();
    QTest::newRow("in-array") << QByteArray(R"({"a":[{"v":"x"}],"v":"top"})") << QByteArray("top")
                              << QString();
    QTest::newRow("colon-and-brace-in-strings")
        << QByteArray(R"({"k":"a:{\"v\":\"no\"}","v":"yes"})") << QByteArray("yes") << QString();
}

void TestJsonReader::declaredSecretsFollowTheParser()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, value);
    QFETCH(QString, error);
    const JsonReader r = JsonReader::parse(body, {u"v"});
    if (error.isEmpty()) {
        QCOMPARE(r.requireSecretString(u"v").view().toByteArray(), value);
        const QByteArray parsed = QJsonDocument(r.object()).toJson(QJsonDocument::Compact);
        QVERIFY2(!parsed.contains(value), parsed.constData());
    } else {
        QCOMPARE(catchError([&] { (void)r.requireSecretString(u"v"); }).code, error);
    }
}

void TestJsonReader::declaredSecretErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("control-char") << QByteArray("{\"v\":\"ab\ncd\"}") << u"invalid_json"_s
                                  << u"control character in a string at offset 8"_s;
    QTest::newRow("invalid-utf8") << QByteArray("{\"v\":\"ab\xff\"}") << u"invalid_json"_s
                                  << u"UTF8"_s;
    QTest::newRow("bad-escape") << QByteArray(R"({"v":"ab\x"})") << u"invalid_json"_s
                                << u"escape sequence at offset 8"_s;
    QTest::newRow("short-unicode-escape")
        << QByteArray(R"({"v":"\u12"})") << u"invalid_json"_s << u"escape"_s;
    QTest::newRow("unterminated") << QByteArray(R"({"v":"abc)") << u"invalid_json"_s
                                  << u"unterminated string at offset 5"_s;
    QTest::newRow("more-after-the-object") << QByteArray(R"({"v":"abc"}, "w")") << u"invalid_json"_s
                                           << u"garbage at the end of the document at offset 11"_s;
}

void TestJsonReader::declaredSecretErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    const ApiError e = catchError([&] { (void)JsonReader::parse(body, {u"v"}); });
    QCOMPARE(e.status, 400);
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(messagePart), qPrintable(e.message));
    QVERIFY2(!e.message.contains(u"ab"), "the value is not echoed");
}

void TestJsonReader::errorOffsetsAfterASecretAreUnchanged()
{
    // The secret's place is kept at its length: a later syntax error is reported where it is.
    const QByteArray body = R"({"v":"s\u00e9cret-with-escapes\n", x})";
    const ApiError plain = catchError([&] { (void)JsonReader::parse(body); });
    const ApiError lifted = catchError([&] { (void)JsonReader::parse(body, {u"v"}); });
    QCOMPARE(plain.code, u"invalid_json"_s);
    QVERIFY2(plain.message.contains(u"offset"), qPrintable(plain.message));
    QCOMPARE(lifted.message, plain.message);
}

QTEST_APPLESS_MAIN(TestJsonReader)
#include "tst_json_reader.moc"
