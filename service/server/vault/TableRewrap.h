#pragma once

#include "crypto/SecureBytes.h"

#include "ServerFwd.h"

namespace cortex::vault {

// How many wrapped keys a root-KEK rotation re-wrapped, per table.
struct RewrapCounts
{
    int secretVersions = 0;
    int notificationChannels = 0;
    int serverKeys = 0;
    int auditMacKeys = 0; // older audit MAC key epochs kept (audit_mac_keys), the old one included
};

// Re-wraps every wrapped key in the store from the old root KEK to the new one, inside the
// caller's transaction: the DEKs of secret_versions, notification_channels and server_keys
// (opened with the row's AAD for oldVersion, sealed with the AAD for newVersion; ciphertext
// bodies are untouched), the audit MAC keys of earlier epochs, and the old epoch's own MAC key,
// which joins audit_mac_keys so rows it signed stay verifiable. Rows are read in batches, so
// the store may hold any number of secret versions. A row whose kek_version is not oldVersion
// or that does not open throws ApiError 500 rotation_failed naming the table and row (never key
// bytes); the caller's transaction then rolls back and nothing changed.
RewrapCounts rewrapAllTables(store::Database &db, const crypto::SecureBytes &oldRoot,
                             int oldVersion, const crypto::SecureBytes &newRoot, int newVersion);

} // namespace cortex::vault
