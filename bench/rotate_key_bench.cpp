// cortex-rotate-bench: root-KEK rotation of many secrets, next to the bare crypto it cannot avoid.
//
// Links the server library directly against a real SQLite store in a temporary directory (making
// 100,000 secrets over HTTP would take far longer than the rotation): initialises a vault,
// creates N secrets through SecretService (one version each, not timed), then times
//   1. the rotation as POST /admin/rotate-key runs it: Vault::rotateRootKey with
//      vault::rewrapAllTables, in one transaction, commit (fsync) included;
//   2. libsodium alone: N × (crypto_aead_xchacha20poly1305_ietf_decrypt of a wrapped 32-byte DEK
//      + crypto_aead_xchacha20poly1305_ietf_encrypt under the new key with a fresh nonce), over
//      wrapped keys prepared in memory beforehand (the floor: no SQL, no objects).
// Run through bench/rotate-key.sh; see bench/README.md.

#include "Clock.h"
#include "crypto/Kdf.h"
#include "crypto/SecureBytes.h"
#include "store/Database.h"
#include "vault/SecretService.h"
#include "vault/TableRewrap.h"
#include "vault/Vault.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTextStream>

#include <sodium.h>

#include <ctime>
#include <vector>

using namespace cortex;

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

struct Timing
{
    double wall = 0;
    double cpu = 0;
};

template <typename F> Timing timed(F &&work)
{
    QElapsedTimer wall;
    const double cpu0 = cpuSeconds();
    wall.start();
    work();
    return {double(wall.nsecsElapsed()) / 1e9, cpuSeconds() - cpu0};
}

QString seconds(double s)
{
    return QString::number(s, 'f', 3) + QStringLiteral(" s");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("cortex.*.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Times root-KEK rotation of N secrets against raw libsodium unwrap+wrap."));
    parser.addHelpOption();
    const QCommandLineOption secretsOption(QStringLiteral("secrets"),
                                           QStringLiteral("Number of secrets (100000)."),
                                           QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"),
                                       QStringLiteral("Parent directory of the temporary store."),
                                       QStringLiteral("path"));
    parser.addOption(secretsOption);
    parser.addOption(dirOption);
    parser.process(app);
    const int n = parser.value(secretsOption).toInt();
    if (n < 1 || sodium_init() < 0) {
        out() << "bad --secrets or libsodium failed to start\n";
        return 2;
    }

    QTemporaryDir dir(parser.isSet(dirOption)
                          ? parser.value(dirOption) + QStringLiteral("/cortex-rotate-XXXXXX")
                          : QString());
    if (!dir.isValid()) {
        out() << "cannot make a temporary directory\n";
        return 2;
    }
    store::Database db = store::Database::openSqlite(dir.path());
    Clock clock;
    vault::Vault vault(db, clock);
    vault.initializeWithPassword("bench-password", crypto::KdfProfile::Interactive);
    vault::SecretService secrets(db, vault, clock);

    out() << "store: " << db.filePath() << "\n";
    out() << "creating " << n << " secrets (not timed)...\n";
    out().flush();
    const Timing create = timed([&] {
        constexpr int PerTransaction = 10000;
        for (int done = 0; done < n;) {
            store::Transaction tx(db);
            for (int i = 0; i < PerTransaction && done < n; ++i, ++done) {
                vault::SecretService::NewSecret spec;
                spec.keyPath = QStringLiteral("bench/key-%1").arg(done, 6, 10, QLatin1Char('0'));
                secrets.create(spec, crypto::SecureBytes::random(32));
            }
            tx.commit();
        }
    });
    out() << "  took " << seconds(create.wall) << " wall; store "
          << QFileInfo(db.filePath()).size() / (1024 * 1024) << " MiB\n";

    vault::RewrapCounts counts;
    vault::RootKeyRotation rotation;
    const Timing rotate = timed([&] {
        store::Transaction tx(db);
        rotation = vault.rotateRootKey([&](const crypto::SecureBytes &oldRoot, int oldVersion,
                                           const crypto::SecureBytes &newRoot, int newVersion) {
            counts = vault::rewrapAllTables(db, oldRoot, oldVersion, newRoot, newVersion);
        });
        tx.commit();
    });
    if (counts.secretVersions != n || vault.kekVersion() != rotation.newVersion) {
        out() << "the rotation re-wrapped " << counts.secretVersions << " of " << n
              << " secret versions\n";
        return 1;
    }

    // The floor: the same number of 32-byte DEK unwraps and wraps, keys and AAD of the same
    // shape as the store's, everything prepared in memory.
    constexpr std::size_t DekBytes = 32;
    constexpr std::size_t Nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t Sealed = Nonce + DekBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char oldKey[32], newKey[32];
    randombytes_buf(oldKey, sizeof oldKey);
    randombytes_buf(newKey, sizeof newKey);
    const QByteArray oldAad = "secret_versions|sec_0123456789abcdefghijkl|1|1";
    const QByteArray newAad = "secret_versions|sec_0123456789abcdefghijkl|1|2";
    std::vector<unsigned char> wrapped(std::size_t(n) * Sealed);
    std::vector<unsigned char> rewrapped(std::size_t(n) * Sealed);
    for (int i = 0; i < n; ++i) {
        unsigned char dek[DekBytes];
        randombytes_buf(dek, sizeof dek);
        unsigned char *slot = wrapped.data() + std::size_t(i) * Sealed;
        randombytes_buf(slot, Nonce);
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            slot + Nonce, nullptr, dek, DekBytes,
            reinterpret_cast<const unsigned char *>(oldAad.constData()), oldAad.size(), nullptr,
            slot, oldKey);
    }
    int failures = 0;
    const Timing raw = timed([&] {
        unsigned char dek[DekBytes];
        for (int i = 0; i < n; ++i) {
            const unsigned char *in = wrapped.data() + std::size_t(i) * Sealed;
            if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                    dek, nullptr, nullptr, in + Nonce, Sealed - Nonce,
                    reinterpret_cast<const unsigned char *>(oldAad.constData()), oldAad.size(), in,
                    oldKey) != 0)
                ++failures;
            unsigned char *to = rewrapped.data() + std::size_t(i) * Sealed;
            randombytes_buf(to, Nonce);
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                to + Nonce, nullptr, dek, DekBytes,
                reinterpret_cast<const unsigned char *>(newAad.constData()), newAad.size(), nullptr,
                to, newKey);
        }
        sodium_memzero(dek, sizeof dek);
    });
    sodium_memzero(oldKey, sizeof oldKey);
    sodium_memzero(newKey, sizeof newKey);
    if (failures) {
        out() << failures << " raw unwraps failed\n";
        return 1;
    }

    out() << "root-KEK rotation (KEK " << rotation.oldVersion << " -> " << rotation.newVersion
          << "): " << counts.secretVersions << " secret versions, " << counts.serverKeys
          << " server keys, " << counts.auditMacKeys << " audit MAC keys, "
          << rotation.passwordSlotsRewrapped << " password slots\n";
    out() << "  rotation:           " << seconds(rotate.wall) << " wall, " << seconds(rotate.cpu)
          << " CPU  (" << qRound(n / rotate.wall) << " keys/s wall)\n";
    out() << "  libsodium unwrap+wrap: " << seconds(raw.wall) << " wall, " << seconds(raw.cpu)
          << " CPU  (" << qRound(n / raw.wall) << " keys/s wall)\n";
    out() << "ratio libsodium/rotation: " << QString::number(raw.wall / rotate.wall, 'f', 3)
          << " wall, " << QString::number(raw.cpu / rotate.cpu, 'f', 3)
          << " CPU  (the rotation takes " << QString::number(rotate.wall / raw.wall, 'f', 1)
          << "x the bare crypto)\n";
    return 0;
}
