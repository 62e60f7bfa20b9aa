#include "http/RequestFraming.h"

#include <QByteArray>
#include <QList>
#include <cstring>

namespace cortex::http {

namespace {
constexpr qint64 MaxChunkLine = 1024;

QByteArray trimmedLower(QByteArrayView v)
{
    return v.trimmed().toByteArray().toLower();
}

// Digits only (RFC 9110 §8.6 / RFC 9112 §7.1): no sign, no "0x", no blanks inside.
bool allDigits(QByteArrayView v, int base)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        const bool digit = c >= '0' && c <= '9';
        const bool hex = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!digit && !(base == 16 && hex))
            return false;
    }
    return true;
}
} // namespace

RequestFraming::RequestFraming(qint64 maxHeadBytes, qint64 maxBodyBytes)
    : m_maxHead(maxHeadBytes), m_maxBody(maxBodyBytes)
{}

RequestFraming::Verdict RequestFraming::fail(Verdict v)
{
    m_failure = v;
    return v;
}

RequestFraming::Verdict RequestFraming::feed(QByteArrayView bytes)
{
    if (m_failure != Verdict::Ok)
        return m_failure;

    qsizetype i = 0;
    const qsizetype n = bytes.size();
    while (i < n) {
        switch (m_state) {
        case State::Idle:
            // Stray CRLF between pipelined requests is allowed (RFC 9112 §2.2).
            if (bytes[i] == '\r' || bytes[i] == '\n') {
                ++i;
                break;
            }
            m_state = State::Head;
            m_line.clear();
            m_headBytes = 0;
            m_contentLength = -1;
            m_chunked = false;
            m_expectContinue = false;
            m_requestLineSeen = false;
            m_closeAfter = false;
            m_bodyTotal = 0;
            [[fallthrough]];
        case State::Head: {
            // The rest of the line at once (or of what has arrived): a head is ~100-1000 bytes.
            const char *from = bytes.data() + i;
            const auto *newline = static_cast<const char *>(std::memchr(from, '\n', size_t(n - i)));
            const qsizetype taken = newline ? newline - from + 1 : n - i;
            m_headBytes += taken;
            if (m_headBytes > m_maxHead)
                return fail(Verdict::HeadTooLarge);
            i += taken;
            if (!newline) {
                m_line.append(from, taken);
                break;
            }
            m_line.append(from, taken - 1);
            if (m_line.endsWith('\r'))
                m_line.chop(1);
            if (!m_requestLineSeen) {
                // "METHOD target HTTP/x.y": HTTP/1.0 closes unless it asks to keep alive.
                m_requestLineSeen = true;
                m_closeAfter = !m_line.endsWith("HTTP/1.1");
                m_line.truncate(0); // keeps the buffer for the next line
                break;
            }
            if (m_line.isEmpty()) {
                const Verdict v = finishHead();
                if (v != Verdict::Ok)
                    return fail(v);
                break;
            }
            const qsizetype colon = m_line.indexOf(':');
            if (colon > 0) {
                const QByteArrayView name = QByteArrayView(m_line).first(colon).trimmed();
                const QByteArrayView value = QByteArrayView(m_line).sliced(colon + 1);
                const auto is = [name](QByteArrayView lower) {
                    return name.compare(lower, Qt::CaseInsensitive) == 0;
                };
                if (is("content-length")) {
                    bool ok = allDigits(value.trimmed(), 10);
                    const qint64 len = ok ? value.trimmed().toLongLong(&ok) : -1;
                    // Conflicting or unparsable lengths are a smuggling vector: refuse them.
                    if (!ok || len < 0 || (m_contentLength >= 0 && m_contentLength != len))
                        return fail(Verdict::Malformed);
                    m_contentLength = len;
                } else if (is("transfer-encoding")) {
                    const QByteArray te = trimmedLower(value);
                    if (te == "chunked")
                        m_chunked = true;
                    else
                        return fail(Verdict::Malformed); // gzip etc. are not accepted
                } else if (is("connection")) {
                    for (const QByteArray &token : value.toByteArray().split(',')) {
                        const QByteArray t = trimmedLower(token);
                        if (t == "close")
                            m_closeAfter = true;
                        else if (t == "keep-alive")
                            m_closeAfter = false;
                    }
                } else if (is("expect")) {
                    m_expectContinue = trimmedLower(value) == "100-continue";
                }
            }
            m_line.truncate(0); // keeps the buffer for the next line
            break;
        }
        case State::Body: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, n - i);
            i += take;
            m_bodyRemaining -= take;
            if (m_bodyRemaining == 0)
                completeRequest();
            break;
        }
        case State::ChunkSize:
        case State::Trailers: {
            const char c = bytes[i++];
            // Trailers become headers in QHttpServer: they share the head's limit.
            if (m_state == State::Trailers && ++m_headBytes > m_maxHead)
                return fail(Verdict::HeadTooLarge);
            if (c != '\n') {
                m_line.append(c);
                if (m_state == State::ChunkSize && m_line.size() > MaxChunkLine)
                    return fail(Verdict::Malformed);
                break;
            }
            if (m_line.endsWith('\r'))
                m_line.chop(1);
            if (m_state == State::Trailers) {
                if (m_line.isEmpty())
                    completeRequest();
                m_line.clear();
                break;
            }
            if (!parseChunkSizeLine())
                return fail(Verdict::Malformed);
            if (m_bodyTotal > m_maxBody)
                return fail(Verdict::BodyTooLarge);
            m_line.clear();
            break;
        }
        case State::ChunkData: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, n - i);
            i += take;
            m_bodyRemaining -= take;
            if (m_bodyRemaining == 0) {
                m_state = State::ChunkDataEnd;
                m_line.clear();
            }
            break;
        }
        case State::ChunkDataEnd: {
            const char c = bytes[i++];
            if (c == '\r' && m_line.isEmpty()) {
                m_line.append(c);
                break;
            }
            if (c != '\n')
                return fail(Verdict::Malformed);
            m_line.clear();
            m_state = State::ChunkSize;
            break;
        }
        }
    }
    return Verdict::Ok;
}

void RequestFraming::completeRequest()
{
    m_state = State::Idle;
    m_completed.push_back(m_closeAfter);
}

bool RequestFraming::takeCompleted()
{
    if (m_completed.empty())
        return false;
    const bool close = m_completed.front();
    m_completed.pop_front();
    return close;
}

RequestFraming::Verdict RequestFraming::finishHead()
{
    m_line.clear();
    if (m_chunked && m_contentLength >= 0)
        return Verdict::Malformed; // both framings at once: refuse (RFC 9112 §6.3)
    if (m_chunked) {
        m_continueRequested = m_expectContinue;
        m_state = State::ChunkSize;
        return Verdict::Ok;
    }
    if (m_contentLength > m_maxBody)
        return Verdict::BodyTooLarge;
    m_continueRequested = m_expectContinue && m_contentLength > 0;
    if (m_contentLength > 0) {
        m_bodyRemaining = m_contentLength;
        m_bodyTotal = m_contentLength;
        m_state = State::Body;
    } else {
        completeRequest();
    }
    return Verdict::Ok;
}

bool RequestFraming::parseChunkSizeLine()
{
    QByteArrayView sizeText(m_line);
    const qsizetype semi = sizeText.indexOf(';'); // chunk extensions are ignored
    if (semi >= 0)
        sizeText = sizeText.first(semi);
    sizeText = sizeText.trimmed();
    if (!allDigits(sizeText, 16) || sizeText.size() > 15)
        return false;
    bool ok = false;
    const qint64 size = sizeText.toLongLong(&ok, 16);
    if (!ok || size < 0)
        return false;
    if (size == 0) {
        m_state = State::Trailers;
        m_headBytes = 0;
        return true;
    }
    m_bodyTotal += size;
    m_bodyRemaining = size;
    m_state = State::ChunkData;
    return true;
}

} // namespace cortex::http
