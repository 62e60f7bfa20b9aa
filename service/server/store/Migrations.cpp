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
        // Agent access (issue 3). Grants follow their secret (ON DELETE CASCADE); tokens follow
        // their project. Tokens are stored only as SHA-256; key lists are JSON arrays.
        {2,
         [](Database &db) {
             runAll(db, {
                 QStringLiteral("CREATE TABLE agents ("
                                " id TEXT PRIMARY KEY,"
                                " agent_id TEXT NOT NULL UNIQUE,"
                                " agent_pub BLOB NOT NULL,"
                                " description TEXT NOT NULL DEFAULT '',"
                                " namespace TEXT NOT NULL,"
                                " created_at TEXT NOT NULL,"
                                " updated_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE project_grants ("
                                " id TEXT PRIMARY KEY,"
                                " project_name TEXT NOT NULL,"
                                " secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
                                " env_var_name TEXT NOT NULL,"
                                " granted_by TEXT NOT NULL,"
                                " granted_at TEXT NOT NULL,"
                                " UNIQUE (project_name, secret_id))"),
                 QStringLiteral("CREATE INDEX project_grants_secret ON project_grants (secret_id)"),
                 QStringLiteral("CREATE TABLE projects ("
                                " id TEXT PRIMARY KEY,"
                                " project_name TEXT NOT NULL UNIQUE,"
                                " agent_id TEXT NOT NULL,"
                                " namespace TEXT NOT NULL,"
                                " token_generation INTEGER NOT NULL,"
                                " created_at TEXT NOT NULL,"
                                " updated_at TEXT NOT NULL)"),
                 QStringLiteral("CREATE TABLE pending_grants ("
                                " id TEXT PRIMARY KEY,"
                                " agent_id TEXT NOT NULL,"
                                " project_name TEXT NOT NULL,"
                                " namespace TEXT NOT NULL,"
                                " requested_keys TEXT NOT NULL,"
                                " approved_keys TEXT,"
                                " status TEXT NOT NULL CHECK (status IN"
                                "  ('pending', 'approved', 'denied', 'suspended')),"
                                " requested_at TEXT NOT NULL,"
                                " decided_at TEXT,"
                                " decided_by TEXT,"
                                " approval_until TEXT,"
                                " source_ip TEXT NOT NULL DEFAULT '')"),
                 QStringLiteral("CREATE INDEX pending_grants_pair ON pending_grants"
                                " (agent_id, project_name)"),
                 QStringLiteral("CREATE TABLE project_tokens ("
                                " token_hash BLOB PRIMARY KEY,"
                                " project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
                                " agent_id TEXT NOT NULL,"
                                " approval_id TEXT NOT NULL,"
                                " generation INTEGER NOT NULL,"
                                " mapped_keys TEXT NOT NULL,"
                                " created_at TEXT NOT NULL,"
                                " expires_at TEXT NOT NULL,"
                                " revoked_at TEXT)"),
                 QStringLiteral("CREATE INDEX project_tokens_project ON project_tokens (project_id)"),
                 QStringLiteral("CREATE INDEX project_tokens_agent ON project_tokens (agent_id)"),
             });
         }},
        // Server signing keys (the Ed25519 seed envelope-encrypted under the root KEK, the
        // public key in clear so the JWKS needs no unseal) and the jti that binds a signed
        // project token (JWT) to its project_tokens row.
        {3,
         [](Database &db) {
             runAll(db, {
                 QStringLiteral("CREATE TABLE server_keys ("
                                " kid TEXT PRIMARY KEY,"
                                " public_key BLOB NOT NULL,"
                                " ciphertext BLOB NOT NULL,"
                                " wrapped_dek BLOB NOT NULL,"
                                " kek_version INTEGER NOT NULL,"
                                " active INTEGER NOT NULL CHECK (active IN (0, 1)),"
                                " created_at TEXT NOT NULL,"
                                " retired_at TEXT)"),
                 QStringLiteral("ALTER TABLE project_tokens ADD COLUMN signed_jti TEXT"),
                 // NULLs (tokens without a JWT) do not collide in a UNIQUE index.
                 QStringLiteral("CREATE UNIQUE INDEX project_tokens_jti ON project_tokens"
                                " (signed_jti)"),
             });
         }},
        // Glob policies (issue 3): path lists are JSON arrays of patterns (access/PolicyCheck.h).
        {4,
         [](Database &db) {
             db.exec(QStringLiteral("CREATE TABLE policies ("
                                    " id TEXT PRIMARY KEY,"
                                    " policy_name TEXT NOT NULL UNIQUE,"
                                    " agent_pattern TEXT NOT NULL,"
                                    " allowed_paths TEXT NOT NULL DEFAULT '[]',"
                                    " denied_paths TEXT NOT NULL DEFAULT '[]',"
                                    " created_at TEXT NOT NULL)"));
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
