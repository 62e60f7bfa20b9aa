#include "api/PasswordWork.h"

#include "protocol/ApiError.h"

#include <QLoggingCategory>
#include <exception>

Q_LOGGING_CATEGORY(lcPasswordWork, "cortex.sys")

namespace cortex::api {

PasswordWork::PasswordWork(Resume resume, QObject *parent)
    : QObject(parent), m_resume(std::move(resume))
{
    m_pool.setMaxThreadCount(1);
    m_pool.setExpiryTimeout(30 * 1000);
}

PasswordWork::~PasswordWork()
{
    m_pool.clear();
    m_pool.waitForDone(); // its answer is posted to this object, which drops it as it goes
}

http::HttpResponse PasswordWork::run(http::HttpRequest &request, const char *action,
                                     std::function<void()> derive, Finish finish)
{
    if (m_waiting >= MaxWaiting)
        throw protocol::ApiError(503, QStringLiteral("busy"),
                                 QStringLiteral("too many password derivations under way; retry"),
                                 {{QStringLiteral("retry_after_seconds"), 1}});
    // The request as the route saw it, for the audit row and the rate limits at the end; the
    // row of this first half is not written (the finish writes the request's one row).
    request.notes.audited = true;
    http::ResponseSlot slot = request.defer();
    http::HttpRequest kept = request;
    kept.deferral.reset();
    kept.notes.audited = false;
    ++m_waiting;
    m_pool.start([this, derive = std::move(derive), finish = std::move(finish),
                  slot = std::move(slot), kept = std::move(kept), action]() mutable {
        // A failed derivation (out of memory) is the finish's failure, recorded like any.
        std::exception_ptr failure;
        try {
            derive();
        } catch (...) {
            failure = std::current_exception();
        }
        // Everything moves into the answer, so nothing of the request (the slot above all) is
        // released here, off the server's thread.
        QMetaObject::invokeMethod(
            this,
            [this, finish = std::move(finish), slot = std::move(slot), kept = std::move(kept),
             action, failure]() mutable {
                --m_waiting;
                const Finish finishOrFail = [&finish, failure](http::HttpRequest &r) {
                    if (failure)
                        std::rethrow_exception(failure);
                    return finish(r);
                };
                http::HttpResponse response;
                try {
                    response = m_resume(kept, action, finishOrFail);
                } catch (const protocol::ApiError &e) {
                    response = http::HttpResponse::error(e);
                } catch (const std::exception &e) {
                    qCWarning(lcPasswordWork).noquote()
                        << kept.requestId << "internal error:" << e.what();
                    response = http::HttpResponse::error(protocol::ApiError::internal());
                }
                slot.complete(std::move(response));
            },
            Qt::QueuedConnection);
    });
    return http::HttpResponse::deferred();
}

} // namespace cortex::api
