#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>

namespace cortex::protocol {

// Strict reader for a request body that must be one JSON object. Every failure throws ApiError
// 400 with a stable error_code; the message names the field, never its value, and `details`
// carries {"field": name}:
//   invalid_json   body empty, not JSON, or top level not an object (parse() only)
//   missing_field  a required field is absent or null
//   invalid_field  a field has the wrong JSON type, or an integer out of range
//   unknown_field  rejectUnknownFields() found a field not in the allowed list
// Optional fields treat absent and null alike (std::nullopt); a wrong type is still an error.
// Duplicate keys in the body are not detected: the JSON parser keeps the last one.
class JsonReader
{
public:
    // The largest magnitude requireInt()/optionalInt() accept: 2^53, beyond which JSON numbers
    // stop being exact in most clients (JavaScript, any double-based parser).
    static constexpr qint64 MaxSafeInteger = qint64(1) << 53;

    // `secretFields` are paths ("password", "context/file_content") of string fields that hold
    // secrets: their values are taken out of the body into secure memory before it is parsed
    // (protocol/JsonSecretFields.h), so the parsed object never holds them; only
    // requireSecretString() reads them, the other string readers refuse to.
    static JsonReader parse(QByteArrayView body,
                            std::initializer_list<QStringView> secretFields = {});
    // For nested objects, with the same rules.
    explicit JsonReader(QJsonObject object);

    // The object under `field` (missing_field, or invalid_field if it is no object), with the
    // secret fields that parse() took out of it.
    JsonReader requireObject(QStringView field) const;

    QString requireString(QStringView field) const;
    std::optional<QString> optionalString(QStringView field) const;
    std::optional<bool> optionalBool(QStringView field) const;
    // An integral JSON number within ±2^53. 1.0 and 1e3 are accepted (they are integral
    // values); 1.5, "1", true and 2^53 + 1 are not.
    qint64 requireInt(QStringView field) const;
    std::optional<qint64> optionalInt(QStringView field) const;

    // A secret string, returned as its UTF-8 bytes in secure memory. A string holding an
    // unpaired surrogate (possible through a \uD800 escape) is rejected as invalid_field rather
    // than silently altered.
    // Declared to parse() as a secret field, the value never was in the parsed object (the raw
    // body it came in is the caller's). Otherwise the parsed QJsonObject holds a plain-memory
    // copy outside our control; the UTF-8 encoding still goes straight into SecureBytes and the
    // temporary QString is wiped.
    cortex::crypto::SecureBytes requireSecretString(QStringView field) const;

    // Throws unknown_field naming the first field (in key order) not in `allowed`.
    void rejectUnknownFields(std::initializer_list<QStringView> allowed) const;

    const QJsonObject &object() const { return m_object; }

private:
    using LiftedValues = std::map<QStringList, cortex::crypto::SecureBytes>;

    QJsonValue presentValue(QStringView field) const; // missing_field if absent or null
    const cortex::crypto::SecureBytes *lifted(QStringView field) const;
    void refuseLifted(QStringView field) const;

    QJsonObject m_object;
    std::shared_ptr<const LiftedValues> m_lifted; // shared with the readers of nested objects
    QStringList m_path;                           // of this object, from the top
};

} // namespace cortex::protocol
