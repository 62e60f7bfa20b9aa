#include "protocol/JsonReader.h"

#include "protocol/ApiError.h"
#include "protocol/JsonErrors_p.h"
#include "protocol/JsonSecretFields.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QScopeGuard>
#include <QStringEncoder>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;
using cortex::crypto::SecureBytes;

namespace cortex::protocol {

using detail::fieldDetails;
using detail::shownName;

namespace {

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"a boolean"_s;
    case QJsonValue::Double:
        return u"a number"_s;
    case QJsonValue::String:
        return u"a string"_s;
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"undefined"_s;
}

ApiError wrongType(QStringView field, QStringView expected, const QJsonValue &got)
{
    return ApiError::badRequest(
        u"invalid_field"_s,
        u"field '%1' must be %2, not %3"_s.arg(shownName(field), expected, typeName(got)),
        fieldDetails(field));
}

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Qt's parser accepts raw control characters inside strings; RFC 8259 does not. Answers the
// offset of the first one, or -1.
qsizetype rawControlCharInString(QByteArrayView body)
{
    bool inString = false;
    bool escaped = false;
    for (qsizetype i = 0; i < body.size(); ++i) {
        const auto c = static_cast<unsigned char>(body[i]);
        if (!inString) {
            inString = c == '"';
        } else if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '"') {
            inString = false;
        } else if (c < 0x20) {
            return i;
        }
    }
    return -1;
}

qint64 toSafeInteger(QStringView field, const QJsonValue &v)
{
    if (!v.isDouble())
        throw wrongType(field, u"an integer", v);
    // Qt keeps integer literals that fit in qint64 exact; toInteger() also accepts doubles with
    // an integral value and answers the sentinel for anything else (fractions, huge values).
    constexpr qint64 Sentinel = std::numeric_limits<qint64>::min();
    const qint64 n = v.toInteger(Sentinel);
    if (n == Sentinel) {
        const double d = v.toDouble();
        if (!std::isfinite(d) || d != std::trunc(d))
            throw wrongType(field, u"an integer", v);
    }
    if (n == Sentinel || n > JsonReader::MaxSafeInteger || n < -JsonReader::MaxSafeInteger) {
        throw ApiError::badRequest(
            u"invalid_field"_s,
            u"field '%1' is out of range: integers must be within ±2^53"_s.arg(shownName(field)),
            fieldDetails(field));
    }
    return n;
}

} // namespace

JsonReader::JsonReader(QJsonObject object) : m_object(std::move(object)) {}

JsonReader JsonReader::parse(QByteArrayView body, std::initializer_list<QStringView> secretFields)
{
    const auto firstNonBlank = std::find_if_not(body.begin(), body.end(), isJsonWhitespace);
    if (firstNonBlank == body.end())
        throw ApiError::badRequest(u"invalid_json"_s,
                                   u"request body is empty; expected a JSON object"_s);
    // Qt rejects a top-level scalar as a bare "illegal value"; say what is actually wrong.
    if (*firstNonBlank != '{')
        throw ApiError::badRequest(u"invalid_json"_s, u"request body must be a JSON object"_s);

    // The secret fields leave the body first; what is left is parsed. Without any, fromRawData:
    // no extra copy of a body that may hold secrets.
    LiftedSecrets secrets;
    if (secretFields.size() > 0)
        secrets = liftSecretFields(body, secretFields);
    if (!secrets.values.empty())
        body = secrets.body;
    const QByteArray raw = QByteArray::fromRawData(body.data(), body.size());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    if (error.error != QJsonParseError::NoError) {
        // errorString() is a fixed description ("unterminated string"), never body content.
        throw detail::invalidJsonAt(error.errorString(), error.offset);
    }
    if (const qsizetype at = rawControlCharInString(body); at >= 0) {
        throw detail::invalidJsonAt(u"unescaped control character in a string"_s, at);
    }
    if (!doc.isObject())
        throw ApiError::badRequest(u"invalid_json"_s, u"request body must be a JSON object"_s);
    JsonReader reader(doc.object());
    if (!secrets.values.empty())
        reader.m_lifted = std::make_shared<const LiftedValues>(std::move(secrets.values));
    return reader;
}

JsonReader JsonReader::requireObject(QStringView field) const
{
    const QJsonValue v = presentValue(field);
    if (!v.isObject())
        throw wrongType(field, u"an object", v);
    JsonReader nested(v.toObject());
    nested.m_lifted = m_lifted;
    nested.m_path = m_path;
    nested.m_path.append(field.toString());
    return nested;
}

const SecureBytes *JsonReader::lifted(QStringView field) const
{
    if (!m_lifted)
        return nullptr;
    QStringList path = m_path;
    path.append(field.toString());
    const auto found = m_lifted->find(path);
    return found == m_lifted->end() ? nullptr : &found->second;
}

void JsonReader::refuseLifted(QStringView field) const
{
    // The parsed object holds a placeholder there: reading it as plain text is a bug.
    if (lifted(field))
        throw ApiError::internal();
}

QJsonValue JsonReader::presentValue(QStringView field) const
{
    QJsonValue v = m_object.value(field);
    if (v.isUndefined() || v.isNull()) {
        throw ApiError::badRequest(u"missing_field"_s,
                                   u"missing required field '%1'"_s.arg(shownName(field)),
                                   fieldDetails(field));
    }
    return v;
}

QString JsonReader::requireString(QStringView field) const
{
    refuseLifted(field);
    const QJsonValue v = presentValue(field);
    if (!v.isString())
        throw wrongType(field, u"a string", v);
    return v.toString();
}

std::optional<QString> JsonReader::optionalString(QStringView field) const
{
    refuseLifted(field);
    const QJsonValue v = m_object.value(field);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString())
        throw wrongType(field, u"a string", v);
    return v.toString();
}

std::optional<bool> JsonReader::optionalBool(QStringView field) const
{
    const QJsonValue v = m_object.value(field);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isBool())
        throw wrongType(field, u"a boolean", v);
    return v.toBool();
}

qint64 JsonReader::requireInt(QStringView field) const
{
    return toSafeInteger(field, presentValue(field));
}

std::optional<qint64> JsonReader::optionalInt(QStringView field) const
{
    const QJsonValue v = m_object.value(field);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    return toSafeInteger(field, v);
}

SecureBytes JsonReader::requireSecretString(QStringView field) const
{
    const QJsonValue v = presentValue(field);
    if (!v.isString())
        throw wrongType(field, u"a string", v);
    if (const SecureBytes *value = lifted(field))
        return value->clone();

    // A fresh QString decoded from the parsed document: ours alone, so it is wiped on every
    // way out (a refusal, a failed allocation, the return).
    QString text = v.toString();
    const auto wipeText = qScopeGuard([&text] { crypto::wipe(text); });

    // Exact UTF-8 length first, so the bytes can be encoded straight into secure memory with
    // no intermediate QByteArray. An unpaired surrogate has no UTF-8 form: reject it.
    std::size_t utf8Size = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        if (c < 0x80) {
            utf8Size += 1;
        } else if (c < 0x800) {
            utf8Size += 2;
        } else if (QChar::isHighSurrogate(c) && i + 1 < text.size() &&
                   text.at(i + 1).isLowSurrogate()) {
            utf8Size += 4;
            ++i;
        } else if (QChar::isSurrogate(c)) {
            throw detail::unpairedSurrogate(field);
        } else {
            utf8Size += 3;
        }
    }

    SecureBytes bytes; // an empty secret owns no allocation
    if (utf8Size > 0) {
        bytes = SecureBytes(utf8Size);
        QStringEncoder encoder(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
        char *begin = reinterpret_cast<char *>(bytes.data());
        const char *end = encoder.appendToBuffer(begin, text);
        if (encoder.hasError() || std::size_t(end - begin) != utf8Size)
            throw ApiError::internal();
    }
    return bytes;
}

void JsonReader::rejectUnknownFields(std::initializer_list<QStringView> allowed) const
{
    for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
        const QString key = it.key();
        if (std::find(allowed.begin(), allowed.end(), QStringView(key)) == allowed.end()) {
            throw ApiError::badRequest(
                u"unknown_field"_s, u"unknown field '%1'"_s.arg(shownName(key)), fieldDetails(key));
        }
    }
}

} // namespace cortex::protocol
