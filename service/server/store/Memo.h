#pragma once

#include "store/Database.h"

#include <QString>
#include <cstddef>
#include <unordered_map>
#include <utility>

namespace cortex::store {

// Values read from the store, kept in memory for as long as the store has not changed
// (Database::changeCount()): every get() first compares the count and forgets everything when
// it moved, so a value is never older than the last change to any table but the audit log.
// For the rows every request reads again and that change rarely (tokens, grants, policies).
// Values are returned by copy: a later get() may forget the one a caller still holds.
template <typename Value> class Memo
{
public:
    explicit Memo(Database &db, std::size_t capacity = 4096) : m_db(db), m_capacity(capacity) {}

    // The value for `key`, from memory when the store has not changed since it was loaded,
    // else from `load()` (which reads the store; its exceptions pass through, nothing is kept).
    template <typename Load> Value get(const QString &key, Load &&load)
    {
        const quint64 changes = m_db.changeCount();
        if (changes != m_changes) {
            m_values.clear();
            m_changes = changes;
        }
        if (const auto it = m_values.find(key); it != m_values.end())
            return it->second;
        Value value = std::forward<Load>(load)();
        if (m_values.size() >= m_capacity)
            m_values.clear(); // bounded memory; the busy keys come back at once
        m_values.emplace(key, value);
        return value;
    }

private:
    Database &m_db;
    const std::size_t m_capacity;
    quint64 m_changes = ~quint64(0);
    std::unordered_map<QString, Value> m_values;
};

} // namespace cortex::store
