#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <initializer_list>
#include <map>

namespace cortex::protocol {

// Takes the values of named secret string fields out of a JSON request body before any JSON
// parser sees it, so that no parsed document ever holds them in plain memory: each is decoded
// (escapes resolved) straight into secure memory, and its place in the body is filled with a
// placeholder string of the same length (offsets in later parse errors stay right).
//
// Paths name members of objects from the top: "password", or "context/file_content" for a
// member of the object under "context" (matched key by key: a key that itself holds a '/' is
// no path). Members inside arrays are never lifted. A named field
// whose value is not a string is left for the parser to judge. Of duplicate keys the last one
// counts, as with Qt's parser.
struct LiftedSecrets
{
    QByteArray body;                                   // empty when nothing was lifted
    std::map<QStringList, crypto::SecureBytes> values; // by path: {"context", "file_content"}
};

// Throws ApiError 400 invalid_json for a raw control character, invalid UTF-8 or a bad escape
// inside a lifted string (with its offset), and invalid_field for an unpaired surrogate escape
// there (a secret has no UTF-8 form then). An unterminated string or anything after the top
// level closes is invalid_json here too; other syntax errors are left to the JSON parser, which
// then sees only what is left of the body.
LiftedSecrets liftSecretFields(QByteArrayView body, std::initializer_list<QStringView> paths);

} // namespace cortex::protocol
