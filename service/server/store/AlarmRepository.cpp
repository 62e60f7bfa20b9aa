#include "store/AlarmRepository.h"

#include "store/Database.h"

namespace cortex::store {

void AlarmRepository::insert(const AlarmRow &row)
{
    m_db.exec(
        QStringLiteral("INSERT INTO alarms (id, audit_seq, kind, time, namespace, key_path,"
                       " agent_id, project, source_address, request_id, acknowledged_at,"
                       " acknowledged_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)"),
        {row.id, row.auditSeq, row.kind, row.time, row.ns, row.keyPath, row.agentId, row.project,
         row.sourceAddress, row.requestId});
}

} // namespace cortex::store
