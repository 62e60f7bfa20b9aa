#include "VaultServer.h"

#include "access/AgentDiscovery.h"
#include "access/HoneyTokenAlarm.h"
#include "access/ProjectTokens.h"
#include "access/RequestThrottle.h"
#include "access/ServerKeys.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/PasswordWork.h"
#include "api/Routes.h"
#include "audit/AuditLog.h"
#include "audit/RecoveryBootAlarm.h"
#include "crypto/Random.h"
#include "http/HttpServer.h"
#include "notify/Notifier.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "vault/SecretService.h"

#include <QAbstractEventDispatcher>
#include <QDir>
#include <QFile>
#include <QJsonDocument>

namespace cortex {

namespace {

// How long half-gathered shares (unseal, rekey) wait for the rest.
int shareProgressTimeoutSeconds()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS", &ok);
    if (!ok)
        return 15 * 60;
    if (seconds < 10) {
        qWarning().noquote() << "CORTEX_SHARE_PROGRESS_TIMEOUT_SECONDS below 10; using 10";
        return 10;
    }
    return seconds;
}

} // namespace

VaultServer::VaultServer(const QString &dataDir, const Clock &clock, http::HttpLimits limits,
                         QObject *parent)
    : QObject(parent), m_dataDir(QDir(dataDir).absolutePath()), m_clock(clock), m_limits(limits)
{
    if (!QDir().mkpath(m_dataDir))
        throw store::StoreError("cannot create the data directory " + m_dataDir.toStdString());
    QFile::setPermissions(m_dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QStringList auditWarnings;
    const audit::AuditSettings auditSettings =
        audit::AuditSettings::fromEnvironment(&auditWarnings);
    for (const QString &warning : auditWarnings)
        qWarning().noquote() << "audit:" << warning;
    m_db = std::make_unique<store::Database>(store::Database::openSqlite(
        m_dataDir, std::chrono::milliseconds(auditSettings.readFlushMilliseconds)));
    // Group commit for reads: the audit rows of the reads handled while the event loop is busy
    // commit together once it has nothing left to do (or two turns on), and their answers go
    // out then.
    m_db->setEventLoop([this](std::function<void()> call) {
        QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection);
    });
    // A group follows the loop's own turns rather than posting one event per turn: each posted
    // event wakes the loop (a write, a poll and a read), which at a few thousand reads a second
    // is a large part of a read's cost.
    if (QAbstractEventDispatcher *loop = QAbstractEventDispatcher::instance()) {
        m_db->followEventLoopTurns();
        m_loopAwake = connect(loop, &QAbstractEventDispatcher::awake, this,
                              [this] { m_db->eventLoopAwake(); });
        m_loopIdle = connect(loop, &QAbstractEventDispatcher::aboutToBlock, this,
                             [this] { m_db->eventLoopIdle(); });
    }
    m_vault = std::make_unique<vault::Vault>(*m_db, m_clock);
    m_secrets = std::make_unique<vault::SecretService>(*m_db, *m_vault, m_clock);
    m_adminAuth = std::make_unique<api::AdminAuth>(*m_db);
    m_serverKeys = std::make_unique<access::ServerKeys>(*m_db, *m_vault, m_clock, m_accessSettings);
    m_projectTokens =
        std::make_unique<access::ProjectTokens>(*m_db, m_accessSettings, m_serverKeys.get());
    m_discovery = std::make_unique<access::AgentDiscovery>(*m_db, m_clock, m_accessSettings,
                                                           *m_projectTokens);
    const access::RateLimitConfig::Parsed rateLimits = access::RateLimitConfig::fromEnvironment();
    for (const QString &warning : rateLimits.warnings)
        qWarning().noquote() << "rate limits:" << warning;
    m_throttle = std::make_unique<access::RequestThrottle>(m_clock, rateLimits.config);
    // Full buckets carry no information: drop them so memory follows the active clients.
    m_pruneTimer.setInterval(60 * 1000);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_throttle->prune(); });
    m_pruneTimer.start();
    m_audit =
        std::make_unique<audit::AuditLog>(*m_db, *m_vault, *m_serverKeys, m_clock, auditSettings);
    m_audit->setSourceAddressResolver([this](const http::HttpRequest &request) {
        return m_throttle->client(request).toString();
    });
    m_notifier = std::make_unique<notify::Notifier>(*m_db, *m_vault, *m_audit, m_clock);
    m_honey = std::make_unique<access::HoneyTokenAlarm>(*m_db, *m_audit, *m_notifier, m_clock);
    const int shareTimeout = shareProgressTimeoutSeconds();
    m_shareUnseal = std::make_unique<vault::ShareUnseal>(
        *m_vault, m_clock, shareTimeout,
        [this](const vault::ShareSetInfo &set, const http::HttpRequest *request) {
            const QJsonObject detail{{QStringLiteral("method"), QStringLiteral("shares")},
                                     {QStringLiteral("share_key_id"), shares::keyIdText(set.keyId)},
                                     {QStringLiteral("threshold"), set.threshold}};
            try {
                audit::raiseRecoveryBoot(*m_db, *m_audit, *m_notifier, m_clock, request, detail);
            } catch (const std::exception &e) {
                // The vault is open either way; the operator must still hear of it.
                qCritical().noquote()
                    << "recovery boot: the alarm could not be recorded:" << e.what();
            }
        });
    m_rekey = std::make_unique<vault::Rekey>(*m_vault, m_clock, shareTimeout);
    // The second half of a password route runs as the route itself would have: under its audit.
    m_passwordWork = std::make_unique<api::PasswordWork>(
        [this](http::HttpRequest &request, const char *action,
               const api::PasswordWork::Finish &finish) {
            const http::Route route{
                request.method, {}, api::audited({.allowedWhileSealed = true}, action), finish};
            return runAudited(route, request);
        },
        nullptr);
    m_context.reset(new api::ApiContext{*m_db, *m_vault, *m_secrets, *m_adminAuth, m_clock,
                                        m_accessSettings, *m_discovery, *m_projectTokens,
                                        *m_serverKeys, *m_throttle, *m_audit, *m_notifier,
                                        *m_shareUnseal, *m_rekey, m_kdfProfile, *m_passwordWork});
    api::registerAllRoutes(m_router, *m_context);
}

VaultServer::~VaultServer()
{
    disconnect(m_loopAwake);
    disconnect(m_loopIdle);
    m_db->commitGroup(); // its follow-ups use members that go before the store
    sealAndRecord(nullptr);
}

void VaultServer::sealAndRecord(const http::HttpRequest *request)
{
    if (!m_vault->isSealed()) {
        // The last rows before the keys go are signed, so nothing written so far can be cut off
        // unnoticed while the server is down.
        try {
            audit::AuditEvent event(QStringLiteral("seal"));
            if (!request) {
                event.actorType = QStringLiteral("system");
                event.actor = QStringLiteral("shutdown");
            }
            m_audit->record(event, request);
            m_audit->checkpointNow();
        } catch (const std::exception &e) {
            qWarning().noquote() << "could not record the seal in the audit log:" << e.what();
        }
    }
    m_vault->seal();
}

bool VaultServer::isInitialized()
{
    return m_vault->isInitialized();
}

QByteArray VaultServer::generateAdminToken()
{
    return api::AdminAuth::generateToken();
}

QByteArray VaultServer::initialize(const crypto::SecureBytes &password, crypto::KdfProfile profile,
                                   std::optional<QByteArray> adminTokenHash)
{
    const QByteArray token = adminTokenHash ? QByteArray() : generateAdminToken();
    store::Transaction tx(*m_db);
    m_vault->initializeWithPassword(password.view(), profile);
    m_adminAuth->setTokenHash(adminTokenHash ? *adminTokenHash : api::AdminAuth::tokenHash(token),
                              store::timestamp(m_clock.now()));
    tx.commit();
    return token;
}

vault::Vault::UnsealResult VaultServer::unseal(const crypto::SecureBytes &password)
{
    return m_vault->unsealWithPassword(password.view());
}

http::HttpResponse VaultServer::gate(const http::Route &route, http::HttpRequest &request)
{
    if (!route.options.allowedWhileSealed && m_vault->isSealed())
        throw protocol::ApiError::sealed();
    if (route.options.requiresAdmin) {
        m_adminAuth->require(request);
        request.notes.actorType = QStringLiteral("admin");
        request.notes.actor = QStringLiteral("admin");
    }
    if (!route.options.auditAction)
        return route.handler(request);
    return runAudited(route, request);
}

namespace {

QString statusOf(const protocol::ApiError &refusal)
{
    if (refusal.code == u"pending_approval")
        return QStringLiteral("pending");
    if (refusal.status == 401 || refusal.status == 403)
        return QStringLiteral("denied");
    if (refusal.status >= 500)
        return QStringLiteral("error");
    return QStringLiteral("rejected");
}

// The resource a row names: what the handler noted, else the route's path parameters.
QString resourceOf(const http::HttpRequest &request)
{
    if (!request.notes.resource.isEmpty())
        return request.notes.resource;
    QStringList values = request.params.values();
    values.sort();
    return values.join(u'/');
}

// The row of a refused request: the refusal's own action when it names one, its error code and
// status, and its client-visible details (which ApiError keeps free of secrets), e.g. grant_id.
audit::AuditEvent refusalEvent(const QString &action, const http::HttpRequest &request,
                               const protocol::ApiError *refusal)
{
    QJsonObject detail = request.notes.detail;
    if (detail.isEmpty() && !request.notes.detailJson.isEmpty()) // rare: refused at the very end
        detail = QJsonDocument::fromJson(request.notes.detailJson.toUtf8()).object();
    if (refusal)
        for (auto it = refusal->details.begin(); it != refusal->details.end(); ++it)
            detail.insert(it.key(), it.value());
    detail.insert(QStringLiteral("error_code"),
                  refusal ? refusal->code : QStringLiteral("internal_error"));
    detail.insert(QStringLiteral("http_status"), refusal ? refusal->status : 500);
    return audit::AuditEvent(
        refusal && !refusal->auditAction.isEmpty() ? refusal->auditAction : action,
        resourceOf(request), refusal ? statusOf(*refusal) : QStringLiteral("error"), detail);
}

} // namespace

// The route's audit row is written in the same transaction as the handler's changes, so the two
// commit or vanish together; when the row cannot be written the request fails with 503 and
// nothing changes. A refused request is rolled back and then recorded on its own.
http::HttpResponse VaultServer::runAudited(const http::Route &route, http::HttpRequest &request)
{
    const QString action = QString::fromLatin1(route.options.auditAction);
    // A read changes nothing but its audit row: that row is in the WAL before the answer and
    // on disk within the flush interval. Everything else is synced before its answer.
    // Reads commit as a group (store::Durability::Grouped): their answers wait for it.
    const store::Durability durability =
        request.method == "GET" ? store::Durability::Grouped : store::Durability::OnCommit;
    std::optional<store::Transaction> tx(std::in_place, *m_db, durability);
    try {
        http::HttpResponse response = route.handler(request);
        if (!request.notes.audited && !m_vault->isSealed()) {
            audit::AuditEvent event(action, resourceOf(request), QStringLiteral("success"),
                                    request.notes.detail);
            event.detailJson = request.notes.detailJson;
            m_audit->record(event, &request);
        }
        if (!m_db->inGroup()) {
            tx->commit();
            return response;
        }
        if (response.isDeferred() || request.deferral) {
            // The handler answers on its own (a long poll): the row must be committed first.
            tx->commit();
            m_db->commitGroup();
            return response;
        }
        // Held until the group commits; if it cannot, the read is refused like any read
        // whose audit row cannot be written.
        const http::ResponseSlot slot = request.defer();
        m_db->afterCommit([slot, response] { slot.complete(response); },
                          [slot] {
                              slot.complete(
                                  http::HttpResponse::error(audit::AuditLog::unavailableError()));
                          });
        tx->commit();
        return http::HttpResponse::deferred();
    } catch (const protocol::ApiError &refusal) {
        if (refusal.code == u"audit_unavailable" || refusal.status == 429)
            throw; // nothing to add: the log is down, or a flood we do not write down
        if (refusal.keepChanges) {
            // The refusal is the outcome: its row joins the changes that led to it.
            m_audit->record(refusalEvent(action, request, &refusal), &request);
            tx->commit();
            m_db->commitGroup(); // the refusal is answered now: its row goes first (if grouped)
            throw;
        }
        tx.reset(); // roll back before the refusal is written down
        recordRefusal(action, request, &refusal);
        throw;
    } catch (const std::exception &) {
        tx.reset();
        recordRefusal(action, request, nullptr);
        throw;
    }
}

void VaultServer::recordRefusal(const QString &action, http::HttpRequest &request,
                                const protocol::ApiError *refusal)
{
    if (m_vault->isSealed())
        return; // no key to write with (a failed unseal is logged by the handler)
    store::Transaction tx(*m_db);
    for (const std::function<void()> &effect : request.notes.onRefused)
        effect();
    if (const auto *honey = dynamic_cast<const access::HoneyTokenTouched *>(refusal))
        m_honey->raise(*honey, request); // its alarm row stands for the request: no second row
    else
        m_audit->record(refusalEvent(action, request, refusal), &request);
    tx.commit();
}

bool VaultServer::listen(const QHostAddress &address, quint16 port,
                         std::optional<QSslConfiguration> tls, QString *error)
{
    m_http = new http::HttpServer(
        m_router,
        [this](const http::Route &route, http::HttpRequest &request) {
            return gate(route, request);
        },
        m_limits, this);
    return m_http->listen(address, port, std::move(tls), error);
}

quint16 VaultServer::port() const
{
    return m_http ? m_http->port() : 0;
}

QString VaultServer::url() const
{
    if (!m_http)
        return {};
    const QHostAddress address = m_http->address();
    QString host = address.toString();
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return QStringLiteral("%1://%2:%3")
        .arg(m_http->isTls() ? QStringLiteral("https") : QStringLiteral("http"), host)
        .arg(m_http->port());
}

} // namespace cortex
