#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace cortex::store {

// Lists of key paths and {ENV: key_path} maps are stored as compact JSON text.
inline QString keyListToText(const QStringList &keys)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(keys)).toJson(QJsonDocument::Compact));
}

inline QStringList keyListFromText(const QString &text)
{
    QStringList keys;
    for (const QJsonValue &v : QJsonDocument::fromJson(text.toUtf8()).array())
        keys.append(v.toString());
    return keys;
}

inline QString keyMapToText(const QJsonObject &map)
{
    return QString::fromUtf8(QJsonDocument(map).toJson(QJsonDocument::Compact));
}

inline QJsonObject keyMapFromText(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

} // namespace cortex::store
