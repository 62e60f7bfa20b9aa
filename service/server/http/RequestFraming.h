#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

namespace cortex::http {

// Follows the HTTP/1.1 byte stream of one connection just far enough to know where each
// request's head and body end, so that size limits are enforced on the socket before
// QHttpServer 6.4 (which has none) buffers a request. It copies nothing: a 10 MiB body is only
// counted. Supports Content-Length and chunked bodies and pipelined requests.
class RequestFraming
{
public:
    enum class Verdict {
        Ok,                // keep going
        HeadTooLarge,      // 431: request line + headers exceed the head limit
        BodyTooLarge,      // 413: declared or streamed body exceeds the body limit
        Malformed,         // 400: framing that cannot be followed safely
    };

    RequestFraming(qint64 maxHeadBytes, qint64 maxBodyBytes);

    // Feeds the next bytes received; returns the first limit breach, after which the
    // connection must be answered and closed (further calls keep returning it).
    Verdict feed(QByteArrayView bytes);

    // True while a request has started arriving but is not complete yet.
    bool inRequest() const { return m_state != State::Idle; }
    // True while the head of the current request is still arriving (for slow-header timeouts).
    bool inHead() const { return m_state == State::Head; }

private:
    enum class State { Idle, Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers };

    Verdict fail(Verdict v);
    Verdict finishHead();
    bool parseChunkSizeLine();

    qint64 m_maxHead;
    qint64 m_maxBody;
    State m_state = State::Idle;
    Verdict m_failure = Verdict::Ok;
    QByteArray m_line;         // current head / chunk-size / trailer line, bounded by m_maxHead
    qint64 m_headBytes = 0;    // bytes of the current head so far
    qint64 m_bodyRemaining = 0;
    qint64 m_bodyTotal = 0;    // body bytes of the current request (chunked: data only)
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    bool m_sawEmptyLine = false;
};

} // namespace cortex::http
