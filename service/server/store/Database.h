#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <functional>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cortex::store {

// A storage failure. Its text is for the server log only (it may name tables, never values);
// the client gets a generic 500/503.
class StoreError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// One QtSql connection (SQLite in WAL mode by default). Every statement is prepared with
// bound values. Written against portable SQL so that a PostgreSQL backend can follow.
class Database
{
public:
    // Opens (creating if missing) DATA_DIR/cortex.db with the pragmas a vault needs and
    // applies pending migrations. Throws StoreError.
    static Database openSqlite(const QString &dataDir);
    ~Database();
    Database(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    Database &operator=(Database &&) = delete;

    QString driverName() const;
    QString filePath() const { return m_filePath; }

    // Prepares, binds (positional '?') and executes; throws StoreError on failure.
    // INSERT / UPDATE / DELETE statements (without RETURNING) are prepared once per connection
    // and reused: they produce no rows, so the driver resets them as soon as they have run and
    // the returned query only answers numRowsAffected()/lastInsertId(), which SQLite keeps per
    // connection anyway. Everything else is prepared afresh: use cached() for hot reads.
    QSqlQuery exec(const QString &sql, const QVariantList &values = {});
    // For statements that must change exactly one row; throws StoreError otherwise.
    void execOne(const QString &sql, const QVariantList &values);

    // A statement from the connection's cache, executed: prepared once per SQL text and reused,
    // for the reads every request makes. The handle owns it until it goes out of scope, then
    // resets it (finish()), so no cached statement is ever left in progress at a COMMIT, a
    // ROLLBACK or a checkpoint. Keep the handle within the function that reads the rows; a
    // nested use of the same SQL text gets a statement of its own. Throws StoreError.
    class CachedQuery;
    CachedQuery cached(const QString &sql, const QVariantList &values = {});

    // Transactions nest: an inner one joins the outer, and only the outermost commits. A
    // rollback anywhere rolls the whole transaction back and makes the outer commit throw.
    void begin();
    void commit();
    void rollback();

    // Runs `action` once the outermost transaction has committed (at once outside one); a
    // rollback discards it. For work that must only follow durable changes: notifications,
    // waking long-polls, signing audit checkpoints. Exceptions from `action` are logged.
    void afterCommit(std::function<void()> action);
    bool inTransaction() const { return m_depth > 0; }

    // Moves the WAL into the main file and truncates it, so that pages a deletion overwrote
    // (secure_delete) leave no older copy behind in the WAL. Best effort; inside a transaction
    // it happens after the commit.
    void checkpoint();

private:
    struct CachedStatement;
    explicit Database(QString connectionName, QString filePath);
    QSqlDatabase db() const;
    void refuseAfterRollback() const;
    // A free cached statement for `sql` (prepared if needed), or nullptr when the cache is full.
    CachedStatement *statementFor(const QString &sql);
    void dropStatement(const QString &sql, const CachedStatement *statement);
    void executeBound(QSqlQuery &query, const QVariantList &values);
    void runTransactionStatement(const QString &sql);
    void rollbackNow();

    QString m_connectionName;
    QString m_filePath;
    int m_depth = 0;
    bool m_rolledBack = false;
    std::vector<std::function<void()>> m_afterCommit;
    // Prepared statements by SQL text; more than one only while the same text is in use twice.
    std::unordered_map<QString, std::vector<std::unique_ptr<CachedStatement>>> m_statements;
};

struct Database::CachedStatement
{
    QSqlQuery query;
    bool inUse = false;
};

class Database::CachedQuery
{
public:
    ~CachedQuery();
    CachedQuery(CachedQuery &&other) noexcept
        : m_statement(std::exchange(other.m_statement, nullptr)), m_owned(std::move(other.m_owned))
    {}
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;
    CachedQuery &operator=(CachedQuery &&) = delete;

    QSqlQuery &operator*() const { return m_statement ? m_statement->query : *m_owned; }
    QSqlQuery *operator->() const { return &**this; }

private:
    friend class Database;
    explicit CachedQuery(CachedStatement *statement) : m_statement(statement) {}
    explicit CachedQuery(QSqlQuery owned) : m_owned(std::make_unique<QSqlQuery>(std::move(owned)))
    {}

    CachedStatement *m_statement = nullptr;
    std::unique_ptr<QSqlQuery> m_owned; // when the cache was full: an ordinary query
};

// QtSql binds a null QString as SQL NULL; for NOT NULL text columns bind this instead.
inline QString textOrEmpty(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

// Rolls back unless commit() was called: a failure anywhere leaves the store as it was.
class Transaction
{
public:
    explicit Transaction(Database &db) : m_db(db) { m_db.begin(); }
    ~Transaction()
    {
        if (!m_done)
            m_db.rollback();
    }
    void commit()
    {
        m_db.commit();
        m_done = true;
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

private:
    Database &m_db;
    bool m_done = false;
};

} // namespace cortex::store
