#include "vault/TableRewrap.h"

#include "access/ServerKeys.h"
#include "audit/AuditLog.h"
#include "crypto/Aead.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/NotificationChannelRepository.h"
#include "store/Timestamps.h"
#include "vault/SecretService.h"

#include <QLoggingCategory>
#include <QSqlQuery>
#include <functional>
#include <vector>

Q_LOGGING_CATEGORY(lcRewrap, "cortex.rotation")

namespace cortex::vault {

namespace {

// Rows per read: bounded memory for any table size, and no statement left reading a table
// while its rows are updated.
constexpr int BatchRows = 1000;

struct WrappedRow
{
    QVariantList key; // the primary key columns, in order
    QString extra;    // a further column the AAD needs (a channel's type), else empty
    QByteArray wrapped;
    int kekVersion = 0;
};

// One table's wrapped keys: how to page through them, name a row, build its AAD, update it.
struct TableSpec
{
    const char *table;
    QString firstBatch; // SELECT key..., extra, wrapped, kek_version ... ORDER BY key LIMIT ?
    QString nextBatch;  // the same after the last key seen (row-value comparison)
    int keyColumns;
    bool hasExtra;
    QString update; // SET wrapped, kek_version WHERE key... (values in that order)
    std::function<QByteArray(const WrappedRow &, int kekVersion)> aad;
};

QString rowName(const WrappedRow &row)
{
    QStringList parts;
    for (const QVariant &value : row.key)
        parts.append(value.toString());
    return parts.join(u'/');
}

protocol::ApiError rotationFailed(const char *table, const WrappedRow &row, const char *why)
{
    const QString message =
        QStringLiteral("cannot re-wrap %1 row %2: %3; nothing was changed")
            .arg(QLatin1StringView(table), rowName(row), QLatin1StringView(why));
    qCCritical(lcRewrap).noquote() << "root-KEK rotation aborted:" << message;
    return protocol::ApiError(500, QStringLiteral("rotation_failed"), message,
                              {{QStringLiteral("table"), QLatin1StringView(table)},
                               {QStringLiteral("row"), rowName(row)}});
}

int rewrapTable(store::Database &db, const TableSpec &spec, const crypto::SecureBytes &oldRoot,
                int oldVersion, const crypto::SecureBytes &newRoot, int newVersion)
{
    int count = 0;
    std::optional<QVariantList> after;
    std::vector<WrappedRow> batch;
    batch.reserve(BatchRows);
    for (;;) {
        batch.clear();
        {
            QVariantList values = after ? *after : QVariantList();
            values.append(BatchRows);
            store::Database::CachedQuery q =
                db.cached(after ? spec.nextBatch : spec.firstBatch, values);
            while (q.next()) {
                WrappedRow row;
                int column = 0;
                for (; column < spec.keyColumns; ++column)
                    row.key.append(q.value(column));
                if (spec.hasExtra)
                    row.extra = q.value(column++).toString();
                row.wrapped = q.value(column++).toByteArray();
                row.kekVersion = q.value(column).toInt();
                batch.push_back(std::move(row));
            }
        } // the read is finished before any row of the table changes
        if (batch.empty())
            return count;
        for (const WrappedRow &row : batch) {
            if (row.kekVersion != oldVersion)
                throw rotationFailed(spec.table, row, "it is not wrapped under the current KEK");
            const std::optional<crypto::SecureBytes> key =
                crypto::aead::open(oldRoot, row.wrapped, spec.aad(row, oldVersion));
            if (!key)
                throw rotationFailed(spec.table, row, "it does not open under the current KEK");
            QVariantList values{crypto::aead::seal(newRoot, key->view(), spec.aad(row, newVersion)),
                                newVersion};
            values.append(row.key);
            db.execOne(spec.update, values);
            ++count;
        }
        after = batch.back().key;
    }
}

} // namespace

RewrapCounts rewrapAllTables(store::Database &db, const crypto::SecureBytes &oldRoot,
                             int oldVersion, const crypto::SecureBytes &newRoot, int newVersion)
{
    const TableSpec secretVersions{
        "secret_versions",
        QStringLiteral("SELECT secret_id, version, wrapped_dek, kek_version FROM secret_versions"
                       " ORDER BY secret_id, version LIMIT ?"),
        QStringLiteral("SELECT secret_id, version, wrapped_dek, kek_version FROM secret_versions"
                       " WHERE (secret_id, version) > (?, ?) ORDER BY secret_id, version LIMIT ?"),
        2,
        false,
        QStringLiteral("UPDATE secret_versions SET wrapped_dek = ?, kek_version = ?"
                       " WHERE secret_id = ? AND version = ?"),
        [](const WrappedRow &row, int kekVersion) {
            return SecretService::dekAad(row.key[0].toString(), row.key[1].toInt(), kekVersion);
        }};
    const TableSpec channels{
        "notification_channels",
        QStringLiteral("SELECT id, channel_type, config_wrapped_dek, kek_version"
                       " FROM notification_channels ORDER BY id LIMIT ?"),
        QStringLiteral("SELECT id, channel_type, config_wrapped_dek, kek_version"
                       " FROM notification_channels WHERE id > ? ORDER BY id LIMIT ?"),
        1,
        true,
        QStringLiteral("UPDATE notification_channels SET config_wrapped_dek = ?, kek_version = ?"
                       " WHERE id = ?"),
        [](const WrappedRow &row, int kekVersion) {
            return store::NotificationChannelRepository::dekAad(row.key[0].toString(), row.extra,
                                                                kekVersion);
        }};
    const TableSpec serverKeys{
        "server_keys",
        QStringLiteral(
            "SELECT kid, wrapped_dek, kek_version FROM server_keys ORDER BY kid LIMIT ?"),
        QStringLiteral("SELECT kid, wrapped_dek, kek_version FROM server_keys WHERE kid > ?"
                       " ORDER BY kid LIMIT ?"),
        1,
        false,
        QStringLiteral("UPDATE server_keys SET wrapped_dek = ?, kek_version = ? WHERE kid = ?"),
        [](const WrappedRow &row, int kekVersion) {
            return access::ServerKeys::dekAad(row.key[0].toString(), kekVersion);
        }};
    const TableSpec auditMacKeys{
        "audit_mac_keys",
        QStringLiteral("SELECT mac_key_id, wrapped_key, kek_version FROM audit_mac_keys"
                       " ORDER BY mac_key_id LIMIT ?"),
        QStringLiteral("SELECT mac_key_id, wrapped_key, kek_version FROM audit_mac_keys"
                       " WHERE mac_key_id > ? ORDER BY mac_key_id LIMIT ?"),
        1,
        false,
        QStringLiteral("UPDATE audit_mac_keys SET wrapped_key = ?, kek_version = ?"
                       " WHERE mac_key_id = ?"),
        [](const WrappedRow &row, int kekVersion) {
            return audit::AuditLog::macKeyAad(row.key[0].toInt(), kekVersion);
        }};

    RewrapCounts counts;
    counts.secretVersions =
        rewrapTable(db, secretVersions, oldRoot, oldVersion, newRoot, newVersion);
    counts.notificationChannels =
        rewrapTable(db, channels, oldRoot, oldVersion, newRoot, newVersion);
    counts.serverKeys = rewrapTable(db, serverKeys, oldRoot, oldVersion, newRoot, newVersion);
    counts.auditMacKeys = rewrapTable(db, auditMacKeys, oldRoot, oldVersion, newRoot, newVersion);

    // The old epoch's MAC key is derived from the root KEK that is going away: keep it, sealed
    // under the new one, so the rows it signed (mac_key_id = oldVersion) still verify.
    const crypto::SecureBytes oldMacKey = audit::AuditLog::deriveMacKey(oldRoot);
    db.exec(QStringLiteral("INSERT INTO audit_mac_keys (mac_key_id, wrapped_key, kek_version,"
                           " created_at) VALUES (?, ?, ?, ?)"),
            {oldVersion,
             crypto::aead::seal(newRoot, oldMacKey.view(),
                                audit::AuditLog::macKeyAad(oldVersion, newVersion)),
             newVersion, store::timestamp(QDateTime::currentDateTimeUtc())});
    ++counts.auditMacKeys;
    qCInfo(lcRewrap).noquote() << "re-wrapped" << counts.secretVersions << "secret versions,"
                               << counts.notificationChannels << "channels," << counts.serverKeys
                               << "server keys," << counts.auditMacKeys << "audit MAC keys from KEK"
                               << oldVersion << "to" << newVersion;
    return counts;
}

} // namespace cortex::vault
