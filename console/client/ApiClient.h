#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace cortex::console {

// The answer of GET /sys/seal-status (cortex-auth compatible field names).
struct SealStatus
{
    bool initialized = false;
    bool sealed = true;
    int progress = 0;  // unseal shares entered so far
    int threshold = 0; // shares needed to unseal (1 for a password slot)

    friend bool operator==(const SealStatus &, const SealStatus &) = default;
};

// Parses a /sys/seal-status body. "initialized" and "sealed" are required booleans;
// "progress" and "threshold" are optional non-negative integers. On failure returns nullopt
// and sets *error to a short, translated reason.
std::optional<SealStatus> parseSealStatus(const QByteArray &body, QString *error);

// Talks to one Cortex Vault server over HTTP(S). One request at a time: a new call supersedes
// (aborts) the one still running, so the UI only ever shows the answer to its latest question.
class ApiClient : public QObject
{
    Q_OBJECT

public:
    // Answers larger than this are cut off: a console pointed at the wrong host must not
    // buffer whatever that host sends.
    static constexpr qint64 MaxResponseBytes = 1024 * 1024;
    static constexpr int DefaultTimeoutMs = 15000;

    explicit ApiClient(QObject *parent = nullptr);
    ~ApiClient() override;

    // Turns what an operator typed into a server base URL: "host:port" gets http://, the scheme
    // must be http or https, user info is refused (it would be sent in clear to every path).
    // A path is kept as a prefix for servers behind a reverse proxy.
    static std::optional<QUrl> parseServerUrl(const QString &text, QString *error);

    void setBaseUrl(const QUrl &url);
    QUrl baseUrl() const { return m_baseUrl; }

    // How long a request may go without receiving data before it fails.
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }

    bool isBusy() const { return !m_pending.isNull(); }

    // GET {baseUrl}/sys/seal-status; answers with sealStatusReceived() or requestFailed().
    void fetchSealStatus();

Q_SIGNALS:
    void sealStatusReceived(const cortex::console::SealStatus &status);
    void requestFailed(const QString &message);

private:
    QUrl endpoint(QStringView path) const;
    void onSealStatusFinished(QNetworkReply *reply);
    // The user-facing reason a finished reply failed, or an empty string when it succeeded.
    QString failureReason(QNetworkReply *reply) const;

    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_pending;
    QUrl m_baseUrl;
    int m_timeoutMs = DefaultTimeoutMs;
};

} // namespace cortex::console
