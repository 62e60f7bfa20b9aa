#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace cortex::store {

class WalFlusher;

// When a transaction's changes must be on disk. The outermost transaction decides; a nested one
// joins it.
enum class Durability {
    // Synced before commit() returns: every change an operator or agent makes.
    OnCommit,
    // In the operating system when commit() returns (a killed server loses nothing) and synced
    // within the store's flush interval: the audit rows of reads, thousands a second.
    WithinFlushInterval,
    // As WithinFlushInterval, with the commit itself shared (group commit): the transaction is
    // a savepoint of one SQLite transaction that every Grouped transaction joins until the
    // group commits (commitGroup(), at the event loop's turns: see setEventLoop() and
    // followEventLoopTurns()). commit() only ends the savepoint; the changes reach
    // the operating system, and afterCommit actions run, when the group commits. A rollback
    // undoes only its own savepoint. Any other statement or transaction commits the group
    // first. Reads use it and hold their answers until then: one COMMIT, one WAL append and
    // one set of lock calls for all the reads of a turn instead of one each.
    Grouped,
};

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
    // applies pending migrations. Throws StoreError. With a flush interval, transactions begun
    // WithinFlushInterval are synced by a background thread at most that long after their
    // commit (and the WAL is checkpointed there); without one every commit syncs.
    static Database openSqlite(const QString &dataDir,
                               std::chrono::milliseconds flushInterval = {});
    ~Database();
    Database(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    Database &operator=(Database &&) = delete;

    QString driverName() const;
    QString filePath() const { return m_filePath; }
    // The background flusher, when the store has a flush interval.
    const WalFlusher *flusher() const { return m_flusher.get(); }

    // Prepares, binds (positional '?') and executes; throws StoreError on failure.
    // INSERT / UPDATE / DELETE statements (without RETURNING) are prepared once per connection
    // and reused: they produce no rows, so the driver resets them as soon as they have run and
    // the returned query only answers numRowsAffected()/lastInsertId(), which SQLite keeps per
    // connection anyway. Everything else is prepared afresh: use cached() for hot reads.
    QSqlQuery exec(const QString &sql, const QVariantList &values = {});
    // For statements that must change exactly one row; throws StoreError otherwise.
    void execOne(const QString &sql, const QVariantList &values);

    // A statement from the connection's cache, executed: prepared once per SQL text and reused,
    // for the reads every request makes. It runs on SQLite's own API, not the QtSql driver,
    // whose per-execution column metadata and UTF-16 conversions cost more than the query.
    // The handle owns it until it goes out of scope, then resets it, so no cached statement is
    // ever left in progress at a COMMIT, a ROLLBACK or a checkpoint. Keep the handle within the
    // function that reads the rows; a nested use of the same SQL text gets a statement of its
    // own. Throws StoreError (also from next()).
    class CachedQuery;
    CachedQuery cached(const QString &sql, const QVariantList &values = {});

    // Transactions nest: an inner one joins the outer, and only the outermost commits. A
    // rollback anywhere rolls the whole transaction back and makes the outer commit throw.
    void begin(Durability durability = Durability::OnCommit);
    void commit();
    void rollback();

    // Runs `action` once the outermost transaction has committed (at once outside one); a
    // rollback discards it and runs `ifLost` instead (when given). For work that must only
    // follow durable changes: notifications, waking long-polls, signing audit checkpoints,
    // answering a grouped read. Exceptions from either are logged.
    void afterCommit(std::function<void()> action, std::function<void()> ifLost = {});
    bool inTransaction() const { return m_depth > 0; }

    // Group commit (Durability::Grouped) needs an event loop: `post` must run the function it
    // is given soon on the store's thread, outside any transaction (the server posts to its
    // event loop). Unless it follows the loop's turns (below), the store posts the group's
    // turns whenever a group opens, and commitGroup() at the last. Set it once the
    // Database has its final place (it keeps `this`). Without it, or on a driver other than
    // SQLite, Grouped transactions commit on their own like WithinFlushInterval ones.
    void setEventLoop(std::function<void(std::function<void()>)> post) { m_post = std::move(post); }
    // Instead of posting an event for each of its turns (every posted event costs the loop a
    // wake-up: a write, a poll and a read), a group can follow the loop's own turns: call
    // eventLoopAwake() when the loop starts a turn and eventLoopIdle() when it is about to wait
    // for work (QAbstractEventDispatcher's awake and aboutToBlock). The group then commits as
    // soon as the loop has nothing left to do, or at the start of the second turn after the one
    // it opened in, whichever comes first. Neither commits while a transaction is open (a
    // nested event loop): the outer loop's next turn or wait does.
    void followEventLoopTurns() { m_followsTurns = true; }
    void eventLoopAwake();
    void eventLoopIdle();
    // Commits the open group, if any, and runs its afterCommit actions; when the group cannot
    // commit it is rolled back, every ifLost action runs and false is returned (logged, never
    // thrown: it runs from the event loop). Inside a transaction it only posts itself again.
    bool commitGroup();
    bool groupOpen() const { return m_groupOpen; }
    // True while the current transaction is a savepoint of the group.
    bool inGroup() const { return m_depth > 0 && m_durability == Durability::Grouped; }

    // Changes whenever a row that is not the audit log's may have changed: every insert, update
    // or delete through this connection on any other table (SQLite's update hook; also writes
    // the hook misses, e.g. a whole-table DELETE, found by sqlite3_total_changes), and every
    // commit by another connection (PRAGMA data_version). Rolled-back changes count too. For
    // values kept in memory between requests (store::Memo): equal counts, same rows.
    quint64 changeCount();

    // Moves the WAL into the main file and truncates it, so that pages a deletion overwrote
    // (secure_delete) leave no older copy behind in the WAL. Best effort; inside a transaction
    // it happens after the commit.
    void checkpoint();

private:
    struct CachedStatement;
    enum class StatementKind { QtSql, Native };
    explicit Database(QString connectionName, QString filePath);
    QSqlDatabase db() const;
    void refuseAfterRollback() const;
    // A free cached statement for `sql` (prepared if needed), or nullptr when the cache is full.
    CachedStatement *statementFor(const QString &sql, StatementKind kind);
    void dropStatement(const QString &sql, const CachedStatement *statement);
    void executeBound(QSqlQuery &query, const QVariantList &values);
    // Binds and takes the first step; returns true when there is a row. Throws StoreError.
    bool executeNative(sqlite3_stmt *statement, const QVariantList &values);
    sqlite3_stmt *prepareNative(const QString &sql);
    [[noreturn]] void throwNative(const char *what, sqlite3_stmt *statement);
    void runTransactionStatement(const QString &sql);
    void rollbackNow();
    // Before a statement or transaction that is not part of the group: commit the group.
    void leaveGroup()
    {
        if (m_groupOpen && m_depth == 0)
            commitGroup();
    }
    struct AfterCommit
    {
        std::function<void()> action;
        std::function<void()> ifLost;
    };
    static void runLost(std::vector<AfterCommit> &actions);
    // Posts the open group's next turn: it commits at the last one.
    void postGroupTurn();
    // The group cannot commit: rolls it back and runs the ifLost actions of its savepoints.
    void failGroup(const char *why);

    // A commit or autocommit write that must be durable now: syncs the WAL when the flusher
    // would otherwise leave it for later.
    void syncIfDeferred();

    static void onRowChanged(void *self, int operation, const char *database, const char *table,
                             long long rowid);

    QString m_connectionName;
    QString m_filePath;
    sqlite3 *m_handle = nullptr; // the QSQLITE connection's own handle
    // changeCount()'s parts (a heap block: the update hook keeps its address across moves).
    struct ChangeTally
    {
        quint64 rowsOutsideAudit = 0; // hook: changes to tables other than the audit log's
        quint64 rowsAll = 0;          // hook: every change
        qint64 totalAtLastLook = 0;   // sqlite3_total_changes64 when changeCount() last looked
        quint64 rowsAllAtLastLook = 0;
        quint64 unexplained = 0;    // looks at which SQLite counted more than the hook saw
        qint64 dataVersion = -1;    // PRAGMA data_version when last looked
        quint64 foreignCommits = 0; // looks at which it had changed
        // BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE statements run so far, and how many
        // had run when data_version was last read.
        quint64 transactionStatements = 0;
        quint64 transactionAtLastVersion = ~quint64(0);
    };
    std::unique_ptr<ChangeTally> m_changes = std::make_unique<ChangeTally>();
    std::unique_ptr<WalFlusher> m_flusher;
    Durability m_durability = Durability::OnCommit;
    int m_depth = 0;
    bool m_rolledBack = false;
    std::vector<AfterCommit> m_afterCommit;
    // Group commit: whether the shared SQLite transaction is open, the actions of its
    // savepoints that committed, and the event loop commitGroup() is posted to.
    bool m_groupOpen = false;
    // A group commits after this many turns of the event loop: the reads queued behind the
    // first turn's join it too (under load, more reads per COMMIT; when idle the second turn
    // follows at once).
    static constexpr int GroupTurns = 2;
    int m_groupTurns = 0;
    bool m_followsTurns = false; // turns come from eventLoopAwake(), not from posted events
    quint64 m_groupGeneration = 0;
    std::vector<AfterCommit> m_groupAfterCommit;
    std::function<void(std::function<void()>)> m_post;
    // Prepared statements by SQL text; more than one only while the same text is in use twice.
    std::unordered_map<QString, std::vector<std::unique_ptr<CachedStatement>>> m_statements;
};

struct Database::CachedStatement
{
    CachedStatement() = default;
    CachedStatement(const CachedStatement &) = delete;
    CachedStatement &operator=(const CachedStatement &) = delete;
    ~CachedStatement();
    StatementKind kind = StatementKind::QtSql;
    QSqlQuery query;                // QtSql: the writes exec() caches
    sqlite3_stmt *native = nullptr; // Native: cached() reads, BEGIN / COMMIT / ROLLBACK
    bool inUse = false;
};

class Database::CachedQuery
{
public:
    ~CachedQuery();
    CachedQuery(CachedQuery &&other) noexcept
        : m_db(other.m_db), m_native(std::exchange(other.m_native, nullptr)),
          m_slot(std::exchange(other.m_slot, nullptr)), m_firstRow(other.m_firstRow),
          m_done(other.m_done)
    {}
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;
    CachedQuery &operator=(CachedQuery &&) = delete;

    // Moves to the next row; false after the last. Throws StoreError.
    bool next();
    // A column of the current row, typed as QtSql gives it: NULL as a null QVariant, INTEGER
    // as qlonglong, REAL as double, TEXT as QString, BLOB as QByteArray.
    QVariant value(int column) const;

private:
    friend class Database;
    CachedQuery(Database &db, sqlite3_stmt *native, CachedStatement *slot, bool hasRow)
        : m_db(&db), m_native(native), m_slot(slot), m_firstRow(hasRow), m_done(!hasRow)
    {}

    Database *m_db;
    sqlite3_stmt *m_native;
    CachedStatement *m_slot; // nullptr when the cache was full: then the statement is ours
    bool m_firstRow;         // executing took the first step; next() hands that row out
    bool m_done;
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
    explicit Transaction(Database &db, Durability durability = Durability::OnCommit) : m_db(db)
    {
        m_db.begin(durability);
    }
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
