#pragma once

#include "shares/ShareCodec.h"

#include <QString>
#include <optional>

namespace cortex::startup {

// A share read from a file (--share-file): the text or the groups form, surrounding whitespace
// ignored, at most 4 KiB. nullopt with *error set (naming the file, never echoing its content).
std::optional<shares::Share> readShareFile(const QString &path, QString *error);

// A share typed on the terminal with echo off. nullopt on an empty line (the operator gives
// up); *error is set when the line is not a valid share, and *line keeps the typed bytes so the
// caller can try them as a password instead.
std::optional<shares::Share> readShareFromTerminal(const QString &prompt, QString *error,
                                                   crypto::SecureBytes *line);

} // namespace cortex::startup
