#pragma once

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace cortex::store {

class Database;

struct AgentRow
{
    QString id;
    QString agentId;     // globally unique: discover names an agent without its namespace
    QByteArray agentPub; // raw 32-byte Ed25519 public key
    QString description;
    QString ns;
    QString createdAt;
    QString updatedAt;
};

// agents: the Ed25519 identities allowed to call /agent/discover.
class AgentRepository
{
public:
    explicit AgentRepository(Database &db) : m_db(db) {}

    std::vector<AgentRow> list(); // by created_at
    std::optional<AgentRow> find(const QString &agentId);
    void insert(const AgentRow &row);
    void updateKey(const QString &agentId, const QByteArray &agentPub,
                   const std::optional<QString> &description, const QString &updatedAt);
    void remove(const QString &agentId);

private:
    Database &m_db;
};

} // namespace cortex::store
