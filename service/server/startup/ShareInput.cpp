#include "startup/ShareInput.h"

#include "startup/PasswordSource.h"

#include <QFile>

namespace cortex::startup {

namespace {

constexpr qint64 MaxShareFileBytes = 4096;

std::optional<shares::Share> parseBytes(QByteArrayView bytes, QString *error)
{
    QString text = QString::fromUtf8(bytes);
    auto parsed = shares::parse(text);
    // The QString held share bytes: overwrite it before it is freed.
    std::fill(text.begin(), text.end(), QChar(u' '));
    if (auto *failure = std::get_if<shares::ParseError>(&parsed)) {
        *error = failure->message;
        return std::nullopt;
    }
    return std::move(std::get<shares::Share>(parsed));
}

} // namespace

std::optional<shares::Share> readShareFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the share file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray content = file.read(MaxShareFileBytes + 1);
    if (content.size() > MaxShareFileBytes) {
        crypto::wipe(content);
        *error = QStringLiteral("the share file %1 is larger than %2 bytes")
                     .arg(path)
                     .arg(MaxShareFileBytes);
        return std::nullopt;
    }
    QString why;
    std::optional<shares::Share> share = parseBytes(content, &why);
    crypto::wipe(content);
    if (!share)
        *error = QStringLiteral("%1: %2").arg(path, why);
    return share;
}

std::optional<shares::Share> readShareFromTerminal(const QString &prompt, QString *error,
                                                   crypto::SecureBytes *line)
{
    error->clear();
    bool tooLong = false;
    *line = readHiddenLine(prompt, &tooLong);
    if (tooLong) {
        *error = QStringLiteral("the line is too long to be a share");
        line->clear();
        return std::nullopt;
    }
    if (line->isEmpty())
        return std::nullopt;
    return parseBytes(line->view(), error);
}

} // namespace cortex::startup
