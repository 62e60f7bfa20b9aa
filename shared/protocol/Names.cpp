#include "protocol/Names.h"

#include <QList>

using namespace Qt::StringLiterals;

namespace cortex::protocol {

namespace {

// ASCII only on purpose: QChar::isLetterOrNumber() would admit look-alike Unicode letters.
bool isAsciiAlnum(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9');
}

bool isNamespaceChar(QChar c)
{
    return isAsciiAlnum(c) || c == u'_' || c == u'.' || c == u'-';
}

bool isKeyPathChar(QChar c)
{
    return isNamespaceChar(c) || c == u'/';
}

} // namespace

bool isValidKeyPath(QStringView path)
{
    if (path.isEmpty() || path.size() > MaxKeyPathLength)
        return false;
    for (const QChar c : path) {
        if (!isKeyPathChar(c))
            return false;
    }
    // Splitting with KeepEmptyParts turns a leading or trailing '/' and "a//b" into an empty
    // segment, so one loop covers all the structural rules.
    for (const QStringView segment : path.split(u'/')) {
        if (segment.isEmpty() || segment == u"." || segment == u"..")
            return false;
    }
    return true;
}

namespace {
// A name that becomes one path segment: [A-Za-z0-9_.-], not starting with '.' or '-' (so
// never "." or ".." either).
bool isSegmentName(QStringView name, qsizetype maxLength)
{
    if (name.isEmpty() || name.size() > maxLength)
        return false;
    if (name.front() == u'.' || name.front() == u'-')
        return false;
    for (const QChar c : name) {
        if (!isNamespaceChar(c))
            return false;
    }
    return true;
}
} // namespace

bool isValidNamespaceName(QStringView name)
{
    return isSegmentName(name, MaxNamespaceNameLength);
}

bool isValidProjectName(QStringView name)
{
    return isSegmentName(name, MaxProjectNameLength);
}

bool isValidAgentId(QStringView id)
{
    if (id.isEmpty() || id.size() > MaxAgentIdLength)
        return false;
    for (const QChar c : id) {
        if (!isNamespaceChar(c) && c != u'@')
            return false;
    }
    return true;
}

bool isValidEnvName(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxEnvNameLength)
        return false;
    if (!(isAsciiAlnum(name.front()) || name.front() == u'_') ||
        (name.front() >= u'0' && name.front() <= u'9'))
        return false;
    for (const QChar c : name) {
        if (!isAsciiAlnum(c) && c != u'_')
            return false;
    }
    return true;
}

QString describeKeyPathRule()
{
    return u"a key path is 1 to 512 characters of A-Z a-z 0-9 _ . / -, made of '/'-separated "
           u"segments, with no leading or trailing '/', no empty segment and no '.' or '..' "
           u"segment"_s;
}

QString describeNamespaceRule()
{
    return u"a namespace name is 1 to 64 characters of A-Z a-z 0-9 _ . -, not starting with '.' "
           u"or '-'"_s;
}

QString describeEnvNameRule()
{
    return u"an environment variable name is a letter or '_' followed by letters, digits or '_', "
           u"at most 256 characters"_s;
}

QString describeAgentIdRule()
{
    return u"agent_id must be 1 to 128 characters of A-Z a-z 0-9 _ . @ -"_s;
}

QString describeProjectNameRule()
{
    return u"project_name must be 1 to 128 characters of A-Z a-z 0-9 _ . -,"
           u" not starting with '.' or '-'"_s;
}

} // namespace cortex::protocol
