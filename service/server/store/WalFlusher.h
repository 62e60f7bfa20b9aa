#pragma once

#include <QString>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

struct sqlite3;

namespace cortex::store {

// Makes commits that did not sync on their own durable within a bounded time (the interval
// after the commit, plus the sync itself), off the event loop. The store runs with
// synchronous=NORMAL: a commit reaches the WAL file (the operating system) before it returns, so
// killing the server loses nothing, and this thread syncs the WAL at most `interval` after such a
// commit, then checkpoints it (PASSIVE, on a connection of its own) so that the server's own
// connection never stalls on a checkpoint's syncs.
class WalFlusher
{
public:
    WalFlusher(QString databasePath, std::chrono::milliseconds interval);
    ~WalFlusher();
    WalFlusher(const WalFlusher &) = delete;
    WalFlusher &operator=(const WalFlusher &) = delete;

    // A commit that has not been synced: the thread syncs it within the interval.
    void commitPending();
    // Syncs the WAL now, on the caller's thread: for commits that must be durable before
    // anyone hears of them. Throws StoreError when the sync fails.
    void syncNow();
    // Keeps the thread from starting a checkpoint (and waits for one under way) while held:
    // SQLite refuses a checkpoint outright while another connection runs one, and the store's
    // own (Database::checkpoint, after deletions) must not be skipped.
    std::unique_lock<std::mutex> holdCheckpoints() { return std::unique_lock(m_checkpointing); }
    // How many pending commits are on disk so far (monotonic; for tests and the log).
    std::uint64_t flushedCommits() const;
    std::uint64_t pendingCommits() const;

private:
    void run(std::stop_token stop);
    bool syncWal() const;
    void checkpoint();

    const QString m_databasePath;
    const QString m_walPath;
    const std::chrono::milliseconds m_interval;
    mutable std::mutex m_mutex;
    std::mutex m_checkpointing; // held by the thread while it checkpoints
    std::condition_variable_any m_wake;
    std::uint64_t m_pending = 0; // commits marked so far
    std::uint64_t m_flushed = 0; // of those, synced
    std::uint64_t m_covered = 0; // of those, synced or in the sync under way
    std::chrono::steady_clock::time_point m_oldestUnsynced; // of the commits after m_covered
    bool m_idle = false;               // the thread waits for a commit (not for its window to end)
    sqlite3 *m_checkpointer = nullptr; // owned by the thread
    std::jthread m_thread;             // last: starts after everything above exists
};

} // namespace cortex::store
