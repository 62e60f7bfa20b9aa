#include "store/WalFlusher.h"

#include "store/Database.h"

#include <QDebug>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

namespace cortex::store {

WalFlusher::WalFlusher(QString databasePath, std::chrono::milliseconds interval)
    : m_databasePath(std::move(databasePath)), m_walPath(m_databasePath + QStringLiteral("-wal")),
      m_interval(interval), m_thread([this](std::stop_token stop) { run(std::move(stop)); })
{}

WalFlusher::~WalFlusher()
{
    m_thread.request_stop();
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join(); // its last round syncs whatever is still pending
}

void WalFlusher::commitPending()
{
    bool wake = false;
    {
        const std::lock_guard lock(m_mutex);
        if (m_pending == m_covered) // no sync waits for anything yet: this one starts the window
            m_oldestUnsynced = std::chrono::steady_clock::now();
        wake = m_pending++ == m_covered && m_idle; // later ones ride on the round this starts
    }
    if (wake)
        m_wake.notify_one();
}

bool WalFlusher::syncWal() const
{
    // fdatasync through a descriptor of our own: Linux flushes the file (the inode), whichever
    // descriptor wrote it. No WAL file yet means nothing was written through it.
    const QByteArray path = m_walPath.toLocal8Bit();
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    const bool ok = ::fdatasync(fd) == 0;
    ::close(fd);
    return ok;
}

void WalFlusher::syncNow()
{
    std::uint64_t through = 0;
    {
        const std::lock_guard lock(m_mutex);
        through = m_pending;
    }
    if (!syncWal())
        throw StoreError("cannot sync the write-ahead log to disk");
    const std::lock_guard lock(m_mutex);
    m_flushed = std::max(m_flushed, through);
    m_covered = std::max(m_covered, through);
}

std::uint64_t WalFlusher::flushedCommits() const
{
    const std::lock_guard lock(m_mutex);
    return m_flushed;
}

std::uint64_t WalFlusher::pendingCommits() const
{
    const std::lock_guard lock(m_mutex);
    return m_pending;
}

void WalFlusher::checkpoint()
{
    if (!m_checkpointer) {
        const QByteArray path = m_databasePath.toUtf8();
        if (sqlite3_open_v2(path.constData(), &m_checkpointer, SQLITE_OPEN_READWRITE, nullptr) !=
            SQLITE_OK) {
            sqlite3_close(m_checkpointer);
            m_checkpointer = nullptr;
            return;
        }
        sqlite3_busy_timeout(m_checkpointer, 1000);
        // A connection finds out that the store is in WAL mode only when it first reads it;
        // until then a checkpoint through it does nothing and reports -1 frames.
        if (sqlite3_exec(m_checkpointer, "PRAGMA schema_version", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
            sqlite3_close(m_checkpointer);
            m_checkpointer = nullptr;
            return;
        }
    }
    // PASSIVE: copies what it can without waiting for readers or blocking the writer. A busy
    // result only means the next round does it.
    sqlite3_wal_checkpoint_v2(m_checkpointer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

void WalFlusher::run(std::stop_token stop)
{
    std::unique_lock lock(m_mutex);
    while (true) {
        m_idle = true;
        m_wake.wait(lock, stop, [this] { return m_pending > m_covered; });
        m_idle = false;
        if (m_pending <= m_covered) // stopping, with nothing left to sync
            break;
        // The window opens with the oldest commit not yet synced: each is on disk within
        // `interval` of its commit, plus the sync itself. One sync covers all of them.
        if (!stop.stop_requested())
            m_wake.wait_until(lock, stop, m_oldestUnsynced + m_interval, [] { return false; });
        const std::uint64_t through = m_pending;
        m_covered = through;
        // Commits from now on are younger than this moment: their window starts here at worst.
        m_oldestUnsynced = std::chrono::steady_clock::now();
        lock.unlock();
        const bool synced = syncWal();
        if (synced) {
            const std::lock_guard checkpointing(m_checkpointing);
            checkpoint();
        } else {
            qWarning().noquote() << "cannot sync the write-ahead log; retrying";
        }
        lock.lock();
        if (synced) {
            m_flushed = std::max(m_flushed, through);
        } else {
            m_covered = m_flushed; // not done: the next round takes them again
            if (stop.stop_requested())
                break; // a failing disk at shutdown: SQLite's own close still tries
            lock.unlock();
            std::this_thread::sleep_for(m_interval); // do not spin on a failing disk
            lock.lock();
        }
    }
    lock.unlock();
    if (m_checkpointer)
        sqlite3_close(m_checkpointer);
    m_checkpointer = nullptr;
}

} // namespace cortex::store
