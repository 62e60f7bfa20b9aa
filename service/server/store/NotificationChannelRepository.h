#pragma once

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

// The outcome of the latest delivery to a channel (all empty until the first one).
struct ChannelDelivery
{
    QString id;    // "dlv_..." as returned by POST .../test
    QString event; // the notification's event
    QString time;  // when it finished (ISO 8601 UTC)
    bool ok = false;
    int attempts = 0;
    QString error; // non-secret: HTTP status or transport error text
};

struct NotificationChannelRow
{
    QString id;          // "nch_..."
    QString channelType; // slack | discord | telegram | webhook | email
    QString name;
    bool enabled = true;
    QString description;
    // The JSON config, envelope-encrypted under the root KEK (vault/Envelope.h) with the AADs
    // below; never returned by any endpoint.
    QByteArray configCiphertext;
    QByteArray configWrappedDek;
    int kekVersion = 0;
    QString createdAt;
    QString updatedAt;
    std::optional<ChannelDelivery> lastDelivery;
};

// notification_channels: where the server sends its notifications (notify/Notifier.h).
class NotificationChannelRepository
{
public:
    explicit NotificationChannelRepository(Database &db) : m_db(db) {}

    // The associated data of a channel's config: the body names the row and its type (a config
    // copied to another row, or read as another type, does not open); the wrapped DEK adds the
    // KEK version.
    static QByteArray bodyAad(const QString &id, const QString &channelType);
    static QByteArray dekAad(const QString &id, const QString &channelType, int kekVersion);

    std::vector<NotificationChannelRow> list(); // by created_at, name
    std::vector<NotificationChannelRow> listEnabled();
    std::optional<NotificationChannelRow> find(const QString &id);
    std::optional<NotificationChannelRow> findByName(const QString &name);
    void insert(const NotificationChannelRow &row);
    // Writes name, enabled, description, the config envelope and updated_at of row.id; false
    // when there is no such channel.
    bool update(const NotificationChannelRow &row);
    bool remove(const QString &id); // false when no such channel
    // False when the channel is gone (deleted while the delivery ran).
    bool recordDelivery(const QString &id, const ChannelDelivery &delivery);

private:
    std::vector<NotificationChannelRow> select(const QString &where, const QVariantList &values);

    Database &m_db;
};

} // namespace cortex::store
