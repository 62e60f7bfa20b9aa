// store::timestamp() against Qt's own ISO 8601 formatting: the stored form must not change
// when the fast formatter is used, at any instant, in any time zone of the input.

#include "store/Timestamps.h"

#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

class TestTimestamps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void knownInstants();
    void agreesWithQtAtRandomInstants();
    void inputTimeZoneDoesNotMatter();
};

void TestTimestamps::knownInstants()
{
    QCOMPARE(cortex::store::timestamp(QDateTime::fromMSecsSinceEpoch(0, Qt::UTC)),
             QStringLiteral("1970-01-01T00:00:00.000Z"));
    QCOMPARE(
        cortex::store::timestamp(QDateTime(QDate(2026, 11, 23), QTime(10, 15, 30, 123), Qt::UTC)),
        QStringLiteral("2026-11-23T10:15:30.123Z"));
    QCOMPARE(
        cortex::store::timestamp(QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), Qt::UTC)),
        QStringLiteral("2024-02-29T23:59:59.999Z"));
    // Before 1970: milliseconds count down from the next whole second.
    QCOMPARE(cortex::store::timestamp(QDateTime::fromMSecsSinceEpoch(-1, Qt::UTC)),
             QStringLiteral("1969-12-31T23:59:59.999Z"));
}

void TestTimestamps::agreesWithQtAtRandomInstants()
{
    QRandomGenerator random(20261123);
    const qint64 from = QDateTime(QDate(1000, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    const qint64 to =
        QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), Qt::UTC).toMSecsSinceEpoch();
    for (int i = 0; i < 100000; ++i) {
        const QDateTime t = QDateTime::fromMSecsSinceEpoch(random.bounded(from, to), Qt::UTC);
        QCOMPARE(cortex::store::timestamp(t), t.toString(Qt::ISODateWithMs));
    }
}

void TestTimestamps::inputTimeZoneDoesNotMatter()
{
    const QDateTime utc(QDate(2026, 3, 29), QTime(1, 30, 0, 5), Qt::UTC);
    const QDateTime berlin = utc.toTimeZone(QTimeZone("Europe/Berlin"));
    const QDateTime offset = utc.toOffsetFromUtc(-(9 * 3600 + 30 * 60));
    QCOMPARE(cortex::store::timestamp(berlin), QStringLiteral("2026-03-29T01:30:00.005Z"));
    QCOMPARE(cortex::store::timestamp(offset), QStringLiteral("2026-03-29T01:30:00.005Z"));
    QCOMPARE(cortex::store::timestamp(utc.toLocalTime()),
             QStringLiteral("2026-03-29T01:30:00.005Z"));
}

QTEST_GUILESS_MAIN(TestTimestamps)
#include "tst_timestamps.moc"
