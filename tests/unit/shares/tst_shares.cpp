// Shamir splitting (crypto/Shamir.h) and the share text formats (shares/ShareCodec.h): what an
// officer notices is whether the right shares give the key back, whether libgfshare's own
// tools agree with us, and whether a mistyped share is caught and located.

#include "crypto/Random.h"
#include "crypto/SecureBytes.h"
#include "crypto/Shamir.h"
#include "shares/ShareCodec.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <stdexcept>

using cortex::crypto::SecureBytes;
namespace shamir = cortex::crypto::shamir;
namespace shares = cortex::shares;

namespace {

// Known answers, computed once with an independent Python 3 script (hashlib, hmac, base64 and
// a 20-line base32/group-check implementation written from the format description in
// ShareCodec.h, not from the C++ code):
//   B = bytes([1]) + keyId + bytes([index, threshold]) + payload; C = sha256(B)[:4]
//   text = "cvshare1:%s:%d:%d:%s:%s" % (keyId.hex(), index, threshold,
//          urlsafe_b64encode(payload).rstrip("="), C.hex())
//   groups: bits of B + C, zero-filled to 5, values padded with 0 to a multiple of 4, each
//   group of 4 followed by A[(sum(v * (i + 1)) + 7 * g) % 32]
const QByteArray KnownKeyId = QByteArray::fromHex("3f9a0c1b22e4d5f6");
constexpr quint8 KnownIndex = 2;
constexpr quint8 KnownThreshold = 3;
QByteArray knownPayload() // 00 01 02 ... 1f
{
    QByteArray bytes(32, Qt::Uninitialized);
    for (int i = 0; i < 32; ++i)
        bytes[i] = static_cast<char>(i);
    return bytes;
}
const QString KnownText = QStringLiteral(
    "cvshare1:3f9a0c1b22e4d5f6:2:3:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8:54ca82e6");
const QString KnownGroups =
    QStringLiteral("04ZS9 M30VD 4BJDJ BXG2J 0C00M 20G31 0G2GG C1R87 1450G P30DF 1R7HG 048JN "
                   "2CA1G A5GQV 30CHD M6RW1 3MF1C YN6AS GBK0X");
// keyId 0011223344556677, index 255, threshold 255, payload ff: the shortest share (7 groups,
// where two byte lengths pad to the same number of characters).
const QString ShortText = QStringLiteral("cvshare1:0011223344556677:255:255:_w:9f62c0ae");
const QString ShortGroups = QStringLiteral("0401C 28HKR 8HAPE CXZZM ZZZST YRP0K NR00F");
// The known share with version byte 7 (and a checksum over that body).
const QString Version7Groups =
    QStringLiteral("0WZSS M30VD 4BJDJ BXG2J 0C00M 20G31 0G2GG C1R87 1450G P30DF 1R7HG 048JN "
                   "2CA1G A5GQV 30CHD M6RW1 3MF1C YP4MX F0NGC");
// keyIdOf(00 01 .. 1f) = hmac.new(key, b"cortex-vault/share-key-id/v1", sha256)[:8]
const QString KnownKeyIdOf = QStringLiteral("74f01fdfdb52d440");

const QString Base32Alphabet = QStringLiteral("0123456789ABCDEFGHJKMNPQRSTVWXYZ");

shares::Share knownShare()
{
    shares::Share share;
    share.keyId = KnownKeyId;
    share.index = KnownIndex;
    share.threshold = KnownThreshold;
    share.payload = SecureBytes::copyOf(knownPayload());
    return share;
}

shares::Share makeShare(QByteArray keyId, int index, int threshold, QByteArrayView payload)
{
    shares::Share share;
    share.keyId = std::move(keyId);
    share.index = static_cast<quint8>(index);
    share.threshold = static_cast<quint8>(threshold);
    share.payload = SecureBytes::copyOf(payload);
    return share;
}

QString describe(const std::variant<shares::Share, shares::ParseError> &result)
{
    if (const auto *error = std::get_if<shares::ParseError>(&result))
        return error->code + QStringLiteral(": ") + error->message;
    return QStringLiteral("parsed");
}

bool sameShare(const shares::Share &a, const shares::Share &b)
{
    return a.keyId == b.keyId && a.index == b.index && a.threshold == b.threshold &&
           a.payload.equals(b.payload);
}

std::vector<shamir::RawShare> pick(const std::vector<shamir::RawShare> &all, quint32 mask)
{
    std::vector<shamir::RawShare> out;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (mask & (1u << i))
            out.push_back({all[i].index, all[i].payload.clone()});
    }
    return out;
}

bool combinesTo(const std::vector<shamir::RawShare> &subset, const SecureBytes &secret)
{
    const auto combined = shamir::combine(subset);
    return combined && combined->equals(secret);
}

QString shareFileName(const QString &stem, int index)
{
    return stem + QStringLiteral(".%1").arg(index, 3, 10, QLatin1Char('0'));
}

} // namespace

class TestShares : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- Shamir ----

    void everySubsetAtTheThresholdCombines_data()
    {
        QTest::addColumn<int>("threshold");
        QTest::addColumn<int>("count");
        QTest::newRow("2-of-2") << 2 << 2;
        QTest::newRow("2-of-3") << 2 << 3;
        QTest::newRow("3-of-5") << 3 << 5;
        QTest::newRow("5-of-5") << 5 << 5;
        QTest::newRow("4-of-7") << 4 << 7;
    }

    void everySubsetAtTheThresholdCombines()
    {
        QFETCH(int, threshold);
        QFETCH(int, count);
        const SecureBytes secret = SecureBytes::random(32);
        const auto all = shamir::split(secret, threshold, count);
        QCOMPARE(all.size(), std::size_t(count));
        for (int i = 0; i < count; ++i) {
            QCOMPARE(all[std::size_t(i)].index, quint8(i + 1));
            QCOMPARE(all[std::size_t(i)].payload.size(), secret.size());
        }
        int enough = 0;
        int tooFew = 0;
        for (quint32 mask = 1; mask < (1u << count); ++mask) {
            const int size = qPopulationCount(mask);
            const auto subset = pick(all, mask);
            if (size >= threshold) {
                QVERIFY2(combinesTo(subset, secret), qPrintable(QString::number(mask, 2)));
                ++enough;
            } else {
                // One share is refused; 2..threshold-1 give a value, never the secret.
                QVERIFY2(!combinesTo(subset, secret), qPrintable(QString::number(mask, 2)));
                if (size == 1)
                    QVERIFY(!shamir::combine(subset));
                ++tooFew;
            }
        }
        if (threshold == 3 && count == 5) {
            QCOMPARE(enough, 10 + 5 + 1); // all 10 three-share subsets, plus the larger ones
            QCOMPARE(tooFew, 10 + 5);
        }
    }

    void largestSplit()
    {
        const SecureBytes secret = SecureBytes::random(32);
        const auto all = shamir::split(secret, 255, 255);
        QCOMPARE(all.size(), std::size_t(255));
        std::vector<shamir::RawShare> every;
        for (const auto &share : all)
            every.push_back({share.index, share.payload.clone()});
        QVERIFY(combinesTo(every, secret));
        // Any one share missing: no secret.
        for (std::size_t missing : {std::size_t(0), std::size_t(100), std::size_t(254)}) {
            std::vector<shamir::RawShare> fewer;
            for (std::size_t i = 0; i < all.size(); ++i) {
                if (i != missing)
                    fewer.push_back({all[i].index, all[i].payload.clone()});
            }
            QVERIFY(!combinesTo(fewer, secret));
        }
    }

    void splitIsRandomized()
    {
        const SecureBytes secret = SecureBytes::random(32);
        const auto a = shamir::split(secret, 2, 3);
        const auto b = shamir::split(secret, 2, 3);
        QVERIFY(!a[0].payload.equals(b[0].payload));
        // With the secret at x = 0 a share must not simply be the secret.
        for (const auto &share : a)
            QVERIFY(!share.payload.equals(secret));
    }

    void splitRejectsBadParameters()
    {
        const SecureBytes secret = SecureBytes::random(32);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(secret, 1, 3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(secret, 0, 3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(secret, 4, 3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(secret, 2, 256));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(secret, 256, 256));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shamir::split(SecureBytes(), 2, 3));
        QCOMPARE(shamir::split(secret, 2, 255).size(), std::size_t(255));
        QCOMPARE(shamir::split(SecureBytes::random(1), 2, 2).size(), std::size_t(2));
    }

    void combineRejectsBadShareSets()
    {
        const SecureBytes secret = SecureBytes::random(32);
        const auto all = shamir::split(secret, 2, 3);
        auto set = [&](std::initializer_list<std::pair<int, int>> picks) {
            std::vector<shamir::RawShare> out; // (position in all, index to claim)
            for (auto [position, index] : picks)
                out.push_back({quint8(index), all[std::size_t(position)].payload.clone()});
            return out;
        };
        QVERIFY(combinesTo(set({{0, 1}, {2, 3}}), secret));
        QVERIFY(!shamir::combine(set({{0, 1}, {0, 1}}))); // the same share twice
        QVERIFY(!shamir::combine(set({{0, 1}, {2, 1}}))); // duplicate index
        QVERIFY(!shamir::combine(set({{0, 0}, {2, 3}}))); // index 0
        QVERIFY(!shamir::combine(set({{0, 1}})));         // one share
        QVERIFY(!shamir::combine({}));                    // none
        auto unequal = set({{0, 1}, {2, 3}});
        unequal[1].payload = SecureBytes::random(31);
        QVERIFY(!shamir::combine(unequal));
        auto empty = set({{0, 1}, {2, 3}});
        empty[0].payload = SecureBytes();
        empty[1].payload = SecureBytes();
        QVERIFY(!shamir::combine(empty));
        // Wrong index claimed for a share: a value, but not the secret.
        QVERIFY(!combinesTo(set({{0, 2}, {2, 3}}), secret));
    }

    void gfcombineReadsOurShares()
    {
        const QString gfcombine = QStandardPaths::findExecutable(QStringLiteral("gfcombine"));
        if (gfcombine.isEmpty())
            QSKIP("gfcombine (libgfshare-bin) is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const SecureBytes secret = SecureBytes::random(32);
        const auto all = shamir::split(secret, 3, 5);
        const QString stem = dir.filePath(QStringLiteral("key"));
        for (const auto &share : all) {
            QFile file(shareFileName(stem, share.index));
            QVERIFY(file.open(QIODevice::WriteOnly));
            QCOMPARE(file.write(share.payload.view().toByteArray()), qint64(32));
        }
        const QString out = dir.filePath(QStringLiteral("out"));
        QProcess process;
        process.start(gfcombine, {QStringLiteral("-o"), out, shareFileName(stem, 1),
                                  shareFileName(stem, 3), shareFileName(stem, 5)});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        QFile result(out);
        QVERIFY(result.open(QIODevice::ReadOnly));
        QVERIFY(SecureBytes::copyOf(result.readAll()).equals(secret));
    }

    void weReadGfsplitShares()
    {
        const QString gfsplit = QStandardPaths::findExecutable(QStringLiteral("gfsplit"));
        if (gfsplit.isEmpty())
            QSKIP("gfsplit (libgfshare-bin) is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray secret = cortex::crypto::randomBytes(32);
        const QString secretFile = dir.filePath(QStringLiteral("secret"));
        {
            QFile file(secretFile);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(secret);
        }
        QProcess process;
        process.start(gfsplit,
                      {QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("-m"),
                       QStringLiteral("5"), secretFile, dir.filePath(QStringLiteral("split"))});
        QVERIFY(process.waitForFinished(30000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        // gfsplit picks random distinct indices; they are the file name suffixes.
        const QStringList files =
            QDir(dir.path()).entryList({QStringLiteral("split.*")}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 5);
        std::vector<shamir::RawShare> read;
        for (const QString &name : files) {
            bool ok = false;
            const int index = name.sliced(name.lastIndexOf(u'.') + 1).toInt(&ok);
            QVERIFY(ok && index >= 1 && index <= 255);
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::ReadOnly));
            read.push_back({quint8(index), SecureBytes::copyOf(file.readAll())});
        }
        const SecureBytes expected = SecureBytes::copyOf(secret);
        for (quint32 mask : {0b00111u, 0b10101u, 0b11100u, 0b11111u})
            QVERIFY(combinesTo(pick(read, mask), expected));
        QVERIFY(!combinesTo(pick(read, 0b00011u), expected));
    }

    // ---- share codec ----

    void knownAnswers()
    {
        const shares::Share share = knownShare();
        QCOMPARE(shares::toText(share), KnownText);
        QCOMPARE(shares::toGroups(share), KnownGroups);
        const shares::Share shortShare =
            makeShare(QByteArray::fromHex("0011223344556677"), 255, 255, "\xff");
        QCOMPARE(shares::toText(shortShare), ShortText);
        QCOMPARE(shares::toGroups(shortShare), ShortGroups);
        for (const QString &text : {KnownText, KnownGroups}) {
            const auto parsed = shares::parse(text);
            QVERIFY2(std::holds_alternative<shares::Share>(parsed), qPrintable(describe(parsed)));
            QVERIFY(sameShare(std::get<shares::Share>(parsed), share));
        }
        for (const QString &text : {ShortText, ShortGroups}) {
            const auto parsed = shares::parse(text);
            QVERIFY2(std::holds_alternative<shares::Share>(parsed), qPrintable(describe(parsed)));
            QVERIFY(sameShare(std::get<shares::Share>(parsed), shortShare));
        }
    }

    void roundTrips()
    {
        auto *rng = QRandomGenerator::global();
        QList<int> sizes = {1, 2, 3, 4, 5, 16, 31, 32, 33, 63, 64};
        for (int i = 0; i < 200; ++i)
            sizes.append(rng->bounded(1, 65));
        for (int size : sizes) {
            const shares::Share share =
                makeShare(cortex::crypto::randomBytes(8), rng->bounded(1, 256),
                          rng->bounded(2, 256), cortex::crypto::randomBytes(std::size_t(size)));
            const QString text = shares::toText(share);
            const QString groups = shares::toGroups(share);
            QVERIFY(!text.contains(u' '));
            QVERIFY(groups.split(u' ').size() * 6 - 1 == groups.size()); // "XXXXX XXXXX"
            for (const QString &form : {text, groups, QStringLiteral("  \n") + text + u'\n'}) {
                const auto parsed = shares::parse(form);
                QVERIFY2(std::holds_alternative<shares::Share>(parsed),
                         qPrintable(form + u' ' + describe(parsed)));
                QVERIFY2(sameShare(std::get<shares::Share>(parsed), share), qPrintable(form));
            }
        }
    }

    void everySingleCharacterChangeInTextIsRejected()
    {
        const QString candidates = QStringLiteral(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_:+/=. ");
        int tried = 0;
        for (const QString &original : {KnownText, ShortText}) {
            for (qsizetype pos = 0; pos < original.size(); ++pos) {
                for (QChar c : candidates) {
                    if (c == original.at(pos))
                        continue;
                    QString changed = original;
                    changed[pos] = c;
                    const auto parsed = shares::parse(changed);
                    QVERIFY2(std::holds_alternative<shares::ParseError>(parsed),
                             qPrintable(changed));
                    ++tried;
                }
                QString deleted = original;
                deleted.remove(pos, 1);
                QVERIFY2(std::holds_alternative<shares::ParseError>(shares::parse(deleted)),
                         qPrintable(deleted));
            }
        }
        QVERIFY(tried > 5000);
    }

    void textErrorsSayWhatIsWrong()
    {
        auto code = [](const QString &text) {
            const auto parsed = shares::parse(text);
            return std::holds_alternative<shares::ParseError>(parsed)
                       ? std::get<shares::ParseError>(parsed).code
                       : QStringLiteral("parsed");
        };
        auto message = [](const QString &text) {
            const auto parsed = shares::parse(text);
            return std::holds_alternative<shares::ParseError>(parsed)
                       ? std::get<shares::ParseError>(parsed).message
                       : QString();
        };
        QString changedChecksum = KnownText;
        changedChecksum.back() = u'7';
        QCOMPARE(code(changedChecksum), QStringLiteral("share_checksum_mismatch"));
        QVERIFY(message(changedChecksum).contains(QStringLiteral("mistyped or damaged")));
        QString changedPayload = KnownText;
        changedPayload.replace(QStringLiteral(":AAEC"), QStringLiteral(":AAED"));
        QCOMPARE(code(changedPayload), QStringLiteral("share_checksum_mismatch"));

        QCOMPARE(code(QStringLiteral("not a share!")), QStringLiteral("share_malformed"));
        QVERIFY(code(QStringLiteral("hello world")) != u"parsed");
        QCOMPARE(code(QStringLiteral("vault:1:2")), QStringLiteral("share_malformed"));
        QVERIFY(message(QStringLiteral("vault:1:2")).contains(QStringLiteral("cvshare1:")));
        QCOMPARE(code(QString()), QStringLiteral("share_malformed"));

        QString v7 = KnownText;
        v7.replace(QStringLiteral("cvshare1:"), QStringLiteral("cvshare7:"));
        QCOMPARE(code(v7), QStringLiteral("share_unsupported_version"));
        QVERIFY(message(v7).contains(QStringLiteral("version 7 is not supported")));
        QCOMPARE(code(Version7Groups), QStringLiteral("share_unsupported_version"));

        QString badKeyId = KnownText;
        badKeyId.replace(QStringLiteral("3f9a0c1b22e4d5f6"), QStringLiteral("3F9A0C1B22E4D5F6"));
        QCOMPARE(code(badKeyId), QStringLiteral("share_malformed"));
        QVERIFY(message(badKeyId).contains(QStringLiteral("key id")));
        QString badIndex = KnownText;
        badIndex.replace(QStringLiteral(":2:3:"), QStringLiteral(":02:3:"));
        QVERIFY(message(badIndex).contains(QStringLiteral("index")));
        QString badThreshold = KnownText;
        badThreshold.replace(QStringLiteral(":2:3:"), QStringLiteral(":2:256:"));
        QVERIFY(message(badThreshold).contains(QStringLiteral("threshold")));
        QString badPayload = KnownText;
        badPayload.replace(QStringLiteral(":AAEC"), QStringLiteral(":AA+C"));
        QVERIFY(message(badPayload).contains(QStringLiteral("payload")));
        QCOMPARE(code(KnownText + QStringLiteral(":00")), QStringLiteral("share_malformed"));

        // Valid checksums over invalid fields.
        const QByteArray keyId = QByteArray::fromHex("0102030405060708");
        for (const QString &text : {shares::toText(makeShare(keyId, 0, 3, "secret")),
                                    shares::toGroups(makeShare(keyId, 0, 3, "secret"))}) {
            QCOMPARE(code(text), QStringLiteral("share_invalid_index"));
        }
        for (const QString &text : {shares::toText(makeShare(keyId, 1, 1, "secret")),
                                    shares::toGroups(makeShare(keyId, 1, 1, "secret"))}) {
            QCOMPARE(code(text), QStringLiteral("share_invalid_threshold"));
        }
        // An index above the threshold is normal (share 5 of a 3-of-5 split).
        QCOMPARE(code(shares::toText(makeShare(keyId, 5, 3, "secret"))), QStringLiteral("parsed"));
    }

    void truncatedSharesAreRejected()
    {
        for (const QString &full : {KnownText, ShortText}) {
            for (qsizetype n = 0; n < full.size(); ++n) {
                const auto parsed = shares::parse(full.first(n));
                QVERIFY2(std::holds_alternative<shares::ParseError>(parsed),
                         qPrintable(full.first(n)));
                const QString code = std::get<shares::ParseError>(parsed).code;
                QVERIFY2(code == u"share_truncated" || code == u"share_malformed",
                         qPrintable(full.first(n) + u' ' + code));
            }
        }
        // The groups form has no length field: cut at a group boundary, what is left can look
        // like a shorter share whose checksum then fails.
        for (const QString &full : {KnownGroups, ShortGroups}) {
            for (qsizetype n = 0; n < full.size(); ++n) {
                const auto parsed = shares::parse(full.first(n));
                QVERIFY2(std::holds_alternative<shares::ParseError>(parsed),
                         qPrintable(full.first(n)));
                const QString code = std::get<shares::ParseError>(parsed).code;
                QVERIFY2(code == u"share_truncated" || code == u"share_malformed" ||
                             code == u"share_checksum_mismatch",
                         qPrintable(full.first(n) + u' ' + code));
                // n = 6k - 1 or 6k: k whole groups (and maybe the space after them).
                const bool wholeGroups = (n + 1) % 6 == 0 || n % 6 == 0;
                if (n > 0 && (n < 7 * 6 - 1 || !wholeGroups))
                    QVERIFY2(code == u"share_truncated", qPrintable(full.first(n) + u' ' + code));
            }
        }
    }

    void mistypedGroupIsNamed()
    {
        const QStringList groups = KnownGroups.split(u' ');
        for (qsizetype g = 0; g < groups.size(); ++g) {
            for (qsizetype pos = 0; pos < 5; ++pos) {
                QStringList changed = groups;
                // The next alphabet letter: value + 1 changes the group sum by the position's
                // weight (1..4), never a multiple of 32, so the check always catches it.
                const int value = int(Base32Alphabet.indexOf(changed[g].at(pos)));
                changed[g][pos] = Base32Alphabet.at((value + 1) % 32);
                const auto parsed = shares::parse(changed.join(u' '));
                QVERIFY(std::holds_alternative<shares::ParseError>(parsed));
                const auto &error = std::get<shares::ParseError>(parsed);
                QCOMPARE(error.code, QStringLiteral("share_group_mistyped"));
                QVERIFY2(
                    error.message.startsWith(QStringLiteral("group %1 is mistyped").arg(g + 1)),
                    qPrintable(error.message));
            }
        }
        // Two adjacent characters swapped inside a group.
        QStringList swapped = groups;
        std::swap(swapped[6][1], swapped[6][2]);
        QVERIFY(swapped[6] != groups[6]);
        const auto parsed = shares::parse(swapped.join(u' '));
        QVERIFY(std::holds_alternative<shares::ParseError>(parsed));
        QCOMPARE(std::get<shares::ParseError>(parsed).message.left(20),
                 QStringLiteral("group 7 is mistyped "));
        // A character outside the alphabet.
        QString bad = KnownGroups;
        bad[7] = u'U';
        QCOMPARE(std::get<shares::ParseError>(shares::parse(bad)).code,
                 QStringLiteral("share_malformed"));
    }

    void groupsAreForgivingAboutCaseAndLookAlikes()
    {
        const shares::Share share = knownShare();
        QStringList variants;
        variants << KnownGroups.toLower();
        QString lookAlikes = KnownGroups;
        lookAlikes.replace(u'0', u'O').replace(u'1', u'l');
        QVERIFY(lookAlikes != KnownGroups);
        variants << lookAlikes << lookAlikes.toLower();
        QString eyes = KnownGroups;
        eyes.replace(u'1', u'I');
        variants << eyes << eyes.toLower();
        QString dashed = KnownGroups;
        dashed.replace(u' ', u'-');
        variants << dashed;
        QString lines = KnownGroups;
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (lines.at(i) == u' ' && (i / 6) % 4 == 3)
                lines[i] = u'\n';
        }
        variants << lines << QString(KnownGroups).remove(u' ')
                 << QStringLiteral("\t ") + KnownGroups + QStringLiteral(" \r\n");
        for (const QString &variant : variants) {
            const auto parsed = shares::parse(variant);
            QVERIFY2(std::holds_alternative<shares::Share>(parsed),
                     qPrintable(variant + u' ' + describe(parsed)));
            QVERIFY(sameShare(std::get<shares::Share>(parsed), share));
        }
    }

    void keyIdIdentifiesTheKey()
    {
        QByteArray keyBytes(32, Qt::Uninitialized);
        for (int i = 0; i < 32; ++i)
            keyBytes[i] = static_cast<char>(i);
        const SecureBytes key = SecureBytes::copyOf(keyBytes);
        const QByteArray id = shares::keyIdOf(key);
        QCOMPARE(id.size(), 8);
        QCOMPARE(shares::keyIdText(id), KnownKeyIdOf);
        QCOMPARE(shares::keyIdOf(key.clone()), id);
        keyBytes[31] = 0x20;
        QVERIFY(shares::keyIdOf(SecureBytes::copyOf(keyBytes)) != id);
        QVERIFY(shares::keyIdOf(SecureBytes::random(32)) != id);
        QCOMPARE(shares::keyIdText(QByteArray::fromHex("00ff10ab00000001")),
                 QStringLiteral("00ff10ab00000001"));
    }

    // The whole path an officer takes: split, write each share, read it back, combine.
    void splitEncodeParseCombine()
    {
        const SecureBytes rootKey = SecureBytes::random(32);
        const QByteArray keyId = shares::keyIdOf(rootKey);
        const auto raw = shamir::split(rootKey, 3, 5);
        std::vector<shamir::RawShare> back;
        for (std::size_t i : {std::size_t(4), std::size_t(0), std::size_t(2)}) {
            shares::Share share;
            share.keyId = keyId;
            share.index = raw[i].index;
            share.threshold = 3;
            share.payload = raw[i].payload.clone();
            const QString written = i == 0 ? shares::toGroups(share) : shares::toText(share);
            auto parsed = shares::parse(written);
            QVERIFY(std::holds_alternative<shares::Share>(parsed));
            auto &read = std::get<shares::Share>(parsed);
            QCOMPARE(read.keyId, keyId);
            back.push_back({read.index, std::move(read.payload)});
        }
        const auto combined = shamir::combine(back);
        QVERIFY(combined && combined->equals(rootKey));
        QCOMPARE(shares::keyIdOf(*combined), keyId);
    }
};

QTEST_GUILESS_MAIN(TestShares)
#include "tst_shares.moc"
