#pragma once

namespace cortex::store {

class Database;

// Applies every numbered migration that the store has not seen yet, each in its own
// transaction, recording it in schema_migrations. Refuses a store from a newer version.
void migrate(Database &db);

// The newest schema version this build knows.
int latestSchemaVersion();

} // namespace cortex::store
