#include "audit/ExportFormat.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace cortex::audit {

QJsonObject exportHeader(const QString &exportedAt, qint64 firstSeq, qint64 lastSeq)
{
    return {{QStringLiteral("type"), QStringLiteral("header")},
            {QStringLiteral("format"), QLatin1StringView(ExportFormatName)},
            {QStringLiteral("exported_at"), exportedAt},
            {QStringLiteral("first_seq"), firstSeq},
            {QStringLiteral("last_seq"), lastSeq}};
}

VerifyResult verifyExport(QIODevice &in, const ChainVerifier::Keys &keys)
{
    ChainVerifier verifier(keys);
    bool sawHeader = false;
    // The header's last_seq catches an export cut off right after one of its periodic
    // checkpoints, which the chain alone cannot tell from a complete one.
    qint64 headerLastSeq = 0;
    qint64 endSeq = 0; // the last row verified so far, or the prune anchor before the first
    bool sawRow = false;
    qint64 lineNumber = 0;
    while (!in.atEnd()) {
        QByteArray line = in.readLine();
        ++lineNumber;
        if (line.endsWith('\n'))
            line.chop(1);
        if (line.isEmpty())
            continue;
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            verifier.fail(QStringLiteral("line %1 is not a JSON object").arg(lineNumber));
            break;
        }
        const QJsonObject object = doc.object();
        const QString type = object.value(QStringLiteral("type")).toString();
        if (!sawHeader) {
            if (type != u"header" || object.value(QStringLiteral("format")).toString() !=
                                         QLatin1StringView(ExportFormatName)) {
                verifier.fail(QStringLiteral("not a %1 file (line 1 is not its header)")
                                  .arg(QLatin1StringView(ExportFormatName)));
                break;
            }
            const QJsonValue last = object.value(QStringLiteral("last_seq"));
            if (!last.isDouble() || last.toDouble() < 0 ||
                last.toDouble() != double(qint64(last.toDouble()))) {
                verifier.fail(QStringLiteral("line 1 is not a well-formed header"));
                break;
            }
            headerLastSeq = qint64(last.toDouble());
            sawHeader = true;
            continue;
        }
        if (type == u"row") {
            const std::optional<AuditRecord> row = AuditRecord::fromJson(object);
            if (!row) {
                verifier.fail(QStringLiteral("line %1 is not a well-formed row").arg(lineNumber));
                break;
            }
            if (!verifier.addRow(*row))
                break;
            endSeq = row->seq;
            sawRow = true;
        } else if (type == u"checkpoint") {
            const std::optional<Checkpoint> checkpoint = Checkpoint::fromJson(object);
            if (!checkpoint) {
                verifier.fail(
                    QStringLiteral("line %1 is not a well-formed checkpoint").arg(lineNumber));
                break;
            }
            if (!verifier.addCheckpoint(*checkpoint))
                break;
            if (!sawRow)
                endSeq = checkpoint->seq;
        } else {
            verifier.fail(QStringLiteral("line %1 has an unknown type").arg(lineNumber));
            break;
        }
    }
    if (!sawHeader && verifier.result().ok)
        verifier.fail(QStringLiteral("the export is empty"));
    // After finish(), so that unsigned trailing rows are named from their first one.
    if (verifier.finish(std::nullopt, true).ok && endSeq < headerLastSeq)
        verifier.fail(QStringLiteral("the export is cut off: it ends at seq %1 but its header "
                                     "says %2")
                          .arg(endSeq)
                          .arg(headerLastSeq));
    return verifier.result();
}

} // namespace cortex::audit
