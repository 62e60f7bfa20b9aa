// The VFS layer that writes each commit's WAL frames in one write, on real SQLite files: a commit
// is one write, and whatever it gathers, the files stay exactly what SQLite alone would have
// made. Every check reads through a second connection on SQLite's own unix VFS, i.e. the files
// as another process sees them: after each commit, while commits race with it, after
// transactions larger than what the layer gathers or spilled and rolled back, and after the
// writing process is killed.

#include "store/WalWriteCoalescing.h"

#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <csignal>
#include <sqlite3.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace cortex;

namespace {

// SQLite's own VFS, under the layer: reads the files as any other process would.
constexpr const char *PlainVfs = "unix";

struct Connection
{
    sqlite3 *handle = nullptr;
    Connection(const QString &path, const char *vfs)
    {
        const QByteArray file = path.toUtf8();
        if (sqlite3_open_v2(file.constData(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            vfs) != SQLITE_OK)
            throw std::runtime_error("cannot open " + file.toStdString());
        sqlite3_busy_timeout(handle, 5000);
    }
    ~Connection() { sqlite3_close(handle); }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    void exec(const char *sql)
    {
        char *error = nullptr;
        if (sqlite3_exec(handle, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string text = error ? error : "unknown error";
            sqlite3_free(error);
            throw std::runtime_error(std::string(sql) + ": " + text);
        }
    }
    // The first column of the first row, as text.
    QString one(const char *sql)
    {
        sqlite3_stmt *statement = nullptr;
        if (sqlite3_prepare_v2(handle, sql, -1, &statement, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(handle));
        QString value;
        const int rc = sqlite3_step(statement);
        if (rc == SQLITE_ROW)
            value = QString::fromUtf8(
                reinterpret_cast<const char *>(sqlite3_column_text(statement, 0)));
        sqlite3_finalize(statement);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(handle));
        return value;
    }
    qint64 number(const char *sql) { return one(sql).toLongLong(); }
};

// A connection through the layer (the default VFS once it is installed).
std::unique_ptr<Connection> layered(const QString &path)
{
    if (!store::installWalWriteCoalescing())
        throw std::runtime_error("the layer did not install");
    auto c = std::make_unique<Connection>(path, nullptr);
    c->exec("PRAGMA journal_mode=WAL");
    c->exec("PRAGMA synchronous=NORMAL");
    return c;
}

} // namespace

class TestWalWriteCoalescing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void isTheDefaultVfsOnceInstalled();
    void aCommitOfManyPagesIsOneWrite();
    void everyCommitIsInTheFileWhenItReturns();
    void readersRacingTheWriterOnlySeeWholeCommits();
    void largeSpilledAndRolledBackTransactionsLeaveTheFileIntact();
    void aKilledWriterLosesNoCommitThatReturned();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestWalWriteCoalescing::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("test.db"));
}

void TestWalWriteCoalescing::isTheDefaultVfsOnceInstalled()
{
    QVERIFY(store::installWalWriteCoalescing());
    QVERIFY(store::installWalWriteCoalescing()); // once per process; a second call is harmless
    QCOMPARE(QString::fromUtf8(sqlite3_vfs_find(nullptr)->zName),
             QStringLiteral("cortex-wal-coalescing"));
    QVERIFY(sqlite3_vfs_find(PlainVfs) != nullptr);
}

void TestWalWriteCoalescing::aCommitOfManyPagesIsOneWrite()
{
    auto writer = layered(m_path);
    writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB, tag TEXT)");
    writer->exec("CREATE INDEX t_tag ON t (tag)");
    const store::WalWriteCounts before = store::walWriteCounts();
    // Three rows of 3,000 bytes: three table pages, the index and the root, each a WAL frame
    // SQLite writes as a header and a page.
    writer->exec("BEGIN");
    for (int i = 0; i < 3; ++i)
        writer->exec("INSERT INTO t (body, tag) VALUES (randomblob(3000), hex(randomblob(8)))");
    writer->exec("COMMIT");
    const store::WalWriteCounts after = store::walWriteCounts();
    QVERIFY2(after.made - before.made >= 8,
             qPrintable(QStringLiteral("SQLite made %1 writes").arg(after.made - before.made)));
    QCOMPARE(after.handedDown - before.handedDown, std::uint64_t(1));

    Connection reader(m_path, PlainVfs);
    QCOMPARE(reader.number("SELECT COUNT(*) FROM t"), 3);
    QCOMPARE(reader.number("SELECT SUM(length(body)) FROM t"), 9000);
}

void TestWalWriteCoalescing::everyCommitIsInTheFileWhenItReturns()
{
    auto writer = layered(m_path);
    writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    Connection reader(m_path, PlainVfs);
    for (int i = 1; i <= 300; ++i) {
        // Rows of varying size, so commits end at every offset within a page.
        const std::string insert =
            "INSERT INTO t (body) VALUES (randomblob(" + std::to_string(37 * i % 1500) + "))";
        writer->exec(insert.c_str());
        QCOMPARE(reader.number("SELECT COUNT(*) FROM t"), i);
        QCOMPARE(reader.number("SELECT MAX(id) FROM t"), i);
    }
    QCOMPARE(reader.one("PRAGMA integrity_check"), QStringLiteral("ok"));
}

void TestWalWriteCoalescing::readersRacingTheWriterOnlySeeWholeCommits()
{
    auto writer = layered(m_path);
    writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, body BLOB)");
    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    QString broken;
    std::thread readerThread([&] {
        try {
            Connection reader(m_path, PlainVfs);
            while (!done.load()) {
                // Every commit adds n and -n: a half-written commit shows as a non-zero sum, an
                // odd count, or a corrupt page.
                reader.exec("BEGIN");
                const qint64 sum = reader.number("SELECT COALESCE(SUM(n), 0) FROM t");
                const qint64 count = reader.number("SELECT COUNT(*) FROM t");
                reader.exec("COMMIT");
                if (sum != 0 || count % 2 != 0) {
                    broken = QStringLiteral("sum %1, count %2").arg(sum).arg(count);
                    return;
                }
                ++reads;
            }
        } catch (const std::exception &e) {
            broken = QString::fromUtf8(e.what());
        }
    });
    for (int i = 1; i <= 1500 && broken.isEmpty(); ++i) {
        const std::string size = std::to_string(100 + 211 * i % 2500);
        writer->exec("BEGIN");
        writer->exec(
            ("INSERT INTO t (n, body) VALUES (" + std::to_string(i) + ", randomblob(" + size + "))")
                .c_str());
        writer->exec(("INSERT INTO t (n, body) VALUES (-" + std::to_string(i) + ", randomblob(" +
                      size + "))")
                         .c_str());
        writer->exec("COMMIT");
        if (i % 500 == 0)
            writer->exec("PRAGMA wal_checkpoint(PASSIVE)"); // and the WAL restarts under it
    }
    done = true;
    readerThread.join();
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
    QVERIFY(reads.load() > 0);
    Connection reader(m_path, PlainVfs);
    QCOMPARE(reader.number("SELECT COUNT(*) FROM t"), 3000);
    QCOMPARE(reader.one("PRAGMA integrity_check"), QStringLiteral("ok"));
}

void TestWalWriteCoalescing::largeSpilledAndRolledBackTransactionsLeaveTheFileIntact()
{
    auto writer = layered(m_path);
    // A page cache of 20 pages: a large transaction spills frames to the WAL before its commit.
    writer->exec("PRAGMA cache_size=20");
    writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB, kept INTEGER)");
    writer->exec("CREATE INDEX t_kept ON t (kept, id)");
    const store::WalWriteCounts before = store::walWriteCounts();

    // 3 MiB: far more than the layer hands down in one write (and more than SQLite's unix VFS
    // could take in one).
    writer->exec("BEGIN");
    for (int i = 0; i < 1000; ++i)
        writer->exec("INSERT INTO t (body, kept) VALUES (randomblob(3000), 1)");
    writer->exec("COMMIT");
    QVERIFY(store::walWriteCounts().handedDown - before.handedDown > 1);

    // A large transaction that spills and is rolled back, then small commits over its frames.
    writer->exec("BEGIN");
    for (int i = 0; i < 600; ++i)
        writer->exec("INSERT INTO t (body, kept) VALUES (randomblob(3000), 0)");
    writer->exec("UPDATE t SET body = randomblob(100) WHERE id % 7 = 0");
    writer->exec("ROLLBACK");
    for (int i = 0; i < 50; ++i)
        writer->exec("INSERT INTO t (body, kept) VALUES (randomblob(500), 2)");

    Connection reader(m_path, PlainVfs);
    QCOMPARE(reader.number("SELECT COUNT(*) FROM t WHERE kept = 1"), 1000);
    QCOMPARE(reader.number("SELECT COUNT(*) FROM t WHERE kept = 0"), 0);
    QCOMPARE(reader.number("SELECT COUNT(*) FROM t WHERE kept = 2"), 50);
    QCOMPARE(reader.number("SELECT SUM(length(body)) FROM t"), 1000 * 3000 + 50 * 500);
    QCOMPARE(reader.one("PRAGMA integrity_check"), QStringLiteral("ok"));

    // Moved into the main file and read again from there.
    writer->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    Connection afterCheckpoint(m_path, PlainVfs);
    QCOMPARE(afterCheckpoint.number("SELECT COUNT(*) FROM t"), 1050);
    QCOMPARE(afterCheckpoint.one("PRAGMA integrity_check"), QStringLiteral("ok"));
}

void TestWalWriteCoalescing::aKilledWriterLosesNoCommitThatReturned()
{
    {
        auto setup = layered(m_path);
        setup->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    }
    int acknowledged[2];
    QCOMPARE(::pipe(acknowledged), 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // The writer: commits row after row and reports each id once its commit returned.
        ::close(acknowledged[0]);
        try {
            auto writer = layered(m_path);
            for (qint64 id = 1;; ++id) {
                const std::string insert = "INSERT INTO t (id, body) VALUES (" +
                                           std::to_string(id) + ", randomblob(" +
                                           std::to_string(200 + id * 53 % 3000) + "))";
                writer->exec(insert.c_str());
                if (::write(acknowledged[1], &id, sizeof id) != sizeof id)
                    ::_exit(3);
            }
        } catch (...) {
            ::_exit(2);
        }
    }
    ::close(acknowledged[1]);
    qint64 last = 0;
    while (last < 2000) {
        qint64 id = 0;
        QCOMPARE(::read(acknowledged[0], &id, sizeof id), ssize_t(sizeof id));
        last = id;
    }
    QCOMPARE(::kill(child, SIGKILL), 0);
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // Ids reported after the one read last are in the pipe still; the reader takes them too.
    qint64 id = 0;
    while (::read(acknowledged[0], &id, sizeof id) == ssize_t(sizeof id))
        last = id;
    ::close(acknowledged[0]);

    Connection reader(m_path, PlainVfs);
    QCOMPARE(reader.one("PRAGMA integrity_check"), QStringLiteral("ok"));
    const qint64 rows = reader.number("SELECT COUNT(*) FROM t");
    const qint64 highest = reader.number("SELECT MAX(id) FROM t");
    QVERIFY2(highest >= last, qPrintable(QStringLiteral("%1 < %2").arg(highest).arg(last)));
    QCOMPARE(rows, highest); // ids 1..highest, none missing
}

QTEST_GUILESS_MAIN(TestWalWriteCoalescing)
#include "tst_wal_write_coalescing.moc"
