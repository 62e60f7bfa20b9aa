#pragma once

#include <QString>

namespace cortex::store {

class Database;

// One row of `alarms`: an event an operator must see and acknowledge (a touched honey token, a
// recovery boot). It points at the audit row that records the same event.
struct AlarmRow
{
    QString id; // "alm_..."
    qint64 auditSeq = 0;
    QString kind; // honey_token_read | recovery_boot
    QString time;
    QString ns;
    QString keyPath;
    QString agentId;
    QString project;
    QString sourceAddress;
    QString requestId;
};

class AlarmRepository
{
public:
    explicit AlarmRepository(Database &db) : m_db(db) {}
    void insert(const AlarmRow &row);

private:
    Database &m_db;
};

} // namespace cortex::store
