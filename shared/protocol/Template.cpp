#include "protocol/Template.h"

#include "protocol/Names.h"

#include <QHash>
#include <algorithm>
#include <cstring>
#include <vector>

using namespace Qt::StringLiterals;
using cortex::crypto::SecureBytes;

namespace cortex::protocol {

namespace {

// A slice of the output: template bytes or a value, in place.
struct Piece
{
    const char *bytes = nullptr;
    std::size_t size = 0;
};

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

bool isNameByte(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

class Renderer
{
public:
    Renderer(QByteArrayView templ,
             const std::function<const SecureBytes *(const QString &)> &lookup)
        : m_templ(templ), m_lookup(lookup)
    {}

    RenderResult run()
    {
        // Pass 1: cut the template into pieces and add up their sizes; nothing is copied, so a
        // value never passes through ordinary memory.
        if (!parse()) {
            m_result.missing.clear();
            return std::move(m_result);
        }
        // Pass 2: one secure allocation of the exact size, filled in place.
        if (m_total > 0) {
            m_result.text = SecureBytes(m_total);
            unsigned char *out = m_result.text.data();
            for (const Piece &piece : m_pieces) {
                if (piece.size > 0)
                    std::memcpy(out, piece.bytes, piece.size);
                out += piece.size;
            }
        }
        return std::move(m_result);
    }

private:
    bool startsWithAt(qsizetype i, QByteArrayView what) const
    {
        return m_templ.sliced(i).startsWith(what);
    }

    bool fail(qsizetype offset, const QString &message)
    {
        m_result.error = message.arg(offset);
        m_result.errorOffset = offset;
        return false;
    }

    bool add(const char *bytes, std::size_t size)
    {
        if (size == 0)
            return true;
        if (size > MaxRenderedTemplateSize - m_total)
            return false;
        m_total += size;
        m_pieces.push_back({bytes, size});
        return true;
    }

    bool addOrFail(const char *bytes, std::size_t size)
    {
        if (add(bytes, size))
            return true;
        m_result.error =
            u"the rendered template would exceed %1 bytes"_s.arg(MaxRenderedTemplateSize);
        m_result.errorOffset = -1;
        return false;
    }

    bool literal(qsizetype from, qsizetype to)
    {
        return addOrFail(m_templ.data() + from, std::size_t(to - from));
    }

    const SecureBytes *value(const QString &name)
    {
        const auto known = m_values.constFind(name);
        if (known != m_values.constEnd())
            return *known;
        const SecureBytes *v = m_lookup ? m_lookup(name) : nullptr;
        m_values.insert(name, v);
        if (!v)
            m_result.missing << name;
        return v;
    }

    // The tag whose first '{' is at `start`; answers the offset just past it, or -1 on error.
    qsizetype tag(qsizetype start)
    {
        const bool triple = startsWithAt(start, "{{{");
        const qsizetype open = start + (triple ? 3 : 2);
        const qsizetype close = m_templ.indexOf("}}", open);
        if (close < 0) {
            fail(start, u"unterminated tag at byte %1: no closing '}}'"_s);
            return -1;
        }
        qsizetype nameBegin = open;
        qsizetype nameEnd = close;
        while (nameBegin < nameEnd && isBlank(m_templ[nameBegin]))
            ++nameBegin;
        while (nameEnd > nameBegin && isBlank(m_templ[nameEnd - 1]))
            --nameEnd;
        const QByteArrayView name = m_templ.sliced(nameBegin, nameEnd - nameBegin);
        if (!name.isEmpty() && QByteArrayView("#^/!>&=<$").contains(name.front())) {
            fail(start, u"unsupported tag at byte %1: only variables ({{NAME}}) are supported, "
                        u"not sections, comments or partials"_s);
            return -1;
        }
        const bool nameBytesOk =
            !name.isEmpty() && std::all_of(name.begin(), name.end(), isNameByte);
        const QString key = nameBytesOk ? QString::fromLatin1(name) : QString();
        if (!nameBytesOk || !isValidEnvName(key)) {
            fail(start, u"invalid name in the tag at byte %1: "_s);
            m_result.error += describeEnvNameRule();
            return -1;
        }
        qsizetype end = close + 2;
        if (triple) {
            if (end >= m_templ.size() || m_templ[end] != '}') {
                fail(start, u"the tag at byte %1 opens with '{{{' but closes with '}}'"_s);
                return -1;
            }
            ++end;
        }
        const SecureBytes *v = value(key);
        if (v && !addOrFail(reinterpret_cast<const char *>(v->data()), v->size()))
            return -1;
        return end;
    }

    bool parse()
    {
        qsizetype literalStart = 0;
        qsizetype i = 0;
        const qsizetype n = m_templ.size();
        while (i < n) {
            const char c = m_templ[i];
            if (c == '\\' && startsWithAt(i, "\\\\{{")) {
                // A literal backslash, then a real tag.
                if (!literal(literalStart, i + 1))
                    return false;
                i += 2;
                literalStart = i;
            } else if (c == '\\' && startsWithAt(i, "\\{{")) {
                if (!literal(literalStart, i) || !literal(i + 1, i + 3))
                    return false;
                i += 3;
                literalStart = i;
            } else if (c == '{' && startsWithAt(i, "{{")) {
                if (!literal(literalStart, i))
                    return false;
                i = tag(i);
                if (i < 0)
                    return false;
                literalStart = i;
            } else {
                ++i;
            }
        }
        return literal(literalStart, n);
    }

    QByteArrayView m_templ;
    const std::function<const SecureBytes *(const QString &)> &m_lookup;
    RenderResult m_result;
    std::vector<Piece> m_pieces;
    std::size_t m_total = 0;
    QHash<QString, const SecureBytes *> m_values; // asked once per name
};

} // namespace

RenderResult renderTemplate(
    QByteArrayView templ,
    const std::function<const cortex::crypto::SecureBytes *(const QString &name)> &lookup)
{
    return Renderer(templ, lookup).run();
}

} // namespace cortex::protocol
