// The server's log sink on a real file descriptor: every line arrives, whole and in order, in the
// format operators grep for; warnings are written at once with everything before them; nothing
// buffered is lost when the sink goes; QT_MESSAGE_PATTERN still applies.

#include "startup/LogSink.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <fcntl.h>
#include <optional>
#include <thread>
#include <unistd.h>

using cortex::startup::LogSink;

Q_LOGGING_CATEGORY(lcSinkTest, "cortex.sink_test")

namespace {

// A file the sink writes to: unlike a pipe it never blocks a writer, whatever the test reads.
class Pipe
{
public:
    Pipe()
    {
        m_fd = ::open(m_dir.filePath(QStringLiteral("log")).toLocal8Bit().constData(),
                      O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (m_fd < 0)
            qFatal("cannot create the log file");
    }
    ~Pipe() { ::close(m_fd); }
    int writeEnd() const { return m_fd; }
    // Every whole line written so far.
    QList<QByteArray> lines() const
    {
        QByteArray text;
        char chunk[65536];
        off_t offset = 0;
        ssize_t n = 0;
        while ((n = ::pread(m_fd, chunk, sizeof chunk, offset)) > 0) {
            text.append(chunk, n);
            offset += n;
        }
        QList<QByteArray> all = text.split('\n');
        all.removeLast(); // the text after the last newline (empty when lines are whole)
        return all;
    }

private:
    QTemporaryDir m_dir;
    int m_fd = -1;
};

QByteArray messageOf(const QByteArray &line)
{
    return line.mid(line.indexOf(": ") + 2);
}

// How often this process's threads have gone to sleep so far (each wake-up of a sleeping thread
// is one), summed over /proc/self/task/*/status.
qint64 voluntarySwitches()
{
    qint64 total = 0;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile status(tasks.filePath(task + QStringLiteral("/status")));
        if (!status.open(QIODevice::ReadOnly))
            continue; // the thread ended meanwhile
        for (const QByteArray &line : status.readAll().split('\n'))
            if (line.startsWith("voluntary_ctxt_switches:"))
                total += line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
    }
    return total;
}

} // namespace

class TestLogSink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linesHaveTheServerFormat();
    void warningWritesEverythingBeforeItAtOnce();
    void bufferedLinesAreWrittenWhenTheSinkGoes();
    void infoLinesAreWrittenByTheSinkThread();
    void anIdleSinkDoesNotWake();
    void manyLinesFromTwoThreadsArriveWhole();
    void messagePatternFromTheEnvironmentApplies();
};

void TestLogSink::linesHaveTheServerFormat()
{
    Pipe pipe;
    {
        const LogSink sink(pipe.writeEnd(), std::chrono::hours(1));
        qCInfo(lcSinkTest) << "req_1 GET /health 200";
        qCWarning(lcSinkTest) << "disk is slow";
    }
    const QList<QByteArray> lines = pipe.lines();
    QCOMPARE(lines.size(), 2);
    static const QRegularExpression format(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (info|warning) "
                       "cortex\\.sink_test: .+$"));
    for (const QByteArray &line : lines)
        QVERIFY2(format.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    QVERIFY(lines.at(0).contains(" info cortex.sink_test: req_1 GET /health 200"));
    QVERIFY(lines.at(1).contains(" warning cortex.sink_test: disk is slow"));
}

void TestLogSink::warningWritesEverythingBeforeItAtOnce()
{
    Pipe pipe;
    const LogSink sink(pipe.writeEnd(), std::chrono::hours(1)); // no timed write in this test
    qCInfo(lcSinkTest) << "first";
    qCInfo(lcSinkTest) << "second";
    qCCritical(lcSinkTest) << "third";
    const QList<QByteArray> lines = pipe.lines(); // read while the sink is still there
    QCOMPARE(lines.size(), 3);
    QCOMPARE(messageOf(lines.at(0)), QByteArray("first"));
    QCOMPARE(messageOf(lines.at(1)), QByteArray("second"));
    QCOMPARE(messageOf(lines.at(2)), QByteArray("third"));
}

void TestLogSink::bufferedLinesAreWrittenWhenTheSinkGoes()
{
    Pipe pipe;
    {
        const LogSink sink(pipe.writeEnd(), std::chrono::hours(1));
        for (int i = 0; i < 100; ++i)
            qCInfo(lcSinkTest).noquote() << QStringLiteral("line %1").arg(i);
    }
    const QList<QByteArray> lines = pipe.lines();
    QCOMPARE(lines.size(), 100);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(messageOf(lines.at(i)), QByteArray("line ") + QByteArray::number(i));
}

void TestLogSink::infoLinesAreWrittenByTheSinkThread()
{
    // No warning follows and the sink stays: its thread writes the line on its own, and the
    // next one after a quiet spell too.
    Pipe pipe;
    const LogSink sink(pipe.writeEnd(), std::chrono::milliseconds(20));
    qCInfo(lcSinkTest) << "first";
    QTRY_COMPARE(pipe.lines().size(), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    qCInfo(lcSinkTest) << "after a quiet spell";
    QTRY_COMPARE(pipe.lines().size(), 2);
    QCOMPARE(messageOf(pipe.lines().at(1)), QByteArray("after a quiet spell"));
}

void TestLogSink::anIdleSinkDoesNotWake()
{
    // With nothing to log the sink's thread sleeps until a line comes: an idle server costs no
    // wake-ups (a timed wait would wake about 300 times here).
    Pipe pipe;
    const LogSink sink(pipe.writeEnd(), std::chrono::milliseconds(1));
    qCInfo(lcSinkTest) << "one line, then nothing";
    QTRY_COMPARE(pipe.lines().size(), 1);
    const qint64 before = voluntarySwitches();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const qint64 wakeUps = voluntarySwitches() - before;
    QVERIFY2(wakeUps < 30, qPrintable(QStringLiteral("%1 wake-ups while idle").arg(wakeUps)));
}

void TestLogSink::manyLinesFromTwoThreadsArriveWhole()
{
    // More than the buffer holds (so the logging threads write too), from two threads, with the
    // timed writer running: every line arrives once and whole, each thread's in its order.
    constexpr int PerThread = 20000;
    Pipe pipe;
    std::optional<LogSink> sink(std::in_place, pipe.writeEnd(), std::chrono::milliseconds(1));
    std::jthread other([] {
        for (int i = 0; i < PerThread; ++i)
            qCInfo(lcSinkTest).noquote() << QStringLiteral("b %1 padding-padding-padding").arg(i);
    });
    for (int i = 0; i < PerThread; ++i) {
        qCInfo(lcSinkTest).noquote() << QStringLiteral("a %1 padding-padding-padding").arg(i);
    }
    other.join();
    sink.reset();
    const QList<QByteArray> lines = pipe.lines();
    QCOMPARE(lines.size(), 2 * PerThread);
    int nextA = 0;
    int nextB = 0;
    for (const QByteArray &line : lines) {
        const QList<QByteArray> words = messageOf(line).split(' ');
        QCOMPARE(words.size(), 3);
        int &next = words.at(0) == "a" ? nextA : nextB;
        QCOMPARE(words.at(1).toInt(), next);
        ++next;
    }
    QCOMPARE(nextA, PerThread);
    QCOMPARE(nextB, PerThread);
}

void TestLogSink::messagePatternFromTheEnvironmentApplies()
{
    qputenv("QT_MESSAGE_PATTERN", "[%{type}] %{message}");
    qSetMessagePattern(QStringLiteral("[%{type}] %{message}"));
    Pipe pipe;
    {
        const LogSink sink(pipe.writeEnd(), std::chrono::hours(1));
        qCInfo(lcSinkTest) << "patterned";
    }
    qunsetenv("QT_MESSAGE_PATTERN");
    QCOMPARE(pipe.lines(), QList<QByteArray>{QByteArray("[info] patterned")});
}

QTEST_GUILESS_MAIN(TestLogSink)
#include "tst_log_sink.moc"
