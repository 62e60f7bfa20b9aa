#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <cstddef>

namespace cortex::crypto {

// Secret bytes in sodium_malloc'd memory: guarded, mlock'ed where the OS allows, zeroised on
// free. Move-only: a copy must be asked for with clone(), so secrets are never duplicated by
// accident. An empty SecureBytes owns no allocation.
class SecureBytes
{
public:
    SecureBytes() = default;
    explicit SecureBytes(std::size_t size); // zero-filled
    ~SecureBytes();

    SecureBytes(SecureBytes &&other) noexcept;
    SecureBytes &operator=(SecureBytes &&other) noexcept;
    SecureBytes(const SecureBytes &) = delete;
    SecureBytes &operator=(const SecureBytes &) = delete;

    static SecureBytes copyOf(QByteArrayView bytes);
    static SecureBytes random(std::size_t size);

    SecureBytes clone() const;
    unsigned char *data() { return m_data; }
    const unsigned char *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    QByteArrayView view() const;
    // Constant time in the content (the sizes are not secret).
    bool equals(const SecureBytes &other) const;
    // Zeroises and frees now; the object becomes empty.
    void clear();

private:
    unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
};

// Overwrites a Qt buffer that held secret bytes (a request body, a decoded value) before it is
// released. Only effective when the QByteArray is not shared.
void wipe(QByteArray &bytes);
// The same for a QString that held secret text (a decoded password or share); it becomes empty.
void wipe(QString &text);

} // namespace cortex::crypto
