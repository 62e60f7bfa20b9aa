#pragma once

#include "audit/AuditRecord.h"

#include <QByteArray>
#include <QVariant>

namespace cortex::audit {

// The audit_log columns in AuditRecord order, for SELECTs that read whole rows.
inline constexpr char AuditRowColumns[] =
    "seq, time, actor_type, actor, action, resource, status, source_address, request_id,"
    " caller_pid, caller_binary_sha256, caller_argv_hash, caller_cwd, caller_git_commit,"
    " caller_hostname, caller_os, detail, mac_key_id, prev_hash, entry_hash, entry_hmac";

// A row selected with AuditRowColumns (a QSqlQuery positioned on it, or a QSqlRecord).
template <class Row> AuditRecord auditRecordFrom(const Row &q)
{
    const auto hash = [&q](int column) {
        return QByteArray::fromHex(q.value(column).toString().toLatin1());
    };
    AuditRecord r;
    r.seq = q.value(0).toLongLong();
    r.time = q.value(1).toString();
    r.actorType = q.value(2).toString();
    r.actor = q.value(3).toString();
    r.action = q.value(4).toString();
    r.resource = q.value(5).toString();
    r.status = q.value(6).toString();
    r.sourceAddress = q.value(7).toString();
    r.requestId = q.value(8).toString();
    if (!q.value(9).isNull())
        r.callerPid = q.value(9).toLongLong();
    r.callerBinarySha256 = q.value(10).toString();
    r.callerArgvHash = q.value(11).toString();
    r.callerCwd = q.value(12).toString();
    r.callerGitCommit = q.value(13).toString();
    r.callerHostname = q.value(14).toString();
    r.callerOs = q.value(15).toString();
    r.detail = q.value(16).toString();
    r.macKeyId = q.value(17).toInt();
    r.prevHash = hash(18);
    r.entryHash = hash(19);
    r.entryHmac = hash(20);
    return r;
}

} // namespace cortex::audit
