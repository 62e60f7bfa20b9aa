#include "access/AccessNames.h"

#include "crypto/Base64Url.h"

namespace cortex::access {

QString defaultEnvName(const QString &keyPath)
{
    QString name = keyPath.section(u'/', -1).toUpper();
    for (QChar &c : name)
        if (!((c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_'))
            c = u'_';
    return name;
}

std::optional<QByteArray> decodeWireBytes(const QString &text)
{
    const QByteArray ascii = text.toLatin1();
    if (auto url = crypto::base64UrlDecode(ascii))
        return url;
    const auto standard = QByteArray::fromBase64Encoding(
        ascii, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!standard || text.isEmpty())
        return std::nullopt;
    return *standard;
}

} // namespace cortex::access
