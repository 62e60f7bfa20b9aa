#include "access/AccessNames.h"

#include "crypto/Base64Url.h"

namespace cortex::access {

namespace {
bool isAsciiAlnum(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
}

bool allOf(QStringView s, QStringView extra)
{
    for (QChar c : s)
        if (!isAsciiAlnum(c) && !extra.contains(c))
            return false;
    return true;
}
} // namespace

bool isValidAgentId(QStringView id)
{
    return !id.isEmpty() && id.size() <= 128 && allOf(id, u"_.@-");
}

bool isValidProjectName(QStringView name)
{
    return !name.isEmpty() && name.size() <= 128 && name.front() != u'.' && name.front() != u'-' &&
           allOf(name, u"_.-");
}

QString describeAgentIdRule()
{
    return QStringLiteral("agent_id must be 1 to 128 characters of A-Z a-z 0-9 _ . @ -");
}

QString describeProjectNameRule()
{
    return QStringLiteral("project_name must be 1 to 128 characters of A-Z a-z 0-9 _ . -,"
                          " not starting with '.' or '-'");
}

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
