#pragma once

#include "store/Database.h"

#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

class QSqlQuery;

namespace cortex::store {

class Database;

struct SecretRow
{
    QString id;
    QString ns;
    QString keyPath;
    QString secretType;
    QString description;
    bool isHoneyToken = false;
    int currentVersion = 0;
    QString createdAt;
    QString updatedAt;
};

struct SecretVersionRow
{
    QString secretId;
    int version = 0;
    QByteArray ciphertext; // body under the version's DEK, AAD = namespace|key_path|version
    QByteArray wrappedDek; // DEK under the root KEK, AAD names this row and the KEK version
    int kekVersion = 1;
    QString createdAt;
};

// secrets (metadata, one row per secret) and secret_versions (one row per value).
class SecretRepository
{
public:
    explicit SecretRepository(Database &db) : m_db(db) {}

    std::optional<SecretRow> find(const QString &id);
    std::optional<SecretRow> findByPath(const QString &ns, const QString &keyPath);
    // Ordered by namespace then key_path. prefix "a/b" matches "a/b" and everything below
    // "a/b/"; a prefix ending in '/' matches everything below it.
    std::vector<SecretRow> list(const std::optional<QString> &ns,
                                const std::optional<QString> &prefix);
    void insert(const SecretRow &row);
    void updateCurrentVersion(const QString &id, int version, const QString &updatedAt);
    void updateDescription(const QString &id, const QString &description, const QString &updatedAt);
    void updateHoneyToken(const QString &id, bool isHoneyToken, const QString &updatedAt);
    // Deletes the secret and every version; returns how many versions were destroyed.
    int remove(const QString &id);

    void insertVersion(const SecretVersionRow &row);
    std::optional<SecretVersionRow> version(const QString &id, int version);
    // The secret and one version of it (its current one by default) in one statement;
    // nullopt when there is no such secret, `version` empty when it has no such version.
    struct Stored
    {
        SecretRow meta;
        std::optional<SecretVersionRow> version;
    };
    std::optional<Stored> findWithVersion(const QString &id, std::optional<int> version);
    // The secrets granted to a project, each with its current version, newest grant first.
    struct Granted
    {
        QString envVarName; // the grant's
        Stored stored;
    };
    std::vector<Granted> grantedToProject(const QString &projectName);
    // Version rows without their ciphertext, newest first.
    std::vector<SecretVersionRow> versions(const QString &id);

private:
    template <typename Query> // a QSqlQuery or a Database::CachedQuery
    static SecretRow rowFrom(Query &q);
    static Stored storedFrom(Database::CachedQuery &q);
    Database &m_db;
};

} // namespace cortex::store
