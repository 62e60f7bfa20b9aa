#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArrayView>
#include <QString>
#include <vector>

namespace cortex::protocol {

// A .env parser whose values come out byte for byte as written. Rules:
//
//  * Input is UTF-8 (a leading UTF-8 BOM is ignored). Lines end in LF or CRLF: a CR right
//    before an LF (or at the very end of the input) is dropped, everywhere, including inside
//    multi-line quoted values, so a CRLF file gives exactly the values of its LF twin. Any other
//    CR is an ordinary character.
//  * "Whitespace" below means space and tab only.
//  * Blank lines and lines whose first non-blank character is '#' are skipped.
//  * `KEY=value`, with optional whitespace around KEY and around '=', and an optional leading
//    `export ` (followed by at least one blank; `export=x` sets a variable named "export").
//  * KEY must be a POSIX name, [A-Za-z_][A-Za-z0-9_]* of at most 256 characters; otherwise the
//    line (with its quoted value, if that spans lines) is reported as a problem and skipped.
//    A line with no '=' is a problem too.
//  * Value forms, chosen by the first character after '=' and its whitespace:
//    - unquoted: the rest of the line, trailing whitespace trimmed. A '#' starts a comment only
//      when preceded by whitespace: `A=a#b` gives "a#b", `A=a #c` gives "a", `A= #c` gives "".
//      '=', quotes and backslashes inside are literal: `A=x=y"z` gives `x=y"z`.
//    - 'single-quoted': literal, no escapes at all; may span lines up to the closing quote.
//    - "double-quoted": may span lines (the line breaks are kept as LF). Escapes: \n \r \t \"
//      \\ \$ ; any other backslash is kept as is (`"a\qb"` gives `a\qb`, and a backslash at the
//      end of a line is kept, followed by the line break).
//    - after a closing quote, only whitespace or a '#' comment may follow on that line;
//      anything else is a problem and the variable is skipped.
//    - `A=` (nothing, or only whitespace/comment) is an empty value.
//  * No variable expansion, no command substitution: '$' is always literal.
//  * An unterminated quote is a problem ("unterminated quote starting at line N"); parsing
//    resumes on the line after the opening line.
//  * A value that is not valid UTF-8 or contains a NUL byte is a problem (it could not be sent
//    through the JSON API, nor placed in an environment).
//  * Duplicate keys: the last one wins; each earlier occurrence is reported as a problem
//    "duplicate key, line N wins" (N = line of the winner).
//  * Parsing never stops at a problem; entries keep the file order of their (winning) lines,
//    problems are sorted by line. Line numbers are 1-based.
//
// Problem reasons never contain a value; `key` is the variable name as written (shortened when
// long), or empty when the line has no '='.
struct DotenvEntry
{
    QString key;
    cortex::crypto::SecureBytes value; // move-only
    int line = 0;
};

struct DotenvProblem
{
    int line = 0;
    QString key;
    QString reason;
};

struct DotenvParseResult
{
    std::vector<DotenvEntry> entries;
    std::vector<DotenvProblem> problems;
};

// At most this many distinct variables are taken from one file; later ones become problems.
inline constexpr std::size_t MaxDotenvEntries = 10000;

DotenvParseResult parseDotenv(QByteArrayView content);

} // namespace cortex::protocol
