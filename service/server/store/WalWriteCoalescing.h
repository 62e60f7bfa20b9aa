#pragma once

#include <cstdint>

namespace cortex::store {

// Makes SQLite hand each commit's write-ahead-log frames to the kernel in one write() instead of
// two per frame (SQLite writes every frame's 24-byte header and its page separately): an audited
// read's commit went from about six writes to one, and on a VM every syscall is dear.
//
// It registers, once per process, a VFS layered over the default one and makes it the default.
// Files other than WAL files pass straight through. For a WAL file, writes that continue where
// the previous one ended are gathered in memory and written at the latest when the page of a
// commit frame (a frame whose header carries the database size) has been gathered, so a commit
// is in the kernel before SQLite returns from it or publishes it to other connections, exactly
// as without the layer; any other operation on the file (read, sync, size, truncate, a write
// elsewhere, close) and any shared-memory lock or barrier of its database writes what is
// gathered first, so the file is never observed without a write SQLite already made. Nothing
// changes on disk: the same bytes at the same offsets, in the same order. Throws nothing;
// returns false when SQLite refuses the registration (then SQLite's own VFS stays in use).
bool installWalWriteCoalescing();

// Writes to WAL files since the process started: those SQLite made, and those the layer handed
// to the VFS below (one per commit of up to 64 KiB, one per 64 KiB beyond). For tests and
// measurements.
struct WalWriteCounts
{
    std::uint64_t made = 0;
    std::uint64_t handedDown = 0;
};
WalWriteCounts walWriteCounts();

} // namespace cortex::store
