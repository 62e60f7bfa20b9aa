#include "JwksSource.h"

#include "crypto/Jwks.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

#include <memory>

namespace cortex::cli {

namespace {

// A JWKS is a few hundred bytes per key; anything far larger is not one.
constexpr qint64 MaxJwksBytes = 1 << 20;
constexpr int FetchTimeoutMs = 30'000;

std::optional<QByteArray> readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray bytes = file.read(MaxJwksBytes + 1);
    if (bytes.size() > MaxJwksBytes) {
        *error = QStringLiteral("%1 is too large for a JWKS").arg(path);
        return std::nullopt;
    }
    return bytes;
}

std::optional<QByteArray> fetch(const QUrl &url, QString *error)
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setTransferTimeout(FetchTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    const std::unique_ptr<QNetworkReply> reply(network.get(request));
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(reply.get(), &QNetworkReply::downloadProgress, &loop,
                     [&reply](qint64 received, qint64) {
                         if (received > MaxJwksBytes)
                             reply->abort();
                     });
    if (!reply->isFinished())
        loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        // The URL without any user info: it must not leak credentials into a terminal or log.
        *error = QStringLiteral("cannot fetch %1: %2")
                     .arg(url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery),
                          status && status != 200 ? QStringLiteral("HTTP status %1").arg(status)
                                                  : reply->errorString());
        return std::nullopt;
    }
    return reply->readAll();
}

} // namespace

std::optional<QHash<QString, QByteArray>> loadJwks(const QString &fileOrUrl, QString *error)
{
    const QUrl url(fileOrUrl, QUrl::StrictMode);
    const bool remote = url.isValid() && (url.scheme() == u"https" || url.scheme() == u"http");
    const std::optional<QByteArray> bytes = remote ? fetch(url, error) : readFile(fileOrUrl, error);
    if (!bytes)
        return std::nullopt;

    const QJsonDocument doc = QJsonDocument::fromJson(*bytes);
    const QJsonValue keys = doc.object().value(QStringLiteral("keys"));
    if (!doc.isObject() || !keys.isArray()) {
        *error = QStringLiteral("%1 is not a JWKS document (no \"keys\" array)")
                     .arg(remote ? url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery)
                                 : fileOrUrl);
        return std::nullopt;
    }
    QHash<QString, QByteArray> byKid;
    for (const QJsonValue &entry : keys.toArray()) {
        const QJsonObject jwk = entry.toObject();
        const QString kid = jwk.value(QStringLiteral("kid")).toString();
        if (kid.isEmpty() || byKid.contains(kid))
            continue;
        if (const std::optional<QByteArray> key = crypto::jws::publicKeyFromJwk(jwk))
            byKid.insert(kid, *key);
    }
    return byKid;
}

} // namespace cortex::cli
