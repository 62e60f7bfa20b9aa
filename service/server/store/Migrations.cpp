#include "store/Migrations.h"

#include "store/Database.h"
#include "store/Timestamps.h"

#include <QStringList>
#include <functional>
#include <vector>

namespace cortex::store {

namespace {

struct Migration
{
    int version;
    std::function<void(Database &)> apply;
};

void runAll(Database &db, const QStringList &statements)
{
    for (const QString &sql : statements)
        db.exec(sql);
}

// BLOB columns hold ciphertext, wrapped keys, salts and hashes. Timestamps are ISO 8601 UTC
// text with milliseconds, which sorts correctly on every backend.
const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> list = {
        {1,
         [](Database &db) {
             runAll(db, {
                 QStringLiteral("CREATE TABLE vault_state ("
                                " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                " kek_version INTEGER NOT NULL,"
                                " key_check BLOB NOT NULL,"
                                " initialized_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE keyslots ("
                                " id INTEGER PRIMARY KEY,"
                                " kind TEXT NOT NULL CHECK (kind IN ('password')),"
                                " kdf_algorithm TEXT NOT NULL,"
                                " kdf_opslimit INTEGER NOT NULL,"
                                " kdf_memlimit INTEGER NOT NULL,"
                                " kdf_salt BLOB NOT NULL,"
                                " wrapped_key BLOB NOT NULL,"
                                " kek_version INTEGER NOT NULL,"
                                " created_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE admin_tokens ("
                                " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                " token_hash BLOB NOT NULL,"
                                " created_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE namespaces ("
                                " name TEXT PRIMARY KEY,"
                                " description TEXT NOT NULL DEFAULT '',"
                                " created_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE secrets ("
                                " id TEXT PRIMARY KEY,"
                                " namespace TEXT NOT NULL REFERENCES namespaces(name),"
                                " key_path TEXT NOT NULL,"
                                " secret_type TEXT NOT NULL CHECK (secret_type IN"
                                "  ('KEY_VALUE', 'JSON_CONFIG', 'TEMPLATE_CONFIG')),"
                                " description TEXT NOT NULL DEFAULT '',"
                                " is_honey_token INTEGER NOT NULL DEFAULT 0,"
                                " current_version INTEGER NOT NULL,"
                                " created_at TEXT NOT NULL,"
                                " updated_at TEXT NOT NULL,"
                                " UNIQUE (namespace, key_path))"),
                 QStringLiteral("CREATE TABLE secret_versions ("
                                " secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
                                " version INTEGER NOT NULL,"
                                " ciphertext BLOB NOT NULL,"
                                " wrapped_dek BLOB NOT NULL,"
                                " kek_version INTEGER NOT NULL,"
                                " created_at TEXT NOT NULL,"
                                " PRIMARY KEY (secret_id, version))"),
             });
             db.exec(QStringLiteral("INSERT INTO namespaces (name, description, created_at)"
                                    " VALUES (?, ?, ?)"),
                     {QStringLiteral("default"), QStringLiteral("Default namespace"),
                      timestamp(QDateTime::currentDateTimeUtc())});
         }},
    };
    return list;
}

} // namespace

int latestSchemaVersion()
{
    return migrations().back().version;
}

void migrate(Database &db)
{
    db.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"));
    QSqlQuery q = db.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    const int current = q.next() ? q.value(0).toInt() : 0;
    if (current > latestSchemaVersion())
        throw StoreError("the store was written by a newer Cortex Vault (schema " +
                         std::to_string(current) + "); refusing to touch it");
    for (const Migration &m : migrations()) {
        if (m.version <= current)
            continue;
        Transaction tx(db);
        m.apply(db);
        db.exec(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                {m.version, timestamp(QDateTime::currentDateTimeUtc())});
        tx.commit();
    }
}

} // namespace cortex::store
