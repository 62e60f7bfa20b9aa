#pragma once

#include "audit/ChainVerifier.h"

#include <QByteArray>
#include <QIODevice>
#include <QJsonObject>

namespace cortex::audit {

// GET /admin/audit/export: JSON Lines. The first line is the header
//   {"type":"header","format":"cortex-audit-export-v1","exported_at":TIME,"first_seq":N,"last_seq":M}
// then, in seq order, {"type":"row",...} lines (AuditRecord::toJson) with {"type":"checkpoint",...}
// lines (Checkpoint::toJson) each after the row it covers; a prune anchor (seq = first_seq - 1)
// comes before the first row, and the export always ends with a checkpoint the server signed for
// it, covering the last row.
inline constexpr char ExportFormatName[] = "cortex-audit-export-v1";

QJsonObject exportHeader(const QString &exportedAt, qint64 firstSeq, qint64 lastSeq);

// Verifies an export offline with only the server's public keys: every line parses, the chain is
// unbroken, every checkpoint is signed by a known key and matches, and a checkpoint covers the
// last row. Reads line by line, so memory stays flat for any size.
VerifyResult verifyExport(QIODevice &in, const ChainVerifier::Keys &keys);

} // namespace cortex::audit
