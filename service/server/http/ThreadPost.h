#pragma once

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <utility>

namespace cortex::http {

// Runs functions on the thread of one QObject, posted from any thread, for as long as the
// object is open for them. After close() a post does nothing, so the object may then be
// destroyed while other threads still hold this.
class ThreadPost
{
public:
    explicit ThreadPost(QObject *target = nullptr) : m_target(target) {}

    void open(QObject *target)
    {
        const QMutexLocker lock(&m_mutex);
        m_target = target;
    }
    void close() { open(nullptr); }

    // False when closed (the function is dropped).
    template <typename Function> bool post(Function &&function)
    {
        const QMutexLocker lock(&m_mutex);
        if (!m_target)
            return false;
        QMetaObject::invokeMethod(m_target, std::forward<Function>(function), Qt::QueuedConnection);
        return true;
    }

private:
    QMutex m_mutex;
    QObject *m_target;
};

} // namespace cortex::http
