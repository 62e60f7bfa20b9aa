#include "store/NotificationChannelRepository.h"

#include "store/Database.h"

namespace cortex::store {

namespace {
const QString Columns = QStringLiteral(
    "id, channel_type, name, enabled, description, config_ciphertext, config_wrapped_dek,"
    " kek_version, created_at, updated_at, last_delivery_id, last_delivery_event,"
    " last_delivery_at, last_delivery_ok, last_delivery_attempts, last_delivery_error");

NotificationChannelRow rowFrom(QSqlQuery &q)
{
    NotificationChannelRow row;
    row.id = q.value(0).toString();
    row.channelType = q.value(1).toString();
    row.name = q.value(2).toString();
    row.enabled = q.value(3).toInt() != 0;
    row.description = q.value(4).toString();
    row.configCiphertext = q.value(5).toByteArray();
    row.configWrappedDek = q.value(6).toByteArray();
    row.kekVersion = q.value(7).toInt();
    row.createdAt = q.value(8).toString();
    row.updatedAt = q.value(9).toString();
    if (!q.value(10).isNull()) {
        row.lastDelivery = ChannelDelivery{q.value(10).toString(), q.value(11).toString(),
                                           q.value(12).toString(), q.value(13).toInt() != 0,
                                           q.value(14).toInt(),    q.value(15).toString()};
    }
    return row;
}
} // namespace

QByteArray NotificationChannelRepository::bodyAad(const QString &id, const QString &channelType)
{
    return "notification_channels|" + id.toUtf8() + '|' + channelType.toUtf8();
}

QByteArray NotificationChannelRepository::dekAad(const QString &id, const QString &channelType,
                                                 int kekVersion)
{
    return bodyAad(id, channelType) + '|' + QByteArray::number(kekVersion);
}

std::vector<NotificationChannelRow>
NotificationChannelRepository::select(const QString &where, const QVariantList &values)
{
    QSqlQuery q = m_db.exec(QStringLiteral("SELECT %1 FROM notification_channels %2"
                                           " ORDER BY created_at, name")
                                .arg(Columns, where),
                            values);
    std::vector<NotificationChannelRow> rows;
    while (q.next())
        rows.push_back(rowFrom(q));
    return rows;
}

std::vector<NotificationChannelRow> NotificationChannelRepository::list()
{
    return select(QString(), {});
}

std::vector<NotificationChannelRow> NotificationChannelRepository::listEnabled()
{
    return select(QStringLiteral("WHERE enabled = 1"), {});
}

std::optional<NotificationChannelRow> NotificationChannelRepository::find(const QString &id)
{
    std::vector<NotificationChannelRow> rows = select(QStringLiteral("WHERE id = ?"), {id});
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

std::optional<NotificationChannelRow> NotificationChannelRepository::findByName(const QString &name)
{
    std::vector<NotificationChannelRow> rows = select(QStringLiteral("WHERE name = ?"), {name});
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

void NotificationChannelRepository::insert(const NotificationChannelRow &row)
{
    m_db.exec(QStringLiteral("INSERT INTO notification_channels (id, channel_type, name, enabled,"
                             " description, config_ciphertext, config_wrapped_dek, kek_version,"
                             " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
              {row.id, row.channelType, row.name, row.enabled ? 1 : 0, textOrEmpty(row.description),
               row.configCiphertext, row.configWrappedDek, row.kekVersion, row.createdAt,
               row.updatedAt});
}

bool NotificationChannelRepository::update(const NotificationChannelRow &row)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("UPDATE notification_channels SET name = ?, enabled = ?, description = ?,"
                       " config_ciphertext = ?, config_wrapped_dek = ?, kek_version = ?,"
                       " updated_at = ? WHERE id = ?"),
        {row.name, row.enabled ? 1 : 0, textOrEmpty(row.description), row.configCiphertext,
         row.configWrappedDek, row.kekVersion, row.updatedAt, row.id});
    return q.numRowsAffected() > 0;
}

bool NotificationChannelRepository::remove(const QString &id)
{
    QSqlQuery q = m_db.exec(QStringLiteral("DELETE FROM notification_channels WHERE id = ?"), {id});
    return q.numRowsAffected() > 0;
}

bool NotificationChannelRepository::recordDelivery(const QString &id,
                                                   const ChannelDelivery &delivery)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("UPDATE notification_channels SET last_delivery_id = ?,"
                       " last_delivery_event = ?, last_delivery_at = ?, last_delivery_ok = ?,"
                       " last_delivery_attempts = ?, last_delivery_error = ? WHERE id = ?"),
        {delivery.id, textOrEmpty(delivery.event), delivery.time, delivery.ok ? 1 : 0,
         delivery.attempts, delivery.ok ? QVariant() : QVariant(textOrEmpty(delivery.error)), id});
    return q.numRowsAffected() > 0;
}

} // namespace cortex::store
