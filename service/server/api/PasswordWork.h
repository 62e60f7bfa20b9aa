#pragma once

#include "http/HttpMessage.h"

#include <QObject>
#include <QThreadPool>
#include <functional>

namespace cortex::api {

// Runs the Argon2id derivations of password routes off the server's thread, one at a time (a
// derivation may take 1 GiB and seconds), so that agents and operators keep being answered
// meanwhile; then finishes the request on the server's thread as its route would have.
class PasswordWork : public QObject
{
public:
    using Finish = std::function<http::HttpResponse(http::HttpRequest &)>;
    // Runs `finish` for `request` under the route's audit (`action`), as the route's own
    // handler runs: its changes and its audit row commit together, a refusal is rolled back
    // and recorded. Given by the server; throws what `finish` throws.
    using Resume = std::function<http::HttpResponse(http::HttpRequest &request, const char *action,
                                                    const Finish &finish)>;

    // At most this many requests wait or run; more are refused (503 busy) rather than queued
    // without bound.
    static constexpr int MaxWaiting = 4;

    PasswordWork(Resume resume, QObject *parent);
    ~PasswordWork() override; // waits for the derivation under way; the waiting ones are dropped

    // Defers `request` (its body must already be wiped: the request is kept until `finish`),
    // runs `derive` on the worker thread, then `finish` here under the route's audit, and
    // answers with what it returns or the error it throws. Returns the deferred response for
    // the handler to return. Throws ApiError 503 `busy` when MaxWaiting are already waiting.
    http::HttpResponse run(http::HttpRequest &request, const char *action,
                           std::function<void()> derive, Finish finish);

private:
    Resume m_resume;
    QThreadPool m_pool;
    int m_waiting = 0;
};

} // namespace cortex::api
