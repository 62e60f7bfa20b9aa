#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>
#include <deque>

namespace cortex::http {

// Follows the HTTP/1.1 byte stream of one connection just far enough to know where each
// request's head and body end, so that size limits are enforced on the socket before
// QHttpServer 6.4 (which has none) buffers a request. It copies nothing: a 10 MiB body is only
// counted. Supports Content-Length and chunked bodies and pipelined requests.
class RequestFraming
{
public:
    enum class Verdict {
        Ok,           // keep going
        HeadTooLarge, // 431: request line + headers exceed the head limit
        BodyTooLarge, // 413: declared or streamed body exceeds the body limit
        Malformed,    // 400: framing that cannot be followed safely
    };

    RequestFraming(qint64 maxHeadBytes, qint64 maxBodyBytes);

    // Feeds the next bytes received; returns the first limit breach, after which the
    // connection must be answered and closed (further calls keep returning it).
    Verdict feed(QByteArrayView bytes);

    // True while a request has started arriving but is not complete yet.
    bool inRequest() const { return m_state != State::Idle; }
    // True while the head of the current request is still arriving (for slow-header timeouts).
    bool inHead() const { return m_state == State::Head; }
    // True once after a head with "Expect: 100-continue" and an acceptable body size was seen:
    // the caller should send "100 Continue" (QHttpServer 6.4 never does).
    bool takeContinueRequest()
    {
        const bool wanted = m_continueRequested;
        m_continueRequested = false;
        return wanted;
    }

    // Requests framed completely but not answered yet, oldest first. takeCompleted() is called
    // once per response and says whether that request asked for the connection to close
    // (HTTP/1.0 without keep-alive, or a "close" token).
    std::size_t unansweredRequests() const { return m_completed.size(); }
    bool takeCompleted();
    bool nextCompletedCloses() const { return !m_completed.empty() && m_completed.front(); }

private:
    enum class State { Idle, Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers };

    Verdict fail(Verdict v);
    Verdict finishHead();
    void completeRequest();
    bool parseChunkSizeLine();

    qint64 m_maxHead;
    qint64 m_maxBody;
    State m_state = State::Idle;
    Verdict m_failure = Verdict::Ok;
    QByteArray m_line;      // current head / chunk-size / trailer line, bounded by m_maxHead
    qint64 m_headBytes = 0; // bytes of the current head so far
    qint64 m_bodyRemaining = 0;
    qint64 m_bodyTotal = 0; // body bytes of the current request (chunked: data only)
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    bool m_expectContinue = false;
    bool m_continueRequested = false;
    bool m_requestLineSeen = false;
    bool m_closeAfter = false;
    std::deque<bool> m_completed;
};

} // namespace cortex::http
