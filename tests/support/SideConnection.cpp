#include "SideConnection.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace cortex::test {

SideConnection::SideConnection(const QString &path, int busyTimeoutMs)
{
    static int counter = 0;
    m_name = QStringLiteral("side-connection-%1").arg(++counter);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeoutMs));
    m_open = db.open();
    if (!m_open)
        m_error = db.lastError().text();
}

SideConnection::~SideConnection()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_name);
}

bool SideConnection::exec(const QString &sql, const QVariantList &values)
{
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    m_changedRows = q.numRowsAffected();
    return true;
}

QList<QSqlRecord> SideConnection::rows(const QString &sql, const QVariantList &values)
{
    QList<QSqlRecord> out;
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    q.setForwardOnly(true);
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return out;
    }
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append(q.record());
    return out;
}

QVariant SideConnection::scalar(const QString &sql, const QVariantList &values)
{
    const QList<QSqlRecord> r = rows(sql, values);
    return r.isEmpty() ? QVariant() : r.first().value(0);
}

} // namespace cortex::test
