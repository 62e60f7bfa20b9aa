// An open-loop HTTP/1.1 load generator for the benchmarks in bench/: it offers a fixed request
// rate over a fixed number of keep-alive connections and measures each answer's latency from
// the moment its request was *due*, not from when it could be sent. wrk keeps one request in
// flight per connection and sends the next one as soon as the last is answered (a closed loop):
// at saturation its latency is just connections / rate, whatever the server does. This measures
// what a caller sees at a given load instead (the "coordinated omission" correction wrk2 made;
// wrk2 is not packaged in Debian).
//
//   cortex-fixed-rate-load --rate R [--connections C] [--duration S] [--warmup S]
//                          [--expect-status N] [-H 'Name: value']... http://127.0.0.1:PORT/PATH
//
// Answers with a status other than 2xx are errors, unless --expect-status names it (the HTTP
// floor of the benchmarks is an unknown route: 404 is its right answer; 2xx are then errors).
//
// Connection c sends its k-th request at start + (k + c/C) * C/R. A request due while its
// connection still waits for the previous answer is sent as soon as that answer is in, and its
// latency still counts from when it was due. Requests due during the warm-up are sent but not
// counted. A request due in the measured window that is never answered (the server fell too far
// behind, an error) counts as an infinitely slow answer, so it can only raise the percentiles.
// Only plain http to an IPv4 literal; bodies must come with Content-Length (no chunking).
//
// Output (one fact per line, for scripts):
//   offered: R req/s on C connections for S s (after W s of warm-up)
//   answered: N of M due (E errors, U unanswered)
//   achieved: X req/s
//   latency ms: p50 A p90 B p99 C p99.9 D max E
//   machine stalls: N over 10 ms, longest X ms, Y ms in all
//   generator CPU: P% of one core
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <limits>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using Nanos = std::int64_t;
constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

[[noreturn]] void fail(const std::string &message)
{
    std::fprintf(stderr, "cortex-fixed-rate-load: %s\n", message.c_str());
    std::exit(2);
}

Nanos now()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Nanos(ts.tv_sec) * kSecond + ts.tv_nsec;
}

// A file descriptor closed when it goes out of scope.
class Fd
{
public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    Fd(Fd &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Fd &operator=(Fd &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_fd = std::exchange(other.m_fd, -1);
        }
        return *this;
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() { reset(); }
    int get() const { return m_fd; }
    void reset()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

struct Options
{
    double rate = 0;
    int connections = 32;
    double duration = 10;
    double warmup = 2;
    std::vector<std::string> headers;
    std::string samplesPath; // --samples FILE: one "due_ms latency_ms" line per answer
    int expectStatus = 0;    // --expect-status N: the one status that counts; 0: any 2xx
    sockaddr_in address{};
    std::string host;
    std::string path;
};

// A finite number above zero (or zero too, with zeroAllowed); anything else ends the program.
double number(std::string_view text, const char *what, bool zeroAllowed = false)
{
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool inRange = zeroAllowed ? value >= 0 : value > 0;
    if (error != std::errc() || end != text.data() + text.size() || !inRange ||
        !std::isfinite(value))
        fail(std::string(what) + " must be a " + (zeroAllowed ? "non-negative" : "positive") +
             " number, not '" + std::string(text) + "'");
    return value;
}

void parseUrl(std::string_view url, Options &options)
{
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme))
        fail("only http:// URLs are supported, not '" + std::string(url) + "'");
    url.remove_prefix(scheme.size());
    const auto slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    options.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos)
        fail("the URL needs an explicit port");
    const std::string ip(authority.substr(0, colon));
    const double port = number(authority.substr(colon + 1), "the port");
    if (port > 65535 || port != std::floor(port))
        fail("bad port in the URL");
    options.address.sin_family = AF_INET;
    options.address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, ip.c_str(), &options.address.sin_addr) != 1)
        fail("the URL's host must be an IPv4 address, not '" + ip + "'");
    options.host = std::string(authority);
}

Options parseArguments(int argc, char **argv)
{
    Options options;
    std::optional<std::string_view> url;
    double connections = options.connections;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc)
                fail(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--rate")
            options.rate = number(value(), "--rate");
        else if (arg == "--connections")
            connections = number(value(), "--connections");
        else if (arg == "--duration")
            options.duration = number(value(), "--duration");
        else if (arg == "--warmup")
            options.warmup = number(value(), "--warmup", true);
        else if (arg == "--samples")
            options.samplesPath = value();
        else if (arg == "--expect-status") {
            const double status = number(value(), "--expect-status");
            if (status < 100 || status > 599 || status != std::floor(status))
                fail("--expect-status must be an HTTP status from 100 to 599");
            options.expectStatus = int(status);
        } else if (arg == "-H" || arg == "--header")
            options.headers.emplace_back(value());
        else if (!arg.starts_with("-") && !url)
            url = arg;
        else
            fail("unknown argument '" + std::string(arg) + "'");
    }
    if (!url || options.rate <= 0)
        fail("usage: cortex-fixed-rate-load --rate R [--connections C] [--duration S] "
             "[--warmup S] [--expect-status N] [-H 'Name: value']... http://IPV4:PORT/PATH");
    if (connections > 1000 || connections != std::floor(connections))
        fail("--connections must be a whole number from 1 to 1000");
    options.connections = int(connections);
    parseUrl(*url, options);
    return options;
}

// A thread that asks to sleep 1 ms over and over and notes how late it wakes. A wake-up more
// than 10 ms late is a stall of the machine: for that long nothing that was waiting got a CPU
// (both busy, or the whole virtual machine paused by its host: on the 2-vCPU VMs this was
// written on, pauses of up to 100 ms come several times in some 10-second runs). A stall delays
// every request in flight, whoever serves it, so it is reported beside the latencies.
class StallProbe
{
public:
    static constexpr Nanos kThreshold = 10'000'000; // a wake-up later than this is a stall

    StallProbe()
        : m_thread([this](std::stop_token stop) {
              while (!stop.stop_requested()) {
                  const Nanos before = now();
                  const timespec oneMs{0, 1'000'000};
                  clock_nanosleep(CLOCK_MONOTONIC, 0, &oneMs, nullptr);
                  const Nanos late = now() - before - 1'000'000;
                  if (late > kThreshold) {
                      m_stalls.fetch_add(1, std::memory_order_relaxed);
                      m_stalledNanos.fetch_add(late, std::memory_order_relaxed);
                      Nanos longest = m_longest.load(std::memory_order_relaxed);
                      while (late > longest && !m_longest.compare_exchange_weak(longest, late)) {
                      }
                  }
              }
          })
    {}

    // "stalls: N over 10 ms, longest X ms, Y ms in all"
    std::string summary() const
    {
        char text[128];
        std::snprintf(text, sizeof text, "%lld over %lld ms, longest %.1f ms, %.0f ms in all",
                      static_cast<long long>(m_stalls.load()),
                      static_cast<long long>(kThreshold / 1'000'000),
                      double(m_longest.load()) / 1e6, double(m_stalledNanos.load()) / 1e6);
        return text;
    }

private:
    std::atomic<std::int64_t> m_stalls{0};
    std::atomic<Nanos> m_stalledNanos{0};
    std::atomic<Nanos> m_longest{0};
    std::jthread m_thread; // last: starts after the counters exist
};

// What one connection is doing.
struct Connection
{
    Fd socket;
    std::int64_t nextIndex = 0; // the next of this connection's requests to send
    bool waiting = false;       // a request is in flight
    Nanos inFlightDue = 0;      // when the request in flight was due
    std::string input;          // bytes of the answer read so far
};

// The size of the first complete answer in `input`, 0 if it is not all there yet. Sets `ok` to
// whether its status was the one expected (`expectStatus`, or any 2xx if that is 0). Fails on a
// chunked answer, which the benchmarks never get.
std::size_t completeAnswer(const std::string &input, int expectStatus, bool &ok)
{
    const auto headerEnd = input.find("\r\n\r\n");
    if (headerEnd == std::string::npos)
        return 0;
    const std::string_view head(input.data(), headerEnd);
    int status = 0;
    if (head.size() > 12 && head.starts_with("HTTP/1."))
        std::from_chars(head.data() + 9, head.data() + 12, status);
    ok = expectStatus != 0 ? status == expectStatus : status >= 200 && status < 300;
    std::size_t bodyLength = 0;
    bool haveLength = false;
    std::size_t lineStart = head.find("\r\n");
    while (lineStart != std::string_view::npos) {
        lineStart += 2;
        const auto lineEnd = head.find("\r\n", lineStart);
        const std::string_view line =
            head.substr(lineStart, lineEnd == std::string_view::npos ? std::string_view::npos
                                                                     : lineEnd - lineStart);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string name(line.substr(0, colon));
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return char(std::tolower(c)); });
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            if (name == "content-length") {
                std::from_chars(value.data(), value.data() + value.size(), bodyLength);
                haveLength = true;
            } else if (name == "transfer-encoding") {
                fail("the server sent a chunked answer; only Content-Length bodies are supported");
            }
        }
        lineStart = lineEnd;
    }
    if (!haveLength)
        fail("the server sent an answer without Content-Length");
    const std::size_t total = headerEnd + 4 + bodyLength;
    return input.size() >= total ? total : 0;
}

class Generator
{
public:
    explicit Generator(const Options &options)
        : m_options(options),
          m_interval(Nanos(double(kSecond) * options.connections / options.rate)),
          m_epoll(epoll_create1(EPOLL_CLOEXEC)),
          m_timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)),
          m_connections(std::size_t(options.connections))
    {
        if (m_epoll.get() < 0 || m_timer.get() < 0)
            fail(std::string("epoll/timerfd: ") + std::strerror(errno));
        m_request = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.host + "\r\n";
        for (const auto &header : options.headers)
            m_request += header + "\r\n";
        m_request += "\r\n";
        watch(m_timer.get(), kTimerTag);
        for (std::size_t c = 0; c < m_connections.size(); ++c)
            connectSlot(c);
    }

    void run()
    {
        m_start = now() + kSecond / 10; // let every connection finish its handshake first
        m_measureFrom = m_start + Nanos(m_options.warmup * double(kSecond));
        m_stopSending = m_measureFrom + Nanos(m_options.duration * double(kSecond));
        // Answers still missing this long after the last request was due count as unanswered.
        const Nanos giveUp = m_stopSending + 5 * kSecond;
        std::vector<epoll_event> events(m_connections.size() + 1);
        while (true) {
            const Nanos t = now();
            for (std::size_t c = 0; c < m_connections.size(); ++c)
                sendIfDue(c, t);
            if (allDone() || t >= giveUp)
                break;
            armTimer(std::min(nextDue(), giveUp));
            const int n = epoll_wait(m_epoll.get(), events.data(), int(events.size()), -1);
            if (n < 0 && errno != EINTR)
                fail(std::string("epoll_wait: ") + std::strerror(errno));
            for (int i = 0; i < n; ++i) {
                if (events[std::size_t(i)].data.u64 == kTimerTag) {
                    std::uint64_t expirations = 0;
                    [[maybe_unused]] auto r =
                        ::read(m_timer.get(), &expirations, sizeof expirations);
                } else {
                    readAnswers(std::size_t(events[std::size_t(i)].data.u64));
                }
            }
        }
    }

    void writeSamples() const
    {
        if (m_options.samplesPath.empty())
            return;
        std::FILE *file = std::fopen(m_options.samplesPath.c_str(), "w");
        if (!file)
            fail("cannot write " + m_options.samplesPath + ": " + std::strerror(errno));
        for (std::size_t i = 0; i < m_latencies.size(); ++i)
            std::fprintf(file, "%.3f %.3f\n", double(m_dueTimes[i]) / 1e6,
                         double(m_latencies[i]) / 1e6);
        if (std::fclose(file) != 0)
            fail("cannot write " + m_options.samplesPath);
    }

    void report(const StallProbe &probe) const
    {
        // Every request due in the measured window that got no answer counts as infinitely slow.
        std::vector<Nanos> latencies = m_latencies;
        const std::int64_t due = dueInWindow();
        const std::int64_t unanswered = due - std::int64_t(m_latencies.size());
        for (std::int64_t i = 0; i < unanswered; ++i)
            latencies.push_back(kNever);
        std::sort(latencies.begin(), latencies.end());
        const auto percentile = [&](double p) -> std::string {
            if (latencies.empty())
                return "-";
            const auto rank = std::size_t(std::ceil(p / 100.0 * double(latencies.size())));
            const Nanos v =
                latencies[std::min(latencies.size(), std::max<std::size_t>(rank, 1)) - 1];
            if (v == kNever)
                return "inf";
            char text[32];
            std::snprintf(text, sizeof text, "%.2f", double(v) / 1e6);
            return text;
        };
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        const double cpuSeconds = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                                  double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        const double wallSeconds = double(m_finished - m_start) / 1e9;

        std::printf("offered: %.0f req/s on %d connections for %g s (after %g s of warm-up)\n",
                    m_options.rate, m_options.connections, m_options.duration, m_options.warmup);
        std::printf("answered: %zu of %lld due (%lld errors, %lld unanswered)\n",
                    m_latencies.size(), static_cast<long long>(due),
                    static_cast<long long>(m_errors), static_cast<long long>(unanswered));
        std::printf("achieved: %.0f req/s\n", double(m_answeredInWindow) / m_options.duration);
        std::printf("latency ms: p50 %s p90 %s p99 %s p99.9 %s max %s\n", percentile(50).c_str(),
                    percentile(90).c_str(), percentile(99).c_str(), percentile(99.9).c_str(),
                    percentile(100).c_str());
        std::printf("machine stalls: %s\n", probe.summary().c_str());
        std::printf("generator CPU: %.0f%% of one core\n",
                    wallSeconds > 0 ? 100.0 * cpuSeconds / wallSeconds : 0.0);
    }

    bool hadErrors() const { return m_errors > 0; }

private:
    static constexpr std::uint64_t kTimerTag = std::numeric_limits<std::uint64_t>::max();

    void watch(int fd, std::uint64_t tag)
    {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP;
        event.data.u64 = tag;
        if (epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0)
            fail(std::string("epoll_ctl: ") + std::strerror(errno));
    }

    // Blocking connect (loopback: immediate), then non-blocking for the run.
    void connectSlot(std::size_t c)
    {
        Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (fd.get() < 0)
            fail(std::string("socket: ") + std::strerror(errno));
        const auto *address = reinterpret_cast<const sockaddr *>(&m_options.address);
        if (::connect(fd.get(), address, sizeof m_options.address) != 0)
            fail(std::string("connect: ") + std::strerror(errno));
        const int one = 1;
        setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0)
            fail(std::string("fcntl: ") + std::strerror(errno));
        watch(fd.get(), c);
        Connection &connection = m_connections[c];
        connection.socket = std::move(fd);
        connection.input.clear();
        connection.waiting = false;
    }

    Nanos dueTime(std::size_t c, std::int64_t index) const
    {
        return m_start + index * m_interval +
               Nanos(double(m_interval) * double(c) / double(m_connections.size()));
    }

    std::int64_t dueInWindow() const
    {
        std::int64_t due = 0;
        for (std::size_t c = 0; c < m_connections.size(); ++c) {
            // Requests of connection c with a due time in [m_measureFrom, m_stopSending).
            const auto firstAtOrAfter = [&](Nanos t) {
                const Nanos offset = t - dueTime(c, 0);
                return offset <= 0 ? std::int64_t(0) : (offset + m_interval - 1) / m_interval;
            };
            due += firstAtOrAfter(m_stopSending) - firstAtOrAfter(m_measureFrom);
        }
        return due;
    }

    void sendIfDue(std::size_t c, Nanos t)
    {
        Connection &connection = m_connections[c];
        if (connection.waiting)
            return;
        const Nanos due = dueTime(c, connection.nextIndex);
        if (due > t || due >= m_stopSending)
            return;
        // The request is a few hundred bytes: one write into an empty socket buffer takes it all.
        const ssize_t written =
            ::send(connection.socket.get(), m_request.data(), m_request.size(), MSG_NOSIGNAL);
        if (written != ssize_t(m_request.size()))
            fail(std::string("send: ") + (written < 0 ? std::strerror(errno) : "short write"));
        connection.waiting = true;
        connection.inFlightDue = due;
        ++connection.nextIndex;
    }

    void readAnswers(std::size_t c)
    {
        Connection &connection = m_connections[c];
        char buffer[65536];
        while (true) {
            const ssize_t n = ::recv(connection.socket.get(), buffer, sizeof buffer, 0);
            if (n > 0) {
                connection.input.append(buffer, std::size_t(n));
                // A short read emptied the socket: skip the recv that would say EAGAIN.
                if (std::size_t(n) < sizeof buffer)
                    break;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n < 0 && errno == EINTR)
                continue;
            // Closed by the server (or reset): an answer in flight is lost; reconnect.
            if (connection.waiting)
                ++m_errors;
            epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, connection.socket.get(), nullptr);
            connectSlot(c);
            return;
        }
        const Nanos t = now();
        bool ok = false;
        while (connection.waiting) {
            const std::size_t size = completeAnswer(connection.input, m_options.expectStatus, ok);
            if (size == 0)
                break;
            connection.input.erase(0, size);
            connection.waiting = false;
            if (!ok)
                ++m_errors;
            else if (connection.inFlightDue >= m_measureFrom &&
                     connection.inFlightDue < m_stopSending) {
                m_latencies.push_back(t - connection.inFlightDue);
                m_dueTimes.push_back(connection.inFlightDue - m_measureFrom);
                if (t < m_stopSending)
                    ++m_answeredInWindow;
            }
            m_finished = t;
        }
        sendIfDue(c, t);
    }

    bool allDone() const
    {
        for (std::size_t c = 0; c < m_connections.size(); ++c) {
            const Connection &connection = m_connections[c];
            if (connection.waiting || dueTime(c, connection.nextIndex) < m_stopSending)
                return false;
        }
        return true;
    }

    Nanos nextDue() const
    {
        Nanos next = kNever;
        for (std::size_t c = 0; c < m_connections.size(); ++c)
            if (!m_connections[c].waiting) {
                const Nanos due = dueTime(c, m_connections[c].nextIndex);
                if (due < m_stopSending)
                    next = std::min(next, due);
            }
        return next;
    }

    void armTimer(Nanos at)
    {
        if (at == m_timerAt)
            return;
        m_timerAt = at;
        itimerspec spec{};
        spec.it_value.tv_sec = at / kSecond;
        spec.it_value.tv_nsec = at % kSecond;
        if (timerfd_settime(m_timer.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
            fail(std::string("timerfd_settime: ") + std::strerror(errno));
    }

    const Options &m_options;
    const Nanos m_interval; // between two requests of one connection
    Fd m_epoll;
    Fd m_timer;
    std::vector<Connection> m_connections;
    std::string m_request;
    Nanos m_start = 0;
    Nanos m_measureFrom = 0;
    Nanos m_stopSending = 0;
    Nanos m_finished = 0;
    Nanos m_timerAt = 0; // what the timer is armed for
    std::vector<Nanos> m_latencies;
    std::vector<Nanos> m_dueTimes; // of the answers in m_latencies, from the window's start
    std::int64_t m_answeredInWindow = 0;
    std::int64_t m_errors = 0;
};

} // namespace

int main(int argc, char **argv)
{
    const Options options = parseArguments(argc, argv);
    Generator generator(options);
    const StallProbe probe;
    generator.run();
    generator.report(probe);
    generator.writeSamples();
    return generator.hadErrors() ? 1 : 0;
}
