#include "audit/AuditRecord.h"

#include "crypto/Hash.h"
#include "protocol/AppendText.h"

#include <QJsonValue>
#include <QtEndian>
#include <cstring>

namespace cortex::audit {

namespace {

// Each field: its UTF-8 (or decimal) bytes after their length as 4 bytes big-endian, written in
// place (the length is filled in once the bytes are there): no temporary per field.
template <typename AppendBytes> void appendField(QByteArray &out, AppendBytes &&appendBytes)
{
    const qsizetype at = out.size();
    out.append(4, '\0');
    appendBytes(out);
    const quint32 length = qToBigEndian(quint32(out.size() - at - 4));
    std::memcpy(out.data() + at, &length, sizeof length);
}

void appendText(QByteArray &out, const QString &text)
{
    appendField(out, [&text](QByteArray &o) { protocol::appendUtf8(o, text); });
}

void appendNumber(QByteArray &out, qint64 value)
{
    appendField(out, [value](QByteArray &o) { protocol::appendDecimal(o, value); });
}

void appendCanonical(QByteArray &out, const AuditRecord &r)
{
    out += "cortex-audit-v1";
    appendNumber(out, r.seq);
    appendText(out, r.time);
    appendText(out, r.actorType);
    appendText(out, r.actor);
    appendText(out, r.action);
    appendText(out, r.resource);
    appendText(out, r.status);
    appendText(out, r.sourceAddress);
    appendText(out, r.requestId);
    if (r.callerPid)
        appendNumber(out, *r.callerPid);
    else
        appendField(out, [](QByteArray &) {});
    appendText(out, r.callerBinarySha256);
    appendText(out, r.callerArgvHash);
    appendText(out, r.callerCwd);
    appendText(out, r.callerGitCommit);
    appendText(out, r.callerHostname);
    appendText(out, r.callerOs);
    appendText(out, r.detail);
    appendNumber(out, r.macKeyId);
}

} // namespace

QByteArray chainInput(const AuditRecord &record)
{
    QByteArray out;
    out.reserve(512);
    out += record.prevHash;
    appendCanonical(out, record);
    return out;
}

QByteArray canonicalBytes(const AuditRecord &r)
{
    QByteArray out;
    out.reserve(512);
    appendCanonical(out, r);
    return out;
}

QByteArray genesisHash()
{
    return QByteArray(32, '\0');
}

QByteArray computeEntryHash(const AuditRecord &record)
{
    return crypto::sha256(chainInput(record));
}

QByteArray computeEntryHmac(QByteArrayView macKey, const AuditRecord &record)
{
    return crypto::hmacSha256(macKey, chainInput(record));
}

QJsonObject AuditRecord::toJson() const
{
    QJsonObject json{
        {QStringLiteral("type"), QStringLiteral("row")},
        {QStringLiteral("seq"), seq},
        {QStringLiteral("time"), time},
        {QStringLiteral("actor_type"), actorType},
        {QStringLiteral("actor"), actor},
        {QStringLiteral("action"), action},
        {QStringLiteral("resource"), resource},
        {QStringLiteral("status"), status},
        {QStringLiteral("source_address"), sourceAddress},
        {QStringLiteral("request_id"), requestId},
        {QStringLiteral("caller_pid"), callerPid ? QJsonValue(*callerPid) : QJsonValue()},
        {QStringLiteral("caller_binary_sha256"), callerBinarySha256},
        {QStringLiteral("caller_argv_hash"), callerArgvHash},
        {QStringLiteral("caller_cwd"), callerCwd},
        {QStringLiteral("caller_git_commit"), callerGitCommit},
        {QStringLiteral("caller_hostname"), callerHostname},
        {QStringLiteral("caller_os"), callerOs},
        {QStringLiteral("detail"), detail},
        {QStringLiteral("mac_key_id"), macKeyId},
        {QStringLiteral("prev_hash"), QString::fromLatin1(prevHash.toHex())},
        {QStringLiteral("entry_hash"), QString::fromLatin1(entryHash.toHex())},
        {QStringLiteral("entry_hmac"), QString::fromLatin1(entryHmac.toHex())},
    };
    return json;
}

namespace {

struct FieldReader
{
    const QJsonObject &json;
    bool ok = true;

    QString text(const char *name)
    {
        const QJsonValue v = json.value(QLatin1StringView(name));
        if (!v.isString()) {
            ok = false;
            return {};
        }
        return v.toString();
    }
    qint64 integer(const char *name)
    {
        const QJsonValue v = json.value(QLatin1StringView(name));
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d < 0 || d != double(qint64(d))) {
            ok = false;
            return 0;
        }
        return qint64(d);
    }
    QByteArray hash(const char *name)
    {
        const QString hex = text(name);
        const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
        if (hex.size() != 64 || bytes.toHex() != hex.toLatin1())
            ok = false;
        return bytes;
    }
};

} // namespace

std::optional<AuditRecord> AuditRecord::fromJson(const QJsonObject &json)
{
    FieldReader f{json};
    AuditRecord r;
    r.seq = f.integer("seq");
    r.time = f.text("time");
    r.actorType = f.text("actor_type");
    r.actor = f.text("actor");
    r.action = f.text("action");
    r.resource = f.text("resource");
    r.status = f.text("status");
    r.sourceAddress = f.text("source_address");
    r.requestId = f.text("request_id");
    if (const QJsonValue pid = json.value(QStringLiteral("caller_pid"));
        !pid.isNull() && !pid.isUndefined())
        r.callerPid = f.integer("caller_pid");
    r.callerBinarySha256 = f.text("caller_binary_sha256");
    r.callerArgvHash = f.text("caller_argv_hash");
    r.callerCwd = f.text("caller_cwd");
    r.callerGitCommit = f.text("caller_git_commit");
    r.callerHostname = f.text("caller_hostname");
    r.callerOs = f.text("caller_os");
    r.detail = f.text("detail");
    r.macKeyId = int(f.integer("mac_key_id"));
    r.prevHash = f.hash("prev_hash");
    r.entryHash = f.hash("entry_hash");
    r.entryHmac = f.hash("entry_hmac");
    if (!f.ok)
        return std::nullopt;
    return r;
}

} // namespace cortex::audit
