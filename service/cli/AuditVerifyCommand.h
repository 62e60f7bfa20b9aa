#pragma once

#include <QStringList>
#include <QTextStream>

namespace cortex::cli {

// cortex-cli audit verify EXPORT --jwks FILE_OR_URL
// Checks an export of GET /admin/audit/export (or - for stdin) against the server's public keys
// (a JWKS file, or its http(s) URL such as https://vault/.well-known/jwks.json). Prints
// "audit log intact: N rows, M checkpoints" and exits 0, or "audit log tampered: first bad seq
// S: REASON" and exits 1; exits 2 on usage errors and unreadable input.
int runAuditVerify(const QStringList &args, QTextStream &out, QTextStream &err);

} // namespace cortex::cli
