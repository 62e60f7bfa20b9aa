#include "notify/Notification.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace cortex::notify {

namespace {
// A JSON value of `extra` as one line of text.
QString plainValue(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isArray()) {
        QStringList items;
        for (const QJsonValue &item : value.toArray())
            items.append(plainValue(item));
        return items.join(QStringLiteral(", "));
    }
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isDouble())
        return QString::number(value.toDouble());
    return QString();
}

// Control characters (a line break in a key path or a caller-supplied field) would let one field
// forge further lines of the message: they become spaces.
QString oneLine(QString text)
{
    for (QChar &c : text) {
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator ||
            c == QChar::ParagraphSeparator)
            c = QLatin1Char(' ');
    }
    return text;
}
} // namespace

QJsonObject Notification::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("event"), event);
    json.insert(QStringLiteral("severity"), severity);
    json.insert(QStringLiteral("namespace"), ns);
    json.insert(QStringLiteral("key_path"), keyPath);
    json.insert(QStringLiteral("agent_id"), agentId);
    json.insert(QStringLiteral("project"), project);
    json.insert(QStringLiteral("time"), time);
    json.insert(QStringLiteral("request_id"), requestId);
    return json;
}

QString Notification::title() const
{
    QString what;
    if (event == u"honey_token_read")
        what = QStringLiteral("ALARM: a honey token was read");
    else if (event == u"recovery_boot")
        what = QStringLiteral("booted in recovery mode (root key rebuilt from shares)");
    else if (event == u"pending_grant")
        what = QStringLiteral("an agent is waiting for approval");
    else if (event == u"device_request")
        what = QStringLiteral("a device asks for access");
    else if (event == u"test")
        what = QStringLiteral("test notification");
    else
        what = oneLine(event);
    return QStringLiteral("Cortex Vault [%1]: %2").arg(oneLine(severity), what);
}

QString Notification::text() const
{
    QStringList lines{title(), QString()};
    const auto add = [&lines](const QString &label, const QString &value) {
        if (!value.isEmpty())
            lines.append(QStringLiteral("%1: %2").arg(label, oneLine(value)));
    };
    add(QStringLiteral("event"), event);
    add(QStringLiteral("secret"),
        ns.isEmpty() || keyPath.isEmpty() ? keyPath : QStringLiteral("%1/%2").arg(ns, keyPath));
    if (keyPath.isEmpty())
        add(QStringLiteral("namespace"), ns);
    add(QStringLiteral("agent"), agentId);
    add(QStringLiteral("project"), project);
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        add(it.key(), plainValue(it.value()));
    add(QStringLiteral("time"), time);
    add(QStringLiteral("request"), requestId);
    return lines.join(QLatin1Char('\n'));
}

} // namespace cortex::notify
