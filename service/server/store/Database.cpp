#include "store/Database.h"

#include "store/Migrations.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QSqlError>

#include <QDebug>

namespace cortex::store {

namespace {
QString describe(const QSqlError &error)
{
    // driverText/databaseText name the failure; bound values are never part of them.
    return error.text();
}

// Distinct SQL texts kept prepared per connection; the code has a few dozen, the limit only
// guards against a caller that builds texts without bound.
constexpr std::size_t MaxCachedTexts = 512;

// A statement that produces no rows: the driver resets it as soon as it has run (SQLITE_DONE),
// so reusing it can never disturb a caller still reading.
bool writesWithoutRows(const QString &sql)
{
    const QStringView s = QStringView(sql).trimmed();
    const bool write = s.startsWith(u"INSERT", Qt::CaseInsensitive) ||
                       s.startsWith(u"UPDATE", Qt::CaseInsensitive) ||
                       s.startsWith(u"DELETE", Qt::CaseInsensitive) ||
                       s.startsWith(u"REPLACE", Qt::CaseInsensitive);
    return write && !s.contains(u"RETURNING", Qt::CaseInsensitive);
}

void runAfterCommit(const std::function<void()> &action)
{
    // The change is committed whatever happens here; a failing follow-up must not undo the
    // caller's success.
    try {
        action();
    } catch (const std::exception &e) {
        qWarning().noquote() << "after-commit action failed:" << e.what();
    }
}
} // namespace

Database::Database(QString connectionName, QString filePath)
    : m_connectionName(std::move(connectionName)), m_filePath(std::move(filePath))
{}

Database::Database(Database &&other) noexcept
    : m_connectionName(std::move(other.m_connectionName)), m_filePath(std::move(other.m_filePath)),
      m_depth(other.m_depth), m_rolledBack(other.m_rolledBack),
      m_afterCommit(std::move(other.m_afterCommit)), m_statements(std::move(other.m_statements))
{
    other.m_connectionName.clear();
}

Database::~Database()
{
    if (m_connectionName.isEmpty())
        return;
    m_statements.clear(); // before the connection goes: a query outliving it is a Qt warning
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Database Database::openSqlite(const QString &dataDir)
{
    static QAtomicInteger<int> counter;
    const QString name = QStringLiteral("cortex-%1").arg(counter.fetchAndAddRelaxed(1));
    const QString path = QDir(dataDir).filePath(QStringLiteral("cortex.db"));
    Database database(name, path);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open())
            throw StoreError("cannot open the SQLite store: " +
                             describe(db.lastError()).toStdString());
    }
    // The file holds only ciphertext, but nobody else needs to read even that.
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    // WAL for concurrent readers; FULL sync so an acknowledged write survives power loss;
    // secure_delete so destroyed secret versions are overwritten, not left in free pages.
    database.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    database.exec(QStringLiteral("PRAGMA synchronous=FULL"));
    database.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    database.exec(QStringLiteral("PRAGMA secure_delete=ON"));
    migrate(database);
    return database;
}

QSqlDatabase Database::db() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

QString Database::driverName() const
{
    return db().driverName();
}

void Database::executeBound(QSqlQuery &query, const QVariantList &values)
{
    for (qsizetype i = 0; i < values.size(); ++i)
        query.bindValue(int(i), values.at(i));
    if (!query.exec())
        throw StoreError("statement failed: " + describe(query.lastError()).toStdString());
}

Database::CachedStatement *Database::statementFor(const QString &sql)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        if (m_statements.size() >= MaxCachedTexts)
            return nullptr;
        it = m_statements.try_emplace(sql).first;
    }
    std::vector<std::unique_ptr<CachedStatement>> &statements = it->second;
    for (const std::unique_ptr<CachedStatement> &statement : statements)
        if (!statement->inUse)
            return statement.get();
    auto statement = std::make_unique<CachedStatement>();
    statement->query = QSqlQuery(db());
    statement->query.setForwardOnly(true);
    if (!statement->query.prepare(sql))
        throw StoreError("prepare failed: " + describe(statement->query.lastError()).toStdString());
    statements.push_back(std::move(statement));
    return statements.back().get();
}

void Database::dropStatement(const QString &sql, const CachedStatement *statement)
{
    const auto it = m_statements.find(sql);
    if (it == m_statements.end())
        return;
    std::erase_if(it->second, [statement](const std::unique_ptr<CachedStatement> &s) {
        return s.get() == statement;
    });
}

void Database::refuseAfterRollback() const
{
    // After an inner rollback the connection is back in autocommit until the outermost
    // transaction ends: a write now would be committed for good behind the caller's back.
    if (m_rolledBack && m_depth > 0)
        throw StoreError("statement inside a transaction that was already rolled back");
}

QSqlQuery Database::exec(const QString &sql, const QVariantList &values)
{
    refuseAfterRollback();
    if (writesWithoutRows(sql)) {
        if (CachedStatement *statement = statementFor(sql)) {
            try {
                executeBound(statement->query, values);
            } catch (const StoreError &) {
                dropStatement(sql, statement); // a failed statement is prepared afresh next time
                throw;
            }
            // The copy shares the statement's result, which is all a caller of a write
            // reads: numRowsAffected() and lastInsertId() (both per connection in SQLite).
            QT_WARNING_PUSH
            QT_WARNING_DISABLE_DEPRECATED
            return statement->query;
            QT_WARNING_POP
        }
    }
    QSqlQuery query(db());
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        throw StoreError("prepare failed: " + describe(query.lastError()).toStdString());
    executeBound(query, values);
    return query;
}

Database::CachedQuery Database::cached(const QString &sql, const QVariantList &values)
{
    refuseAfterRollback();
    CachedStatement *statement = statementFor(sql);
    if (!statement)
        return CachedQuery(exec(sql, values));
    try {
        executeBound(statement->query, values);
    } catch (const StoreError &) {
        dropStatement(sql, statement);
        throw;
    }
    statement->inUse = true;
    return CachedQuery(statement);
}

Database::CachedQuery::~CachedQuery()
{
    if (!m_statement)
        return;
    // Resets the statement (sqlite3_reset): its read ends here, whether or not every row
    // was read.
    m_statement->query.finish();
    m_statement->inUse = false;
}

void Database::execOne(const QString &sql, const QVariantList &values)
{
    QSqlQuery q = exec(sql, values);
    if (q.numRowsAffected() != 1)
        throw StoreError("expected to change exactly one row");
}

void Database::runTransactionStatement(const QString &sql)
{
    // What QSqlDatabase::transaction() / commit() / rollback() run for SQLite ("BEGIN",
    // "COMMIT", "ROLLBACK"), from the statement cache instead of prepared on every transaction.
    CachedStatement *statement = statementFor(sql);
    if (!statement) {
        QSqlQuery query(db());
        if (!query.exec(sql))
            throw StoreError(describe(query.lastError()).toStdString());
        return;
    }
    try {
        executeBound(statement->query, {});
    } catch (const StoreError &) {
        dropStatement(sql, statement);
        throw;
    }
}

void Database::begin()
{
    if (m_depth++ > 0)
        return;
    m_rolledBack = false;
    m_afterCommit.clear(); // nothing from an earlier, rolled-back transaction carries over
    try {
        runTransactionStatement(QStringLiteral("BEGIN"));
    } catch (const StoreError &e) {
        m_depth = 0;
        throw StoreError(std::string("cannot begin a transaction: ") + e.what());
    }
}

void Database::commit()
{
    if (m_rolledBack || m_depth <= 0)
        throw StoreError("commit of a transaction that was already rolled back");
    if (--m_depth > 0)
        return;
    try {
        runTransactionStatement(QStringLiteral("COMMIT"));
    } catch (const StoreError &e) {
        const std::string why = e.what();
        rollbackNow();
        m_afterCommit.clear();
        throw StoreError("commit failed: " + why);
    }
    std::vector<std::function<void()>> actions;
    actions.swap(m_afterCommit);
    for (const std::function<void()> &action : actions)
        runAfterCommit(action);
}

void Database::afterCommit(std::function<void()> action)
{
    if (m_depth == 0)
        runAfterCommit(action);
    else if (!m_rolledBack) // a rolled-back transaction never commits
        m_afterCommit.push_back(std::move(action));
}

void Database::checkpoint()
{
    if (driverName() != u"QSQLITE")
        return;
    if (m_depth != 0) {
        afterCommit([this] { checkpoint(); });
        return;
    }
    try {
        exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    } catch (const StoreError &) {
        // A busy WAL is checkpointed later by SQLite itself; the deletion already committed.
    }
}

void Database::rollback()
{
    if (m_depth <= 0)
        return;
    --m_depth;
    if (m_rolledBack)
        return;
    m_rolledBack = true;
    m_afterCommit.clear();
    rollbackNow();
}

void Database::rollbackNow()
{
    try {
        runTransactionStatement(QStringLiteral("ROLLBACK"));
    } catch (const StoreError &) {
        // Ignored as before (QSqlDatabase::rollback()'s result was): SQLite may have rolled
        // the transaction back itself already.
    }
}

} // namespace cortex::store
