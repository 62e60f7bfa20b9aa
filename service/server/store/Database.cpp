#include "store/Database.h"

#include "store/Migrations.h"
#include "store/WalFlusher.h"
#include "store/WalWriteCoalescing.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QSqlDriver>
#include <QSqlError>
#include <sqlite3.h>

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

// Binds as the QtSql SQLite driver does, so both paths store the same values: a null QString
// or QByteArray is SQL NULL, text is UTF-8, integers and booleans are INTEGER.
int bindNative(sqlite3_stmt *statement, int index, const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return sqlite3_bind_null(statement, index);
    switch (value.metaType().id()) {
    case QMetaType::QByteArray: {
        const QByteArray bytes = value.toByteArray();
        if (bytes.isNull())
            return sqlite3_bind_null(statement, index);
        return sqlite3_bind_blob64(statement, index, bytes.constData(),
                                   sqlite3_uint64(bytes.size()), SQLITE_TRANSIENT);
    }
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
        return sqlite3_bind_int64(statement, index, value.toLongLong());
    case QMetaType::ULong:
    case QMetaType::ULongLong:
        return sqlite3_bind_int64(statement, index, sqlite3_int64(value.toULongLong()));
    case QMetaType::Double:
    case QMetaType::Float:
        return sqlite3_bind_double(statement, index, value.toDouble());
    default: {
        const QString text = value.toString();
        if (text.isNull())
            return sqlite3_bind_null(statement, index);
        const QByteArray utf8 = text.toUtf8();
        return sqlite3_bind_text64(statement, index, utf8.constData(), sqlite3_uint64(utf8.size()),
                                   SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    }
}
} // namespace

Database::Database(QString connectionName, QString filePath)
    : m_connectionName(std::move(connectionName)), m_filePath(std::move(filePath))
{}

Database::CachedStatement::~CachedStatement()
{
    sqlite3_finalize(native);
}

Database::Database(Database &&other) noexcept
    : m_connectionName(std::move(other.m_connectionName)), m_filePath(std::move(other.m_filePath)),
      m_handle(std::exchange(other.m_handle, nullptr)), m_changes(std::move(other.m_changes)),
      m_flusher(std::move(other.m_flusher)), m_durability(other.m_durability),
      m_depth(other.m_depth), m_rolledBack(other.m_rolledBack),
      m_afterCommit(std::move(other.m_afterCommit)),
      m_groupOpen(std::exchange(other.m_groupOpen, false)), m_followsTurns(other.m_followsTurns),
      m_groupAfterCommit(std::move(other.m_groupAfterCommit)), m_post(std::move(other.m_post)),
      m_statements(std::move(other.m_statements))
{
    other.m_connectionName.clear();
}

Database::~Database()
{
    if (m_connectionName.isEmpty())
        return;
    if (m_depth == 0)
        commitGroup(); // the reads of the last turn keep their audit rows
    else if (m_groupOpen)
        failGroup("the store closed inside a transaction");
    m_statements.clear(); // before the connection goes: a query outliving it is a Qt warning
    m_flusher.reset();    // its last round syncs what is still pending
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Database Database::openSqlite(const QString &dataDir, std::chrono::milliseconds flushInterval)
{
    static QAtomicInteger<int> counter;
    const QString name = QStringLiteral("cortex-%1").arg(counter.fetchAndAddRelaxed(1));
    const QString path = QDir(dataDir).filePath(QStringLiteral("cortex.db"));
    // Before the first connection: it opens its files through the default VFS.
    if (!installWalWriteCoalescing())
        qWarning("SQLite's VFS could not be layered; WAL frames are written one by one");
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
    {
        // The driver's own connection; QSQLITE links the same libsqlite3 as this library.
        const QVariant handle = database.db().driver()->handle();
        if (qstrcmp(handle.typeName(), "sqlite3*") != 0 ||
            !*static_cast<sqlite3 *const *>(handle.data()))
            throw StoreError("the QSQLITE driver gave no SQLite handle");
        database.m_handle = *static_cast<sqlite3 *const *>(handle.data());
        // The tally lives on the heap, so the hook's pointer survives moving the Database.
        sqlite3_update_hook(database.m_handle, &Database::onRowChanged, database.m_changes.get());
    }
    // WAL for concurrent readers; secure_delete so destroyed secret versions are overwritten,
    // not left in free pages. Without a flush interval, FULL sync: every acknowledged write
    // survives power loss. With one, NORMAL (consistent after any crash, a killed process loses
    // nothing) plus a sync after each commit that asks for it and the flusher for the rest;
    // checkpoints move to the flusher's thread, SQLite's own stays only as a backstop.
    database.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    if (flushInterval.count() > 0) {
        database.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
        database.exec(QStringLiteral("PRAGMA wal_autocheckpoint=20000"));
        database.m_flusher = std::make_unique<WalFlusher>(path, flushInterval);
    } else {
        database.exec(QStringLiteral("PRAGMA synchronous=FULL"));
    }
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

Database::CachedStatement *Database::statementFor(const QString &sql, StatementKind kind)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        if (m_statements.size() >= MaxCachedTexts)
            return nullptr;
        it = m_statements.try_emplace(sql).first;
    }
    std::vector<std::unique_ptr<CachedStatement>> &statements = it->second;
    for (const std::unique_ptr<CachedStatement> &statement : statements)
        if (!statement->inUse && statement->kind == kind)
            return statement.get();
    auto statement = std::make_unique<CachedStatement>();
    statement->kind = kind;
    if (kind == StatementKind::Native) {
        statement->native = prepareNative(sql);
    } else {
        statement->query = QSqlQuery(db());
        statement->query.setForwardOnly(true);
        if (!statement->query.prepare(sql))
            throw StoreError("prepare failed: " +
                             describe(statement->query.lastError()).toStdString());
    }
    statements.push_back(std::move(statement));
    return statements.back().get();
}

sqlite3_stmt *Database::prepareNative(const QString &sql)
{
    const QByteArray utf8 = sql.toUtf8();
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v3(m_handle, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement, nullptr) != SQLITE_OK) {
        sqlite3_finalize(statement);
        throw StoreError(std::string("prepare failed: ") + sqlite3_errmsg(m_handle));
    }
    if (!statement)
        throw StoreError("prepare failed: no statement in the text");
    return statement;
}

void Database::throwNative(const char *what, sqlite3_stmt *statement)
{
    // The message names the failure (a constraint, a missing table), never a bound value.
    const std::string message = std::string(what) + sqlite3_errmsg(m_handle);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    throw StoreError(message);
}

bool Database::executeNative(sqlite3_stmt *statement, const QVariantList &values)
{
    sqlite3_reset(statement);
    for (qsizetype i = 0; i < values.size(); ++i)
        if (bindNative(statement, int(i + 1), values.at(i)) != SQLITE_OK)
            throwNative("bind failed: ", statement);
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        throwNative("statement failed: ", statement);
    return false;
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
    leaveGroup();
    refuseAfterRollback();
    if (writesWithoutRows(sql)) {
        if (CachedStatement *statement = statementFor(sql, StatementKind::QtSql)) {
            try {
                executeBound(statement->query, values);
            } catch (const StoreError &) {
                dropStatement(sql, statement); // a failed statement is prepared afresh next time
                throw;
            }
            if (m_depth == 0)
                syncIfDeferred(); // an autocommit write is a commit of its own
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
    if (m_depth == 0 && !query.isSelect())
        syncIfDeferred();
    return query;
}

Database::CachedQuery Database::cached(const QString &sql, const QVariantList &values)
{
    leaveGroup();
    refuseAfterRollback();
    CachedStatement *slot = statementFor(sql, StatementKind::Native);
    sqlite3_stmt *statement = slot ? slot->native : prepareNative(sql);
    bool hasRow = false;
    try {
        hasRow = executeNative(statement, values);
    } catch (const StoreError &) {
        if (!slot)
            sqlite3_finalize(statement);
        throw;
    }
    if (slot)
        slot->inUse = true;
    if (m_depth == 0 && !sqlite3_stmt_readonly(statement))
        syncIfDeferred();
    return CachedQuery(*this, statement, slot, hasRow);
}

Database::CachedQuery::~CachedQuery()
{
    if (!m_native)
        return;
    if (!m_slot) {
        sqlite3_finalize(m_native);
        return;
    }
    // Its read ends here, whether or not every row was read; the bound copies go too.
    sqlite3_reset(m_native);
    sqlite3_clear_bindings(m_native);
    m_slot->inUse = false;
}

bool Database::CachedQuery::next()
{
    if (m_firstRow) {
        m_firstRow = false;
        return true;
    }
    if (m_done)
        return false;
    const int rc = sqlite3_step(m_native);
    if (rc == SQLITE_ROW)
        return true;
    m_done = true;
    if (rc != SQLITE_DONE)
        m_db->throwNative("reading rows failed: ", m_native);
    return false;
}

QVariant Database::CachedQuery::value(int column) const
{
    switch (sqlite3_column_type(m_native, column)) {
    case SQLITE_INTEGER:
        return QVariant(qlonglong(sqlite3_column_int64(m_native, column)));
    case SQLITE_FLOAT:
        return QVariant(sqlite3_column_double(m_native, column));
    case SQLITE_TEXT: {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_native, column));
        return QVariant(QString::fromUtf8(text, sqlite3_column_bytes(m_native, column)));
    }
    case SQLITE_BLOB: {
        const auto *blob = static_cast<const char *>(sqlite3_column_blob(m_native, column));
        return QVariant(QByteArray(blob, sqlite3_column_bytes(m_native, column)));
    }
    default:
        return QVariant();
    }
}

void Database::execOne(const QString &sql, const QVariantList &values)
{
    QSqlQuery q = exec(sql, values);
    if (q.numRowsAffected() != 1)
        throw StoreError("expected to change exactly one row");
}

void Database::runTransactionStatement(const QString &sql)
{
    // BEGIN / COMMIT / ROLLBACK from the statement cache, on SQLite's own API, instead of
    // through QSqlDatabase::transaction() and friends, which prepare them every time.
    ++m_changes->transactionStatements; // a snapshot may start or end here
    CachedStatement *slot = statementFor(sql, StatementKind::Native);
    sqlite3_stmt *statement = slot ? slot->native : prepareNative(sql);
    try {
        executeNative(statement, {});
    } catch (const StoreError &) {
        if (!slot)
            sqlite3_finalize(statement);
        throw;
    }
    if (slot)
        sqlite3_reset(statement);
    else
        sqlite3_finalize(statement);
}

void Database::onRowChanged(void *self, int, const char *, const char *table, long long)
{
    auto *tally = static_cast<ChangeTally *>(self);
    ++tally->rowsAll;
    // The audit tables change with every request; nothing kept in memory is read from them.
    if (qstrcmp(table, "audit_log") != 0 && qstrcmp(table, "audit_checkpoints") != 0)
        ++tally->rowsOutsideAudit;
}

quint64 Database::changeCount()
{
    ChangeTally &t = *m_changes;
    // Direct changes SQLite counted but the hook did not see (a whole-table DELETE takes a
    // shortcut past the hook): count them as changes anywhere.
    const qint64 total = sqlite3_total_changes64(m_handle);
    if (total - t.totalAtLastLook > qint64(t.rowsAll - t.rowsAllAtLastLook))
        ++t.unexplained;
    t.totalAtLastLook = total;
    t.rowsAllAtLastLook = t.rowsAll;
    // Another connection's commit shows only when a transaction starts: inside the one that
    // was open at the last look, nothing new can have come in (a request reads several memos).
    const bool sameTransaction =
        !sqlite3_get_autocommit(m_handle) && t.transactionAtLastVersion == t.transactionStatements;
    if (!sameTransaction) {
        CachedQuery version = cached(QStringLiteral("PRAGMA data_version"));
        const qint64 dataVersion = version.next() ? version.value(0).toLongLong() : -1;
        if (dataVersion != t.dataVersion) {
            t.dataVersion = dataVersion;
            ++t.foreignCommits;
        }
        t.transactionAtLastVersion = t.transactionStatements;
    }
    return t.rowsOutsideAudit + t.unexplained + t.foreignCommits;
}

void Database::syncIfDeferred()
{
    if (m_flusher)
        m_flusher->syncNow();
}

void Database::begin(Durability durability)
{
    if (m_depth > 0) {
        ++m_depth; // joins the outer transaction
        return;
    }
    if (durability == Durability::Grouped && !(m_post && m_handle))
        durability = Durability::WithinFlushInterval;
    if (durability != Durability::Grouped)
        leaveGroup();
    else if (m_groupOpen && sqlite3_get_autocommit(m_handle))
        failGroup("SQLite rolled the transaction back"); // a SAVEPOINT now would start afresh
    m_depth = 1;
    m_durability = durability;
    m_rolledBack = false;
    m_afterCommit.clear(); // nothing from an earlier, rolled-back transaction carries over
    try {
        if (durability == Durability::Grouped) {
            if (!m_groupOpen) {
                runTransactionStatement(QStringLiteral("BEGIN"));
                m_groupOpen = true;
                ++m_groupGeneration;
                m_groupTurns = 0;
                if (!m_followsTurns)
                    postGroupTurn();
            }
            runTransactionStatement(QStringLiteral("SAVEPOINT grouped"));
        } else {
            runTransactionStatement(QStringLiteral("BEGIN"));
        }
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
    // A grouped transaction only ends its savepoint: the group commits later.
    const bool grouped = m_durability == Durability::Grouped;
    try {
        runTransactionStatement(grouped ? QStringLiteral("RELEASE grouped")
                                        : QStringLiteral("COMMIT"));
    } catch (const StoreError &e) {
        const std::string why = e.what();
        rollbackNow();
        runLost(m_afterCommit);
        throw StoreError("commit failed: " + why);
    }
    if (grouped) { // its follow-ups wait for the group's COMMIT
        for (AfterCommit &action : m_afterCommit)
            m_groupAfterCommit.push_back(std::move(action));
        m_afterCommit.clear();
        return;
    }
    if (m_flusher) {
        if (m_durability == Durability::OnCommit) {
            try {
                m_flusher->syncNow();
            } catch (const StoreError &) {
                // Committed but not known to be on disk: the caller must not report success.
                runLost(m_afterCommit);
                throw;
            }
        } else {
            m_flusher->commitPending();
        }
    }
    std::vector<AfterCommit> actions;
    actions.swap(m_afterCommit);
    for (const AfterCommit &action : actions)
        runAfterCommit(action.action);
}

void Database::postGroupTurn()
{
    m_post([this, generation = m_groupGeneration] {
        if (!m_groupOpen || generation != m_groupGeneration)
            return; // committed already; a newer group has its own turns
        if (++m_groupTurns < GroupTurns)
            postGroupTurn();
        else
            commitGroup();
    });
}

void Database::eventLoopAwake()
{
    if (m_groupOpen && m_depth == 0 && ++m_groupTurns >= GroupTurns)
        commitGroup();
}

void Database::eventLoopIdle()
{
    if (m_groupOpen && m_depth == 0)
        commitGroup();
}

bool Database::commitGroup()
{
    if (!m_groupOpen)
        return true;
    if (m_depth > 0) { // called from inside one of its savepoints: later
        m_post([this] { commitGroup(); });
        return true;
    }
    m_groupOpen = false;
    try {
        // SQLite rolls a whole transaction back on some errors (a full disk, an I/O error).
        if (sqlite3_get_autocommit(m_handle))
            throw StoreError("SQLite rolled the transaction back");
        runTransactionStatement(QStringLiteral("COMMIT"));
    } catch (const StoreError &e) {
        failGroup(e.what());
        return false;
    }
    if (m_flusher)
        m_flusher->commitPending();
    std::vector<AfterCommit> actions;
    actions.swap(m_groupAfterCommit);
    for (const AfterCommit &action : actions)
        runAfterCommit(action.action);
    return true;
}

void Database::failGroup(const char *why)
{
    ++m_changes->unexplained;
    m_groupOpen = false;
    std::vector<AfterCommit> lost;
    lost.swap(m_groupAfterCommit);
    try {
        runTransactionStatement(QStringLiteral("ROLLBACK"));
    } catch (const StoreError &) {
        // Already rolled back.
    }
    qWarning().noquote() << "group commit failed; its" << lost.size()
                         << "committed transactions are lost:" << why;
    runLost(lost);
}

void Database::runLost(std::vector<AfterCommit> &actions)
{
    std::vector<AfterCommit> lost;
    lost.swap(actions);
    for (const AfterCommit &action : lost)
        if (action.ifLost)
            runAfterCommit(action.ifLost);
}

void Database::afterCommit(std::function<void()> action, std::function<void()> ifLost)
{
    if (m_depth == 0)
        runAfterCommit(action);
    else if (!m_rolledBack) // a rolled-back transaction never commits
        m_afterCommit.push_back({std::move(action), std::move(ifLost)});
    else if (ifLost)
        runAfterCommit(ifLost);
}

void Database::checkpoint()
{
    if (driverName() != u"QSQLITE")
        return;
    if (m_depth != 0) {
        afterCommit([this] { checkpoint(); });
        return;
    }
    // The open group's follow-ups (answers, audit checkpoints) run before the flusher is held,
    // so none of them can come back here while it is.
    leaveGroup();
    std::unique_lock<std::mutex> flusherWaits;
    if (m_flusher)
        flusherWaits = m_flusher->holdCheckpoints();
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
    runLost(m_afterCommit);
    rollbackNow();
}

void Database::rollbackNow()
{
    // Rows read into memory during the transaction may be gone now: count it as a change.
    ++m_changes->unexplained;
    if (m_durability == Durability::Grouped && m_groupOpen) {
        try {
            // Only this transaction's savepoint; the group's other transactions stay.
            runTransactionStatement(QStringLiteral("ROLLBACK TO grouped"));
            runTransactionStatement(QStringLiteral("RELEASE grouped"));
            return;
        } catch (const StoreError &e) {
            // SQLite dropped the whole transaction, the group's other savepoints with it.
            failGroup(e.what());
            return;
        }
    }
    try {
        runTransactionStatement(QStringLiteral("ROLLBACK"));
    } catch (const StoreError &) {
        // Ignored as before (QSqlDatabase::rollback()'s result was): SQLite may have rolled
        // the transaction back itself already.
    }
}

} // namespace cortex::store
