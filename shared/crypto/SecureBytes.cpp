#include "crypto/SecureBytes.h"

#include "crypto/Sodium.h"

#include <cstring>
#include <mutex>
#include <new>
#include <sodium.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cortex::crypto {

namespace {

// sodium_malloc/sodium_free cost about eight system calls each (mmap, mprotect, mlock and
// back), which dominated a secret read. Freed blocks of small sizes are zeroised and kept,
// still guarded and locked, for the next allocation of exactly the same size.
class SecurePool
{
public:
    static constexpr std::size_t MaxPooledSize = 4096;
    static constexpr std::size_t MaxBlocksPerSize = 16;
    static constexpr std::size_t MaxBlocks = 256; // each block holds guard pages and a mapping

    unsigned char *take(std::size_t size)
    {
        if (size > MaxPooledSize)
            return nullptr;
        std::lock_guard lock(m_mutex);
        auto it = m_free.find(size);
        if (it == m_free.end() || it->second.empty())
            return nullptr;
        unsigned char *block = it->second.back();
        it->second.pop_back();
        --m_count;
        return block;
    }

    // Zeroises the block; keeps it when there is room, otherwise the caller frees it.
    bool give(unsigned char *block, std::size_t size)
    {
        sodium_memzero(block, size);
        if (size > MaxPooledSize)
            return false;
        std::lock_guard lock(m_mutex);
        auto &blocks = m_free[size];
        if (m_count >= MaxBlocks || blocks.size() >= MaxBlocksPerSize)
            return false;
        blocks.push_back(block);
        ++m_count;
        return true;
    }

private:
    std::mutex m_mutex;
    std::unordered_map<std::size_t, std::vector<unsigned char *>> m_free;
    std::size_t m_count = 0;
};

SecurePool &pool()
{
    // Never destroyed: SecureBytes in other static objects may be released after it would be.
    static SecurePool *instance = new SecurePool;
    return *instance;
}

} // namespace

SecureBytes::SecureBytes(std::size_t size)
{
    if (size == 0)
        return;
    ensureSodium();
    m_data = pool().take(size); // already zero
    if (!m_data) {
        // sodium_malloc places the buffer between guard pages and mlocks it; it fills it with
        // a canary pattern, so zero it to honour the "zero-filled" contract.
        m_data = static_cast<unsigned char *>(sodium_malloc(size));
        if (!m_data)
            throw std::bad_alloc();
        sodium_memzero(m_data, size);
    }
    m_size = size;
}

SecureBytes::~SecureBytes()
{
    clear();
}

SecureBytes::SecureBytes(SecureBytes &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
{}

SecureBytes &SecureBytes::operator=(SecureBytes &&other) noexcept
{
    if (this != &other) {
        clear();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SecureBytes SecureBytes::copyOf(QByteArrayView bytes)
{
    SecureBytes out(static_cast<std::size_t>(bytes.size()));
    if (!out.isEmpty())
        std::memcpy(out.m_data, bytes.data(), out.m_size);
    return out;
}

SecureBytes SecureBytes::random(std::size_t size)
{
    SecureBytes out(size);
    if (!out.isEmpty())
        randombytes_buf(out.m_data, out.m_size);
    return out;
}

SecureBytes SecureBytes::clone() const
{
    return copyOf(view());
}

QByteArrayView SecureBytes::view() const
{
    return QByteArrayView(reinterpret_cast<const char *>(m_data), static_cast<qsizetype>(m_size));
}

bool SecureBytes::equals(const SecureBytes &other) const
{
    if (m_size != other.m_size)
        return false;
    if (m_size == 0)
        return true;
    return sodium_memcmp(m_data, other.m_data, m_size) == 0;
}

void SecureBytes::clear()
{
    if (m_data && !pool().give(m_data, m_size))
        sodium_free(m_data); // zeroises before unmapping
    m_data = nullptr;
    m_size = 0;
}

namespace {
// For QByteArray and QString alike.
template <typename QtString> void wipeQt(QtString &text)
{
    // Writing through a shared array would detach it (copying the secret once more) or, for
    // fromRawData() arrays, scribble on memory we do not own; in those cases just drop our
    // reference. isDetached() is false for both.
    if (text.isDetached()) {
        // Zero the whole allocation, not only [0, size): chop(), remove() and resize() leave
        // earlier contents in the slack before and after the live range.
        auto &d = text.data_ptr();
        auto *allocationStart = d.data() - d.freeSpaceAtBegin();
        sodium_memzero(allocationStart, static_cast<std::size_t>(d.constAllocatedCapacity()) *
                                            sizeof(*allocationStart));
    }
    text.clear();
}
} // namespace

void wipe(QByteArray &bytes)
{
    wipeQt(bytes);
}

void wipe(QString &text)
{
    wipeQt(text);
}

} // namespace cortex::crypto
