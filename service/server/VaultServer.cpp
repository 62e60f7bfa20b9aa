#include "VaultServer.h"

#include "access/AgentDiscovery.h"
#include "access/ProjectTokens.h"
#include "access/ServerKeys.h"
#include "access/RequestThrottle.h"
#include "api/AdminAuth.h"
#include "api/ApiContext.h"
#include "api/Routes.h"
#include "crypto/Random.h"
#include "http/HttpServer.h"
#include "protocol/ApiError.h"
#include "store/Database.h"
#include "store/Timestamps.h"
#include "vault/SecretService.h"

#include <QDir>
#include <QFile>

namespace cortex {

VaultServer::VaultServer(const QString &dataDir, const Clock &clock, http::HttpLimits limits,
                         QObject *parent)
    : QObject(parent), m_dataDir(QDir(dataDir).absolutePath()), m_clock(clock), m_limits(limits)
{
    if (!QDir().mkpath(m_dataDir))
        throw store::StoreError("cannot create the data directory " + m_dataDir.toStdString());
    QFile::setPermissions(m_dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_db = std::make_unique<store::Database>(store::Database::openSqlite(m_dataDir));
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
    m_context.reset(new api::ApiContext{*m_db, *m_vault, *m_secrets, *m_adminAuth, m_clock,
                                        m_accessSettings, *m_discovery, *m_projectTokens,
                                        *m_serverKeys, *m_throttle});
    api::registerAllRoutes(m_router, *m_context);
}

VaultServer::~VaultServer()
{
    m_vault->seal();
}

bool VaultServer::isInitialized()
{
    return m_vault->isInitialized();
}

QByteArray VaultServer::generateAdminToken()
{
    return crypto::randomToken(u"cvadm_", 32).toLatin1();
}

QByteArray VaultServer::initialize(const crypto::SecureBytes &password, crypto::KdfProfile profile,
                                   std::optional<QByteArray> adminToken)
{
    const QByteArray token = adminToken.value_or(generateAdminToken());
    store::Transaction tx(*m_db);
    m_vault->initializeWithPassword(password.view(), profile);
    m_adminAuth->setToken(token, store::timestamp(m_clock.now()));
    tx.commit();
    return adminToken ? QByteArray() : token;
}

vault::Vault::UnsealResult VaultServer::unseal(const crypto::SecureBytes &password)
{
    return m_vault->unsealWithPassword(password.view());
}

http::HttpResponse VaultServer::gate(const http::Route &route, http::HttpRequest &request)
{
    if (!route.options.allowedWhileSealed && m_vault->isSealed())
        throw protocol::ApiError::sealed();
    if (route.options.requiresAdmin)
        m_adminAuth->require(request);
    return route.handler(request);
}

bool VaultServer::listen(const QHostAddress &address, quint16 port,
                         std::optional<QSslConfiguration> tls, QString *error)
{
    m_http = new http::HttpServer(
        m_router, [this](const http::Route &route, http::HttpRequest &request) {
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
