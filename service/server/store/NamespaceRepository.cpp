#include "store/NamespaceRepository.h"

#include "store/Database.h"

namespace cortex::store {

std::vector<NamespaceRow> NamespaceRepository::list()
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT name, description, created_at FROM namespaces ORDER BY name"));
    std::vector<NamespaceRow> rows;
    while (q.next())
        rows.push_back({q.value(0).toString(), q.value(1).toString(), q.value(2).toString()});
    return rows;
}

std::optional<NamespaceRow> NamespaceRepository::find(const QString &name)
{
    QSqlQuery q = m_db.exec(
        QStringLiteral("SELECT name, description, created_at FROM namespaces WHERE name = ?"),
        {name});
    if (!q.next())
        return std::nullopt;
    return NamespaceRow{q.value(0).toString(), q.value(1).toString(), q.value(2).toString()};
}

void NamespaceRepository::insert(const NamespaceRow &row)
{
    m_db.exec(
        QStringLiteral("INSERT INTO namespaces (name, description, created_at) VALUES (?, ?, ?)"),
        {row.name, textOrEmpty(row.description), row.createdAt});
}

bool NamespaceRepository::ensure(const QString &name, const QString &createdAt)
{
    if (find(name))
        return false;
    insert({name, QString(), createdAt});
    return true;
}

void NamespaceRepository::remove(const QString &name)
{
    m_db.exec(QStringLiteral("DELETE FROM namespaces WHERE name = ?"), {name});
}

qint64 NamespaceRepository::secretCount(const QString &name)
{
    QSqlQuery q =
        m_db.exec(QStringLiteral("SELECT COUNT(*) FROM secrets WHERE namespace = ?"), {name});
    return q.next() ? q.value(0).toLongLong() : 0;
}

} // namespace cortex::store
