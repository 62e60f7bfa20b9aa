#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <stdexcept>

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
    QSqlQuery exec(const QString &sql, const QVariantList &values = {});
    // For statements that must change exactly one row; throws StoreError otherwise.
    void execOne(const QString &sql, const QVariantList &values);

    // Transactions nest: an inner one joins the outer, and only the outermost commits. A
    // rollback anywhere rolls the whole transaction back and makes the outer commit throw.
    void begin();
    void commit();
    void rollback();

    // Moves the WAL into the main file and truncates it, so that pages a deletion overwrote
    // (secure_delete) leave no older copy behind in the WAL. Best effort.
    void checkpoint();

private:
    explicit Database(QString connectionName, QString filePath);
    QSqlDatabase db() const;

    QString m_connectionName;
    QString m_filePath;
    int m_depth = 0;
    bool m_rolledBack = false;
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
