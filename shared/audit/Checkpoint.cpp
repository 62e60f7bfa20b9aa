#include "audit/Checkpoint.h"

#include "crypto/Base64Url.h"

namespace cortex::audit {

QByteArray Checkpoint::signedMessage() const
{
    return QByteArrayLiteral("cortex-audit-checkpoint-v1\n") + QByteArray::number(seq) + '\n' +
           entryHash.toHex() + '\n' + time.toUtf8() + '\n' + kid.toUtf8();
}

QJsonObject Checkpoint::toJson() const
{
    return {{QStringLiteral("type"), QStringLiteral("checkpoint")},
            {QStringLiteral("seq"), seq},
            {QStringLiteral("entry_hash"), QString::fromLatin1(entryHash.toHex())},
            {QStringLiteral("time"), time},
            {QStringLiteral("kid"), kid},
            {QStringLiteral("signature"), QString::fromLatin1(crypto::base64UrlEncode(signature))}};
}

std::optional<Checkpoint> Checkpoint::fromJson(const QJsonObject &json)
{
    const QJsonValue seq = json.value(QStringLiteral("seq"));
    const QJsonValue hash = json.value(QStringLiteral("entry_hash"));
    const QJsonValue time = json.value(QStringLiteral("time"));
    const QJsonValue kid = json.value(QStringLiteral("kid"));
    const QJsonValue signature = json.value(QStringLiteral("signature"));
    if (!seq.isDouble() || !hash.isString() || !time.isString() || !kid.isString() ||
        !signature.isString())
        return std::nullopt;
    Checkpoint c;
    const double s = seq.toDouble();
    if (s < 0 || s != double(qint64(s)))
        return std::nullopt;
    c.seq = qint64(s);
    const QByteArray hex = hash.toString().toLatin1();
    c.entryHash = QByteArray::fromHex(hex);
    if (hex.size() != 64 || c.entryHash.toHex() != hex)
        return std::nullopt;
    c.time = time.toString();
    c.kid = kid.toString();
    const std::optional<QByteArray> sig = crypto::base64UrlDecode(signature.toString().toLatin1());
    if (!sig || sig->size() != 64)
        return std::nullopt;
    c.signature = *sig;
    return c;
}

} // namespace cortex::audit
