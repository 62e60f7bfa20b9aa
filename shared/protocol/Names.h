#pragma once

#include <QString>
#include <QStringView>

namespace cortex::protocol {

// Validation of client-chosen names that end up in storage keys, file paths or the environment
// of a child process. All checks are on the exact string: no normalisation, no case folding.

// A secret's key path, e.g. "db/primary/password": 1..512 characters of [A-Za-z0-9_./-],
// '/'-separated segments, no leading or trailing '/', no empty segment ("a//b") and no "." or
// ".." segment, so a path can never climb out of or alias within its namespace.
bool isValidKeyPath(QStringView path);

// A namespace name, e.g. "payments-prod": 1..64 characters of [A-Za-z0-9_.-], not starting with
// '.' or '-' (so neither "." nor "..", nor anything mistaken for a hidden file or an option).
bool isValidNamespaceName(QStringView name);

// A POSIX environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most 256 characters.
bool isValidEnvName(QStringView name);

// agent_id: 1..128 characters of [A-Za-z0-9_.@-].
bool isValidAgentId(QStringView id);
// project_name: 1..128 characters of [A-Za-z0-9_.-], not starting with '.' or '-' (it is a
// path segment of /project/secrets/{project}).
bool isValidProjectName(QStringView name);

constexpr qsizetype MaxKeyPathLength = 512;
constexpr qsizetype MaxNamespaceNameLength = 64;
constexpr qsizetype MaxEnvNameLength = 256;
constexpr qsizetype MaxAgentIdLength = 128;
constexpr qsizetype MaxProjectNameLength = 128;

// One-sentence rules for error messages.
QString describeKeyPathRule();
QString describeNamespaceRule();
QString describeEnvNameRule();
QString describeAgentIdRule();
QString describeProjectNameRule();

} // namespace cortex::protocol
