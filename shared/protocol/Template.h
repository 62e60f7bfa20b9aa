#pragma once

#include "crypto/SecureBytes.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <functional>

namespace cortex::protocol {

// Config templates (GET /project/config/{p}/{template}): a logic-less subset of Mustache that
// only substitutes variables, and never escapes them (the reference's Handlebars default turns
// `&<>"'=` in passwords into HTML entities, §18.13).
//
//  * `{{NAME}}`, `{{ NAME }}` (spaces and tabs allowed inside) and `{{{NAME}}}` all insert the
//    value of NAME byte for byte. NAME must be an environment variable name (isValidEnvName).
//  * `\{{` is a literal `{{`; `\\{{` is a literal backslash followed by a tag. Any other
//    backslash, and any `}}` outside a tag, is literal text.
//  * A value is inserted as is and never parsed again, so a value containing `{{X}}` stays that.
//  * A name the lookup does not know is rendered empty and listed (once) in `missing`: whether
//    that is an error is the caller's choice.
//  * Errors: an unterminated tag, an invalid name, a `{{{` closed by `}}`, and any Mustache tag
//    that is not a plain variable (sections, comments, partials, ...). The message gives the
//    byte offset of the tag's first '{' and never quotes the template or a value (a template
//    is itself stored as a secret). On error `text` is empty.
//  * The output is written straight into secure memory (sized first, then filled) and is at
//    most MaxRenderedTemplateSize bytes; more is an error.
struct RenderResult
{
    cortex::crypto::SecureBytes text;
    QStringList missing;
    QString error;              // empty on success
    qsizetype errorOffset = -1; // byte offset of the offending tag, -1 without error
};

inline constexpr std::size_t MaxRenderedTemplateSize = 1024 * 1024;

// `lookup` answers the value of a name, or nullptr when there is none; it is asked once per
// distinct name, and the values it points to must stay alive until renderTemplate returns.
RenderResult renderTemplate(
    QByteArrayView templ,
    const std::function<const cortex::crypto::SecureBytes *(const QString &name)> &lookup);

} // namespace cortex::protocol
