#pragma once

#include <QtGlobal>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace cortex::startup {

// The server's log: every Qt message as one line on a file descriptor (stderr by default),
// "2026-11-23T19:29:37.174 info cortex.http: ..." (or QT_MESSAGE_PATTERN when set). Info and
// debug lines, one per request, are written in batches by a thread of their own at most
// `interval` later, because a write(2) per line cost a third of a cheap request (the thread
// sleeps while nothing is logged); warnings and worse are written at once, with everything
// before them, in order. Lines still buffered are
// written when the sink goes. Installs itself as Qt's message handler for its lifetime.
class LogSink
{
public:
    explicit LogSink(int fd = 2,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(100));
    ~LogSink();
    LogSink(const LogSink &) = delete;
    LogSink &operator=(const LogSink &) = delete;

    // Writes everything buffered so far.
    void flush();

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message);
    void append(QtMsgType type, const QMessageLogContext &context, const QString &message);
    void run(std::stop_token stop);

    const int m_fd;
    const std::chrono::milliseconds m_interval;
    const bool m_customPattern;
    QtMessageHandler m_previous = nullptr;
    std::mutex m_bufferMutex;
    std::mutex m_writeMutex;            // keeps batches in order when two threads flush at once
    std::condition_variable_any m_wake; // with m_bufferMutex: a line waits, or stop
    std::string m_buffer;
    std::jthread m_thread; // last: starts after everything above exists
};

} // namespace cortex::startup
