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

// Outbound notification channels (notify/). The channel's JSON config is envelope-encrypted
// like a secret (AAD names the row: NotificationChannelRepository::bodyAad/dekAad) and never
// leaves the server; last_delivery_* is the outcome of the latest delivery to the channel.
void createNotificationChannels(Database &db)
{
    db.exec(QStringLiteral("CREATE TABLE notification_channels ("
                           " id TEXT PRIMARY KEY,"
                           " channel_type TEXT NOT NULL CHECK (channel_type IN"
                           "  ('slack', 'discord', 'telegram', 'webhook', 'email')),"
                           " name TEXT NOT NULL UNIQUE,"
                           " enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
                           " description TEXT NOT NULL DEFAULT '',"
                           " config_ciphertext BLOB NOT NULL,"
                           " config_wrapped_dek BLOB NOT NULL,"
                           " kek_version INTEGER NOT NULL,"
                           " created_at TEXT NOT NULL,"
                           " updated_at TEXT NOT NULL,"
                           " last_delivery_id TEXT,"
                           " last_delivery_event TEXT,"
                           " last_delivery_at TEXT,"
                           " last_delivery_ok INTEGER CHECK (last_delivery_ok IN (0, 1)),"
                           " last_delivery_attempts INTEGER,"
                           " last_delivery_error TEXT)"));
}

// Keyslots for issue 5: a password slot wraps the root KEK to an X25519 public key derived from
// the password (so root-KEK rotation can re-wrap it without the password; public_key is NULL
// for a slot written before this migration, which is symmetric and upgraded at its next unseal);
// a shares slot wraps it to the public key of a share key split m-of-n among officers.
void rebuildKeyslots(Database &db)
{
    runAll(db,
           {
               QStringLiteral("CREATE TABLE keyslots_v7 ("
                              " id INTEGER PRIMARY KEY,"
                              " kind TEXT NOT NULL CHECK (kind IN ('password', 'shares')),"
                              " kdf_algorithm TEXT,"
                              " kdf_opslimit INTEGER,"
                              " kdf_memlimit INTEGER,"
                              " kdf_salt BLOB,"
                              " public_key BLOB,"
                              " share_key_id BLOB,"
                              " share_threshold INTEGER,"
                              " share_count INTEGER,"
                              " wrapped_key BLOB NOT NULL,"
                              " kek_version INTEGER NOT NULL,"
                              " created_at TEXT NOT NULL,"
                              " CHECK (kind <> 'password' OR (kdf_algorithm IS NOT NULL"
                              "  AND kdf_salt IS NOT NULL)),"
                              " CHECK (kind <> 'shares' OR (public_key IS NOT NULL"
                              "  AND share_key_id IS NOT NULL AND share_threshold BETWEEN 2 AND 255"
                              "  AND share_count BETWEEN share_threshold AND 255)))"),
               QStringLiteral("INSERT INTO keyslots_v7 (id, kind, kdf_algorithm, kdf_opslimit,"
                              " kdf_memlimit, kdf_salt, wrapped_key, kek_version, created_at)"
                              " SELECT id, kind, kdf_algorithm, kdf_opslimit, kdf_memlimit,"
                              " kdf_salt, wrapped_key, kek_version, created_at FROM keyslots"),
               QStringLiteral("DROP TABLE keyslots"),
               QStringLiteral("ALTER TABLE keyslots_v7 RENAME TO keyslots"),
               // At most one share set at a time.
               QStringLiteral("CREATE UNIQUE INDEX keyslots_one_share_set ON keyslots (kind)"
                              " WHERE kind = 'shares'"),
           });
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
                            QStringLiteral(
                                "CREATE TABLE secret_versions ("
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
             runAll(db,
                    {
                        QStringLiteral("CREATE TABLE agents ("
                                       " id TEXT PRIMARY KEY,"
                                       " agent_id TEXT NOT NULL UNIQUE,"
                                       " agent_pub BLOB NOT NULL,"
                                       " description TEXT NOT NULL DEFAULT '',"
                                       " namespace TEXT NOT NULL,"
                                       " created_at TEXT NOT NULL,"
                                       " updated_at TEXT NOT NULL)"),
                        QStringLiteral(
                            "CREATE TABLE project_grants ("
                            " id TEXT PRIMARY KEY,"
                            " project_name TEXT NOT NULL,"
                            " secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
                            " env_var_name TEXT NOT NULL,"
                            " granted_by TEXT NOT NULL,"
                            " granted_at TEXT NOT NULL,"
                            " UNIQUE (project_name, secret_id))"),
                        QStringLiteral(
                            "CREATE INDEX project_grants_secret ON project_grants (secret_id)"),
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
                        QStringLiteral(
                            "CREATE TABLE project_tokens ("
                            " token_hash BLOB PRIMARY KEY,"
                            " project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
                            " agent_id TEXT NOT NULL,"
                            " approval_id TEXT NOT NULL,"
                            " generation INTEGER NOT NULL,"
                            " mapped_keys TEXT NOT NULL,"
                            " created_at TEXT NOT NULL,"
                            " expires_at TEXT NOT NULL,"
                            " revoked_at TEXT)"),
                        QStringLiteral(
                            "CREATE INDEX project_tokens_project ON project_tokens (project_id)"),
                        QStringLiteral(
                            "CREATE INDEX project_tokens_agent ON project_tokens (agent_id)"),
                    });
         }},
        // Server signing keys (the Ed25519 seed envelope-encrypted under the root KEK, the
        // public key in clear so the JWKS needs no unseal) and the jti that binds a signed
        // project token (JWT) to its project_tokens row.
        {3,
         [](Database &db) {
             runAll(db,
                    {
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
        // The audit log (issue 4): one column per field so operators can query it; the chain
        // columns are lowercase hex. Checkpoints are signed by the server key; alarms point at
        // the audit row that raised them.
        {5,
         [](Database &db) {
             runAll(db,
                    {
                        QStringLiteral("CREATE TABLE audit_log ("
                                       " seq INTEGER PRIMARY KEY,"
                                       " time TEXT NOT NULL,"
                                       " actor_type TEXT NOT NULL,"
                                       " actor TEXT,"
                                       " action TEXT NOT NULL,"
                                       " resource TEXT,"
                                       " status TEXT NOT NULL,"
                                       " source_address TEXT,"
                                       " request_id TEXT,"
                                       " caller_pid INTEGER,"
                                       " caller_binary_sha256 TEXT,"
                                       " caller_argv_hash TEXT,"
                                       " caller_cwd TEXT,"
                                       " caller_git_commit TEXT,"
                                       " caller_hostname TEXT,"
                                       " caller_os TEXT,"
                                       " detail TEXT,"
                                       " mac_key_id INTEGER NOT NULL,"
                                       " prev_hash TEXT NOT NULL,"
                                       " entry_hash TEXT NOT NULL,"
                                       " entry_hmac TEXT NOT NULL)"),
                        QStringLiteral("CREATE INDEX audit_log_time ON audit_log (time)"),
                        QStringLiteral("CREATE INDEX audit_log_action ON audit_log (action, seq)"),
                        QStringLiteral("CREATE INDEX audit_log_actor ON audit_log (actor, seq)"),
                        QStringLiteral("CREATE TABLE audit_checkpoints ("
                                       " seq INTEGER PRIMARY KEY,"
                                       " entry_hash TEXT NOT NULL,"
                                       " time TEXT NOT NULL,"
                                       " kid TEXT NOT NULL,"
                                       " signature BLOB NOT NULL)"),
                        QStringLiteral("CREATE TABLE alarms ("
                                       " id TEXT PRIMARY KEY,"
                                       " audit_seq INTEGER NOT NULL,"
                                       " kind TEXT NOT NULL,"
                                       " time TEXT NOT NULL,"
                                       " namespace TEXT,"
                                       " key_path TEXT,"
                                       " agent_id TEXT,"
                                       " project TEXT,"
                                       " source_address TEXT,"
                                       " request_id TEXT,"
                                       " acknowledged_at TEXT,"
                                       " acknowledged_note TEXT)"),
                        QStringLiteral("CREATE INDEX alarms_unacknowledged ON alarms"
                                       " (acknowledged_at, time)"),
                    });
         }},
        {6, createNotificationChannels},
        {7, rebuildKeyslots},
        // Root-KEK rotation (issue 5): audit rows name the KEK version whose root KEK derived
        // their HMAC key (mac_key_id); rotation keeps each older epoch's key here, sealed under
        // the current root KEK (AAD audit_mac_keys|mac_key_id|kek_version, AuditLog::macKeyAad),
        // so rows written before it still verify.
        {8,
         [](Database &db) {
             db.exec(QStringLiteral("CREATE TABLE audit_mac_keys ("
                                    " mac_key_id INTEGER PRIMARY KEY,"
                                    " wrapped_key BLOB NOT NULL,"
                                    " kek_version INTEGER NOT NULL,"
                                    " created_at TEXT NOT NULL)"));
         }},
        // Nonces of accepted agent proofs (access/UsedNonces), kept in the store so that a
        // replay is refused across a restart and by every server sharing the store; ts is the
        // proof's own (seconds since the epoch), and rows older than the skew window go.
        {9,
         [](Database &db) {
             runAll(db, {QStringLiteral("CREATE TABLE agent_nonces ("
                                        " agent_id TEXT NOT NULL,"
                                        " nonce TEXT NOT NULL,"
                                        " ts INTEGER NOT NULL,"
                                        " PRIMARY KEY (agent_id, nonce))"),
                         QStringLiteral("CREATE INDEX agent_nonces_ts ON agent_nonces (ts)")});
         }},
        // The audit log's `time` index goes. Its queries walk back by seq (newest first), so
        // SQLite used it only when both `since` and `until` were given, and then fetched every
        // row of the window to sort it: 1.7 s for a wide window of a 1,000,000-row log, where
        // walking back by seq takes 0.2 ms. Every audited request paid for it: one of the four
        // pages each group commit appends to the WAL (bench/README, session 11).
        {10,
         [](Database &db) {
             db.exec(QStringLiteral("DROP INDEX IF EXISTS audit_log_time"));
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
    QSqlQuery q =
        db.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    const int current = q.next() ? q.value(0).toInt() : 0;
    q.finish(); // an unfinished read would keep DROP TABLE (migration 7) from running
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
