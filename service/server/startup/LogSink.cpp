#include "startup/LogSink.h"

#include <QString>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <unistd.h>

namespace cortex::startup {

namespace {

std::atomic<LogSink *> g_sink{nullptr};
// Past this much buffered text the logging thread writes it itself.
constexpr std::size_t MaxBuffered = 256 * 1024;

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

// "yyyy-MM-ddThh:mm:ss.zzz" in local time, as the default pattern's %{time ...}; the
// date part is formatted once a second per thread.
void appendTimestamp(std::string &out)
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    thread_local time_t cachedSecond = -1;
    thread_local char cachedText[32] = {};
    if (now.tv_sec != cachedSecond) {
        tm local{};
        localtime_r(&now.tv_sec, &local);
        strftime(cachedText, sizeof cachedText, "%Y-%m-%dT%H:%M:%S", &local);
        cachedSecond = now.tv_sec;
    }
    char millis[8];
    snprintf(millis, sizeof millis, ".%03d", int(now.tv_nsec / 1000000));
    out += cachedText;
    out += millis;
}

void writeAll(int fd, const std::string &text)
{
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // nowhere to report a failing log
        done += std::size_t(n);
    }
}

} // namespace

LogSink::LogSink(int fd, std::chrono::milliseconds interval)
    : m_fd(fd), m_interval(interval),
      m_customPattern(qEnvironmentVariableIsSet("QT_MESSAGE_PATTERN")),
      m_thread([this](std::stop_token stop) { run(std::move(stop)); })
{
    g_sink.store(this);
    m_previous = qInstallMessageHandler(&LogSink::handle);
}

LogSink::~LogSink()
{
    qInstallMessageHandler(m_previous);
    g_sink.store(nullptr);
    m_thread.request_stop();
    m_wake.notify_all();
    m_thread.join();
    flush();
}

void LogSink::handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (LogSink *sink = g_sink.load())
        sink->append(type, context, message);
}

void LogSink::append(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    std::string line;
    if (m_customPattern) {
        line = qFormatLogMessage(type, context, message).toStdString();
    } else {
        appendTimestamp(line);
        line += ' ';
        line += levelName(type);
        line += ' ';
        line += context.category ? context.category : "default";
        line += ": ";
        line += message.toStdString();
    }
    line += '\n';
    bool writeNow = type != QtDebugMsg && type != QtInfoMsg;
    bool first = false; // the thread sleeps until a line waits
    {
        const std::lock_guard lock(m_bufferMutex);
        first = m_buffer.empty();
        m_buffer += line;
        writeNow = writeNow || m_buffer.size() >= MaxBuffered;
    }
    if (writeNow)
        flush();
    else if (first)
        m_wake.notify_one();
}

void LogSink::flush()
{
    const std::lock_guard order(m_writeMutex);
    std::string batch;
    {
        const std::lock_guard lock(m_bufferMutex);
        batch.swap(m_buffer);
    }
    writeAll(m_fd, batch);
}

void LogSink::run(std::stop_token stop)
{
    std::unique_lock lock(m_bufferMutex);
    while (true) {
        // Asleep while nothing is logged (an idle server's thread never wakes), then one
        // interval for the lines that follow the first, then one write for all of them.
        if (!m_wake.wait(lock, stop, [this] { return !m_buffer.empty(); }))
            return; // stopping; the destructor writes what is left
        m_wake.wait_for(lock, stop, m_interval, [] { return false; });
        lock.unlock();
        flush();
        lock.lock();
    }
}

} // namespace cortex::startup
