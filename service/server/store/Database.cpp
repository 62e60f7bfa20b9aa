#include "store/Database.h"

#include "store/Migrations.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QSqlError>

namespace cortex::store {

namespace {
QString describe(const QSqlError &error)
{
    // driverText/databaseText name the failure; bound values are never part of them.
    return error.text();
}
} // namespace

Database::Database(QString connectionName, QString filePath)
    : m_connectionName(std::move(connectionName)), m_filePath(std::move(filePath))
{
}

Database::Database(Database &&other) noexcept
    : m_connectionName(std::move(other.m_connectionName)), m_filePath(std::move(other.m_filePath)),
      m_depth(other.m_depth), m_rolledBack(other.m_rolledBack)
{
    other.m_connectionName.clear();
}

Database::~Database()
{
    if (m_connectionName.isEmpty())
        return;
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
            throw StoreError("cannot open the SQLite store: " + describe(db.lastError()).toStdString());
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

QSqlQuery Database::exec(const QString &sql, const QVariantList &values)
{
    QSqlQuery query(db());
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        throw StoreError("prepare failed: " + describe(query.lastError()).toStdString());
    for (const QVariant &v : values)
        query.addBindValue(v);
    if (!query.exec())
        throw StoreError("statement failed: " + describe(query.lastError()).toStdString());
    return query;
}

void Database::execOne(const QString &sql, const QVariantList &values)
{
    QSqlQuery q = exec(sql, values);
    if (q.numRowsAffected() != 1)
        throw StoreError("expected to change exactly one row");
}

void Database::begin()
{
    if (m_depth++ > 0)
        return;
    m_rolledBack = false;
    if (!db().transaction()) {
        m_depth = 0;
        throw StoreError("cannot begin a transaction: " + describe(db().lastError()).toStdString());
    }
}

void Database::commit()
{
    if (m_rolledBack || m_depth <= 0)
        throw StoreError("commit of a transaction that was already rolled back");
    if (--m_depth > 0)
        return;
    if (!db().commit()) {
        const std::string why = describe(db().lastError()).toStdString();
        db().rollback();
        throw StoreError("commit failed: " + why);
    }
}

void Database::checkpoint()
{
    if (m_depth != 0 || driverName() != u"QSQLITE")
        return;
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
    db().rollback();
}

} // namespace cortex::store
