#pragma once

#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

struct NamespaceRow
{
    QString name;
    QString description;
    QString createdAt;
};

class NamespaceRepository
{
public:
    explicit NamespaceRepository(Database &db) : m_db(db) {}

    std::vector<NamespaceRow> list();
    std::optional<NamespaceRow> find(const QString &name);
    void insert(const NamespaceRow &row);
    // Creates the namespace if it does not exist yet; true when it was created.
    bool ensure(const QString &name, const QString &createdAt);
    void remove(const QString &name);
    qint64 secretCount(const QString &name);

private:
    Database &m_db;
};

} // namespace cortex::store
