// Generated request ids: the format clients and log readers see, never a repeat, and nothing
// in them that counts up (an id must not tell how many requests came before it).
#include "http/RequestId.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <array>
#include <thread>
#include <vector>

using cortex::http::newRequestId;

class TestRequestId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void looksLikeReqAnd16Base64UrlCharacters();
    void neverRepeats();
    void everyPositionTakesEveryCharacter();
    void threadsGetDistinctIds();
};

void TestRequestId::looksLikeReqAnd16Base64UrlCharacters()
{
    static const QRegularExpression format(QStringLiteral("^req_[A-Za-z0-9_-]{16}$"));
    for (int i = 0; i < 1000; ++i) {
        const QString id = newRequestId();
        QVERIFY2(format.match(id).hasMatch(), qPrintable(id));
    }
}

void TestRequestId::neverRepeats()
{
    QSet<QString> seen;
    constexpr int count = 200000;
    seen.reserve(count);
    for (int i = 0; i < count; ++i)
        seen.insert(newRequestId());
    QCOMPARE(seen.size(), count);
}

void TestRequestId::everyPositionTakesEveryCharacter()
{
    // A counter, even an encoded one, leaves its high positions nearly constant. Over 4096 ids
    // a uniform position misses one of its 64 characters with probability about 64 * e^-64.
    std::array<QSet<QChar>, 16> seen;
    for (int i = 0; i < 4096; ++i) {
        const QString id = newRequestId();
        for (std::size_t p = 0; p < seen.size(); ++p)
            seen[p].insert(id.at(4 + qsizetype(p)));
    }
    for (std::size_t p = 0; p < seen.size(); ++p)
        QVERIFY2(
            seen[p].size() == 64,
            qPrintable(QStringLiteral("position %1: %2 characters").arg(p).arg(seen[p].size())));
}

void TestRequestId::threadsGetDistinctIds()
{
    constexpr int perThread = 20000;
    std::array<std::vector<QString>, 4> ids;
    {
        std::vector<std::jthread> threads;
        for (auto &list : ids)
            threads.emplace_back([&list] {
                list.reserve(perThread);
                for (int i = 0; i < perThread; ++i)
                    list.push_back(newRequestId());
            });
    }
    QSet<QString> all;
    for (const auto &list : ids)
        for (const QString &id : list)
            all.insert(id);
    QCOMPARE(all.size(), perThread * int(ids.size()));
}

QTEST_GUILESS_MAIN(TestRequestId)
#include "tst_request_id.moc"
