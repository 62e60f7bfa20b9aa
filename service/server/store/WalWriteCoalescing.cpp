#include "store/WalWriteCoalescing.h"

#include <QDebug>
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <new>
#include <sqlite3.h>
#include <type_traits>
#include <vector>

namespace cortex::store {

namespace {

// A WAL frame header: page number, then the database size in pages for a commit frame (zero
// for every other frame), salts and checksums (SQLite's file format, section 4.1).
constexpr int FrameHeaderSize = 24;
// The most the layer hands down in one write. SQLite's unix VFS cannot take more than 128 KiB at
// once (its seekAndWrite keeps only the low 17 bits of the size, and reports a short write as a
// full disk), so a commit larger than this goes down in several writes, and a large
// transaction's frames (spilled before its commit) are written once this much gathers.
constexpr std::size_t MaxWrite = std::size_t(64) << 10;

sqlite3_vfs *g_below = nullptr; // the VFS ours is layered over
sqlite3_vfs g_layer{};
std::atomic<std::uint64_t> g_made{0};
std::atomic<std::uint64_t> g_handedDown{0};

struct Gathered
{
    sqlite3_int64 start = 0;
    std::vector<unsigned char> bytes;
    bool commitPageNext = false; // the last write was a commit frame's header
};

// SQLite allocates szOsFile bytes and hands them to xOpen; ours goes first, the file of the VFS
// below after it.
struct LayerFile
{
    sqlite3_file base; // first: SQLite sees a sqlite3_file
    sqlite3_file *below = nullptr;
    std::unique_ptr<Gathered> gathered; // WAL files only
    LayerFile *wal = nullptr;           // a database file: its WAL, while open
    LayerFile *database = nullptr;      // a WAL file: its database file
};
static_assert(std::is_standard_layout_v<LayerFile>);
constexpr std::size_t BelowOffset = (sizeof(LayerFile) + 15) & ~std::size_t(15);

LayerFile *layer(sqlite3_file *file)
{
    return reinterpret_cast<LayerFile *>(file);
}
const sqlite3_io_methods &below(const LayerFile *f)
{
    return *f->below->pMethods;
}

int writeGathered(LayerFile *f)
{
    if (!f || !f->gathered || f->gathered->bytes.empty())
        return SQLITE_OK;
    Gathered &g = *f->gathered;
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < g.bytes.size() && rc == SQLITE_OK; done += MaxWrite) {
        const std::size_t size = std::min(MaxWrite, g.bytes.size() - done);
        g_handedDown.fetch_add(1, std::memory_order_relaxed);
        rc = below(f).xWrite(f->below, g.bytes.data() + done, int(size),
                             g.start + sqlite3_int64(done));
    }
    g.bytes.clear();
    return rc;
}

int layerClose(sqlite3_file *file)
{
    LayerFile *f = layer(file);
    int rc = writeGathered(f);
    if (f->database)
        f->database->wal = nullptr;
    if (f->wal)
        f->wal->database = nullptr;
    const int closed = below(f).xClose(f->below);
    std::destroy_at(f);
    return rc != SQLITE_OK ? rc : closed;
}

int layerRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f); rc != SQLITE_OK)
        return rc;
    return below(f).xRead(f->below, data, amount, offset);
}

int layerWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
    LayerFile *f = layer(file);
    if (!f->gathered)
        return below(f).xWrite(f->below, data, amount, offset);
    Gathered &g = *f->gathered;
    g_made.fetch_add(1, std::memory_order_relaxed);
    if (!g.bytes.empty() && offset != g.start + sqlite3_int64(g.bytes.size())) {
        if (const int rc = writeGathered(f); rc != SQLITE_OK)
            return rc;
    }
    const auto *bytes = static_cast<const unsigned char *>(data);
    try {
        if (g.bytes.empty())
            g.start = offset;
        g.bytes.insert(g.bytes.end(), bytes, bytes + amount);
    } catch (const std::bad_alloc &) {
        g.bytes.clear();
        return SQLITE_NOMEM;
    }
    const bool endsCommit = g.commitPageNext;
    g.commitPageNext =
        amount == FrameHeaderSize && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
    if (endsCommit || g.bytes.size() >= MaxWrite)
        return writeGathered(f);
    return SQLITE_OK;
}

int layerTruncate(sqlite3_file *file, sqlite3_int64 size)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f); rc != SQLITE_OK)
        return rc;
    return below(f).xTruncate(f->below, size);
}

int layerSync(sqlite3_file *file, int flags)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f); rc != SQLITE_OK)
        return rc;
    return below(f).xSync(f->below, flags);
}

int layerFileSize(sqlite3_file *file, sqlite3_int64 *size)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f); rc != SQLITE_OK)
        return rc;
    return below(f).xFileSize(f->below, size);
}

int layerLock(sqlite3_file *file, int level)
{
    return below(layer(file)).xLock(layer(file)->below, level);
}

int layerUnlock(sqlite3_file *file, int level)
{
    return below(layer(file)).xUnlock(layer(file)->below, level);
}

int layerCheckReservedLock(sqlite3_file *file, int *out)
{
    return below(layer(file)).xCheckReservedLock(layer(file)->below, out);
}

int layerFileControl(sqlite3_file *file, int op, void *arg)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f); rc != SQLITE_OK)
        return rc;
    return below(f).xFileControl(f->below, op, arg);
}

int layerSectorSize(sqlite3_file *file)
{
    return below(layer(file)).xSectorSize(layer(file)->below);
}

int layerDeviceCharacteristics(sqlite3_file *file)
{
    return below(layer(file)).xDeviceCharacteristics(layer(file)->below);
}

// Shared memory belongs to the database file. A lock or a barrier there may publish a commit to
// other connections: its WAL frames must be in the file first.
int layerShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
    const sqlite3_io_methods &m = below(layer(file));
    if (m.iVersion < 2 || !m.xShmMap)
        return SQLITE_IOERR_SHMMAP;
    return m.xShmMap(layer(file)->below, region, size, extend, out);
}

int layerShmLock(sqlite3_file *file, int offset, int n, int flags)
{
    LayerFile *f = layer(file);
    if (const int rc = writeGathered(f->wal); rc != SQLITE_OK)
        return rc;
    return below(f).xShmLock(f->below, offset, n, flags);
}

void layerShmBarrier(sqlite3_file *file)
{
    LayerFile *f = layer(file);
    // A commit's frames were written when its last page came; this only catches a frame
    // sequence that did not end as SQLite's file format says commits end.
    if (writeGathered(f->wal) != SQLITE_OK)
        qCritical("cannot write the write-ahead log before publishing a commit");
    below(f).xShmBarrier(f->below);
}

int layerShmUnmap(sqlite3_file *file, int deleteFlag)
{
    return below(layer(file)).xShmUnmap(layer(file)->below, deleteFlag);
}

int layerFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    const sqlite3_io_methods &m = below(layer(file));
    if (m.iVersion < 3 || !m.xFetch || layer(file)->gathered) {
        *out = nullptr; // SQLite then reads the page the ordinary way
        return SQLITE_OK;
    }
    return m.xFetch(layer(file)->below, offset, amount, out);
}

int layerUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    const sqlite3_io_methods &m = below(layer(file));
    if (m.iVersion < 3 || !m.xUnfetch)
        return SQLITE_OK;
    return m.xUnfetch(layer(file)->below, offset, page);
}

const sqlite3_io_methods LayerMethods = {
    3,
    layerClose,
    layerRead,
    layerWrite,
    layerTruncate,
    layerSync,
    layerFileSize,
    layerLock,
    layerUnlock,
    layerCheckReservedLock,
    layerFileControl,
    layerSectorSize,
    layerDeviceCharacteristics,
    layerShmMap,
    layerShmLock,
    layerShmBarrier,
    layerShmUnmap,
    layerFetch,
    layerUnfetch,
};

int layerOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *f = new (file) LayerFile{};
    f->below = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(file) + BelowOffset);
    f->below->pMethods = nullptr;
    const int rc = g_below->xOpen(g_below, name, f->below, flags, outFlags);
    if (!f->below->pMethods) { // nothing to close: SQLite will not call xClose either
        std::destroy_at(f);
        file->pMethods = nullptr;
        return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
    }
    f->base.pMethods = &LayerMethods;
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name) {
        try {
            f->gathered = std::make_unique<Gathered>();
        } catch (const std::bad_alloc &) {
            return SQLITE_OK; // writes then pass straight through
        }
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (database && database->pMethods == &LayerMethods) {
            f->database = layer(database);
            f->database->wal = f;
        }
    }
    return rc;
}

// Everything else is the VFS below's.
int layerDelete(sqlite3_vfs *, const char *name, int syncDir)
{
    return g_below->xDelete(g_below, name, syncDir);
}
int layerAccess(sqlite3_vfs *, const char *name, int flags, int *out)
{
    return g_below->xAccess(g_below, name, flags, out);
}
int layerFullPathname(sqlite3_vfs *, const char *name, int size, char *out)
{
    return g_below->xFullPathname(g_below, name, size, out);
}
void *layerDlOpen(sqlite3_vfs *, const char *name)
{
    return g_below->xDlOpen(g_below, name);
}
void layerDlError(sqlite3_vfs *, int size, char *out)
{
    g_below->xDlError(g_below, size, out);
}
void (*layerDlSym(sqlite3_vfs *, void *handle, const char *symbol))(void)
{
    return g_below->xDlSym(g_below, handle, symbol);
}
void layerDlClose(sqlite3_vfs *, void *handle)
{
    g_below->xDlClose(g_below, handle);
}
int layerRandomness(sqlite3_vfs *, int size, char *out)
{
    return g_below->xRandomness(g_below, size, out);
}
int layerSleep(sqlite3_vfs *, int microseconds)
{
    return g_below->xSleep(g_below, microseconds);
}
int layerCurrentTime(sqlite3_vfs *, double *out)
{
    return g_below->xCurrentTime(g_below, out);
}
int layerGetLastError(sqlite3_vfs *, int size, char *out)
{
    return g_below->xGetLastError ? g_below->xGetLastError(g_below, size, out) : 0;
}
int layerCurrentTimeInt64(sqlite3_vfs *, sqlite3_int64 *out)
{
    return g_below->xCurrentTimeInt64(g_below, out);
}
int layerSetSystemCall(sqlite3_vfs *, const char *name, sqlite3_syscall_ptr call)
{
    return g_below->xSetSystemCall(g_below, name, call);
}
sqlite3_syscall_ptr layerGetSystemCall(sqlite3_vfs *, const char *name)
{
    return g_below->xGetSystemCall(g_below, name);
}
const char *layerNextSystemCall(sqlite3_vfs *, const char *name)
{
    return g_below->xNextSystemCall(g_below, name);
}

bool install()
{
    g_below = sqlite3_vfs_find(nullptr);
    // Version 3 is every method above; SQLite's unix VFS has been version 3 since 3.7.6.
    if (!g_below || g_below->iVersion < 3)
        return false;
    g_layer.iVersion = 3;
    g_layer.szOsFile = int(BelowOffset) + g_below->szOsFile;
    g_layer.mxPathname = g_below->mxPathname;
    g_layer.zName = "cortex-wal-coalescing";
    g_layer.xOpen = layerOpen;
    g_layer.xDelete = layerDelete;
    g_layer.xAccess = layerAccess;
    g_layer.xFullPathname = layerFullPathname;
    g_layer.xDlOpen = layerDlOpen;
    g_layer.xDlError = layerDlError;
    g_layer.xDlSym = layerDlSym;
    g_layer.xDlClose = layerDlClose;
    g_layer.xRandomness = layerRandomness;
    g_layer.xSleep = layerSleep;
    g_layer.xCurrentTime = layerCurrentTime;
    g_layer.xGetLastError = layerGetLastError;
    g_layer.xCurrentTimeInt64 = layerCurrentTimeInt64;
    g_layer.xSetSystemCall = layerSetSystemCall;
    g_layer.xGetSystemCall = layerGetSystemCall;
    g_layer.xNextSystemCall = layerNextSystemCall;
    return sqlite3_vfs_register(&g_layer, 1) == SQLITE_OK;
}

} // namespace

bool installWalWriteCoalescing()
{
    static std::once_flag once;
    static bool installed = false;
    std::call_once(once, [] { installed = install(); });
    return installed;
}

WalWriteCounts walWriteCounts()
{
    return {g_made.load(std::memory_order_relaxed), g_handedDown.load(std::memory_order_relaxed)};
}

} // namespace cortex::store
