#include "http/ResponseSlotState.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace cortex::http {

namespace detail {

SlotState::~SlotState()
{
    if (phase != Phase::Waiting || !deliver)
        return;
    phase = Phase::Done;
    qCWarning(lcHttp).noquote() << requestId << "deferred response dropped without an answer";
    try {
        deliver(HttpResponse::error(protocol::ApiError::serviceUnavailable(
            QStringLiteral("unavailable"), QStringLiteral("the request could not be completed"))));
    } catch (...) {
        // A destructor must not throw; the connection is closed by its own timers then.
    }
}

void SlotState::cancel()
{
    if (phase == Phase::Done)
        return;
    phase = Phase::Done;
    deliver = nullptr;
    early.reset();
    const std::vector<CancelWatcher> toTell = std::move(watchers);
    watchers.clear();
    for (const CancelWatcher &w : toTell) {
        if (!w.hasContext || w.context)
            w.callback();
    }
}

} // namespace detail

ResponseSlot HttpRequest::defer()
{
    if (!deferral) {
        deferral = std::make_shared<detail::SlotState>();
        deferral->requestId = requestId;
    }
    return ResponseSlot(deferral);
}

bool ResponseSlot::complete(HttpResponse response) const
{
    if (!m_state)
        return false;
    const std::shared_ptr<detail::SlotState> state = m_state; // alive while delivering
    switch (state->phase) {
    case detail::SlotState::Phase::InHandler:
        if (state->early)
            return false;
        state->early = std::move(response);
        return true;
    case detail::SlotState::Phase::Waiting: {
        state->phase = detail::SlotState::Phase::Done;
        state->watchers.clear();
        const std::function<bool(HttpResponse &&)> deliver = std::move(state->deliver);
        state->deliver = nullptr;
        return deliver && deliver(std::move(response));
    }
    case detail::SlotState::Phase::Done:
        return false;
    }
    return false;
}

bool ResponseSlot::isPending() const
{
    if (!m_state)
        return false;
    switch (m_state->phase) {
    case detail::SlotState::Phase::InHandler:
        return !m_state->early.has_value();
    case detail::SlotState::Phase::Waiting:
        return true;
    case detail::SlotState::Phase::Done:
        return false;
    }
    return false;
}

void ResponseSlot::onCancelled(QObject *context, std::function<void()> callback) const
{
    if (!m_state || m_state->phase == detail::SlotState::Phase::Done || !callback)
        return;
    m_state->watchers.push_back({context, context != nullptr, std::move(callback)});
}

QString ResponseSlot::requestId() const
{
    return m_state ? m_state->requestId : QString();
}

} // namespace cortex::http
