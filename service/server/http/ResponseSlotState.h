#pragma once

// Internal to http/: the state a ResponseSlot shares with the adapter.

#include "http/HttpMessage.h"

#include <QObject>
#include <QPointer>
#include <functional>
#include <optional>
#include <vector>

namespace cortex::http::detail {

struct SlotState
{
    enum class Phase {
        InHandler, // defer() was called; the handler (and the middleware) are still running
        Waiting,   // the adapter holds the connection until complete()
        Done,      // answered or cancelled
    };

    Phase phase = Phase::InHandler;
    QString requestId;
    // complete() called before the handler returned: the adapter writes it at once.
    std::optional<HttpResponse> early;
    // Set by the adapter when it starts waiting; writes the response, false if it could not.
    std::function<bool(HttpResponse &&)> deliver;

    struct CancelWatcher
    {
        QPointer<QObject> context;
        bool hasContext = false;
        std::function<void()> callback;
    };
    std::vector<CancelWatcher> watchers;

    SlotState() = default;
    SlotState(const SlotState &) = delete;
    SlotState &operator=(const SlotState &) = delete;
    // Still waiting when the last slot goes: the handler lost it; the client gets 503.
    ~SlotState();

    // The response can no longer be delivered: Done, and the watchers are told.
    void cancel();
};

} // namespace cortex::http::detail
