#include "protocol/Dotenv.h"

#include "protocol/Names.h"
#include "protocol/Utf8.h"

#include <QHash>
#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;
using cortex::crypto::SecureBytes;

namespace cortex::protocol {

namespace {

// One line of the input, [begin, end) in the content, without its LF / CRLF.
struct Line
{
    qsizetype begin;
    qsizetype end;
};

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

std::vector<Line> splitLines(QByteArrayView content)
{
    std::vector<Line> lines;
    qsizetype start = content.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    const auto push = [&](qsizetype end) {
        if (end > start && content[end - 1] == '\r')
            --end;
        lines.push_back({start, end});
    };
    for (qsizetype i = start; i < content.size(); ++i) {
        if (content[i] == '\n') {
            push(i);
            start = i + 1;
        }
    }
    if (start < content.size())
        push(content.size());
    return lines;
}

// Why a value cannot be imported, or nullopt if it can.
std::optional<QString> valueProblem(QByteArrayView value)
{
    if (value.contains('\0'))
        return u"value contains a NUL byte"_s;
    if (!isValidUtf8(value))
        return u"value is not valid UTF-8"_s;
    return std::nullopt;
}

// How a quoted value ends: where, and how many bytes it decodes to.
struct QuotedScan
{
    bool closed = false;
    std::size_t closeLine = 0; // index into lines
    qsizetype afterClose = 0;  // content offset just past the closing quote
    std::size_t decodedSize = 0;
};

// Decodes the quoted value that starts at `pos` (just past the opening quote) on line `first`.
// Run twice: with out == nullptr to learn the size, then to write straight into secure memory,
// so the value never sits in an ordinary growing buffer.
QuotedScan scanQuoted(QByteArrayView content, const std::vector<Line> &lines, std::size_t first,
                      qsizetype pos, char quote, unsigned char *out)
{
    QuotedScan scan;
    const auto put = [&](char c) {
        if (out)
            out[scan.decodedSize] = static_cast<unsigned char>(c);
        ++scan.decodedSize;
    };
    for (std::size_t l = first; l < lines.size(); ++l) {
        qsizetype p = pos;
        if (l != first) {
            put('\n');
            p = lines[l].begin;
        }
        const qsizetype end = lines[l].end;
        while (p < end) {
            const char c = content[p];
            if (c == quote) {
                scan.closed = true;
                scan.closeLine = l;
                scan.afterClose = p + 1;
                return scan;
            }
            if (quote == '"' && c == '\\' && p + 1 < end) {
                const char e = content[p + 1];
                char decoded = 0;
                switch (e) {
                case 'n':
                    decoded = '\n';
                    break;
                case 'r':
                    decoded = '\r';
                    break;
                case 't':
                    decoded = '\t';
                    break;
                case '"':
                case '\\':
                case '$':
                    decoded = e;
                    break;
                default:
                    break; // not an escape: the backslash is kept as is
                }
                if (decoded != 0) {
                    put(decoded);
                    p += 2;
                    continue;
                }
            }
            put(c);
            ++p;
        }
    }
    return scan;
}

// The variable name as shown in a problem: bounded, since a broken line may be anything.
QString shownKey(QByteArrayView key)
{
    constexpr qsizetype MaxShown = 64;
    if (key.size() <= MaxShown)
        return QString::fromUtf8(key);
    return QString::fromUtf8(key.first(MaxShown)) + u"..."_s;
}

class Parser
{
public:
    explicit Parser(QByteArrayView content) : m_content(content), m_lines(splitLines(content)) {}

    DotenvParseResult run()
    {
        std::size_t next = 0;
        while (next < m_lines.size())
            next = parseLine(next);
        resolveDuplicates();
        std::stable_sort(
            m_result.problems.begin(), m_result.problems.end(),
            [](const DotenvProblem &a, const DotenvProblem &b) { return a.line < b.line; });
        return std::move(m_result);
    }

private:
    static int lineNumber(std::size_t index) { return static_cast<int>(index) + 1; }

    qsizetype skipBlanks(qsizetype p, qsizetype end) const
    {
        while (p < end && isBlank(m_content[p]))
            ++p;
        return p;
    }

    void problem(std::size_t index, QString key, QString reason)
    {
        m_result.problems.push_back({lineNumber(index), std::move(key), std::move(reason)});
    }

    // Parses the line at `index` (and, for a multi-line value, the lines it spans); answers the
    // index of the next line to parse.
    std::size_t parseLine(std::size_t index)
    {
        const Line line = m_lines[index];
        qsizetype p = skipBlanks(line.begin, line.end);
        if (p == line.end || m_content[p] == '#')
            return index + 1;

        const QByteArrayView rest = m_content.sliced(p, line.end - p);
        if (rest.size() > 6 && rest.startsWith("export") && isBlank(rest[6])) {
            const qsizetype afterExport = skipBlanks(p + 6, line.end);
            // `export = x` names a variable "export"; keep that reading.
            if (afterExport < line.end && m_content[afterExport] != '=')
                p = afterExport;
        }

        const qsizetype eq = m_content.sliced(0, line.end).indexOf('=', p);
        if (eq < 0) {
            // No key reported: without '=' we cannot tell a name from a stray secret.
            problem(index, QString(), u"no '=' on this line"_s);
            return index + 1;
        }

        qsizetype keyEnd = eq;
        while (keyEnd > p && isBlank(m_content[keyEnd - 1]))
            --keyEnd;
        const QByteArrayView keyBytes = m_content.sliced(p, keyEnd - p);
        const QString key = QString::fromUtf8(keyBytes);
        const qsizetype v = skipBlanks(eq + 1, line.end);
        if (!isValidEnvName(key)) {
            problem(index, shownKey(keyBytes),
                    u"invalid variable name: "_s + describeEnvNameRule());
            // Skip a multi-line quoted value too, or its lines would be read as entries.
            if (v < line.end && (m_content[v] == '\'' || m_content[v] == '"')) {
                const QuotedScan scan =
                    scanQuoted(m_content, m_lines, index, v + 1, m_content[v], nullptr);
                if (scan.closed)
                    return scan.closeLine + 1;
            }
            return index + 1;
        }

        if (v < line.end && (m_content[v] == '\'' || m_content[v] == '"'))
            return parseQuoted(index, key, v);

        // Unquoted: a '#' after whitespace starts a comment (`a#b` keeps its '#').
        qsizetype end = v;
        while (end < line.end && !(m_content[end] == '#' && isBlank(m_content[end - 1])))
            ++end;
        while (end > v && isBlank(m_content[end - 1]))
            --end;
        const QByteArrayView value = m_content.sliced(v, end - v);
        if (const auto why = valueProblem(value)) {
            problem(index, key, *why);
            return index + 1;
        }
        addEntry(index, key, SecureBytes::copyOf(value));
        return index + 1;
    }

    std::size_t parseQuoted(std::size_t index, const QString &key, qsizetype quotePos)
    {
        const char quote = m_content[quotePos];
        const QuotedScan scan = scanQuoted(m_content, m_lines, index, quotePos + 1, quote, nullptr);
        if (!scan.closed) {
            problem(index, key, u"unterminated quote starting at line %1"_s.arg(lineNumber(index)));
            return index + 1;
        }

        const qsizetype closeLineEnd = m_lines[scan.closeLine].end;
        const qsizetype after = skipBlanks(scan.afterClose, closeLineEnd);
        if (after < closeLineEnd && m_content[after] != '#') {
            problem(index, key, u"unexpected text after the closing quote"_s);
            return scan.closeLine + 1;
        }

        SecureBytes value;
        if (scan.decodedSize > 0) {
            value = SecureBytes(scan.decodedSize);
            scanQuoted(m_content, m_lines, index, quotePos + 1, quote, value.data());
        }
        if (const auto why = valueProblem(value.view())) {
            problem(index, key, *why);
            return scan.closeLine + 1;
        }
        addEntry(index, key, std::move(value));
        return scan.closeLine + 1;
    }

    // Last one wins. The value being replaced is released at once, so a file repeating one key
    // many times never holds more than one of its values in secure memory (a limited resource:
    // each allocation has guard pages).
    void addEntry(std::size_t index, const QString &key, SecureBytes value)
    {
        const auto previous = m_live.constFind(key);
        if (previous == m_live.constEnd() && std::size_t(m_live.size()) >= MaxDotenvEntries) {
            // Bounded, because every live value holds guarded secure memory.
            problem(index, key,
                    u"more than %1 variables in one file; not imported"_s.arg(MaxDotenvEntries));
            return;
        }
        if (previous != m_live.constEnd()) {
            DotenvEntry &loser = m_result.entries[*previous];
            m_losers.push_back({loser.line, key});
            loser.value.clear();
            loser.line = 0; // marks it dead until resolveDuplicates() compacts
        }
        m_live.insert(key, m_result.entries.size());
        m_result.entries.push_back({key, std::move(value), lineNumber(index)});
    }

    void resolveDuplicates()
    {
        if (m_losers.empty())
            return;
        for (const auto &[line, key] : m_losers) {
            const int winnerLine = m_result.entries[m_live.value(key)].line;
            m_result.problems.push_back(
                {line, key, u"duplicate key, line %1 wins"_s.arg(winnerLine)});
        }
        std::erase_if(m_result.entries, [](const DotenvEntry &e) { return e.line == 0; });
    }

    QByteArrayView m_content;
    std::vector<Line> m_lines;
    DotenvParseResult m_result;
    QHash<QString, std::size_t> m_live;            // key -> index of its current entry
    std::vector<std::pair<int, QString>> m_losers; // (line, key) of replaced entries
};

} // namespace

DotenvParseResult parseDotenv(QByteArrayView content)
{
    return Parser(content).run();
}

} // namespace cortex::protocol
