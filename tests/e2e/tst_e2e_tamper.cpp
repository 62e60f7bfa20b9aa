// Envelope binding on disk: with the server stopped, rows of cortex.db are moved or altered
// the way an attacker with file access could; after a restart the tampered secret refuses to
// open (500 integrity_error, no value) while untouched ones still read. A damaged keyslot
// keeps the vault sealed even for the right password.

#include "E2eSupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

struct VersionBlobs
{
    QByteArray ciphertext;
    QByteArray wrappedDek;
    qint64 kekVersion = 0;
};

QByteArray flipped(QByteArray bytes, qsizetype index)
{
    bytes[index] = char(bytes.at(index) ^ 0x01);
    return bytes;
}

} // namespace

class TestE2eTamper : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void movedEnvelopeDoesNotOpen_data();
    void movedEnvelopeDoesNotOpen();
    void flippedByteDoesNotOpen_data();
    void flippedByteDoesNotOpen();
    void changedKekVersionDoesNotOpen();
    void swappedKeyPathsDoNotOpen();
    void movedToOtherNamespaceDoesNotOpen();
    void damagedKeyslotKeepsVaultSealed();
    void restoredStoreReadsAgain();
    void cleanupTestCase();

private:
    VersionBlobs readVersion(StoreFile &store, const QString &id, int version);
    bool writeVersion(StoreFile &store, const QString &id, int version, const VersionBlobs &blobs);
    // Restarts the server on the tampered store with the right password.
    bool restart();
    // Every secret except `except` reads its expected value.
    void expectOthersReadable(const QString &except);
    void expectIntegrityError(const QString &id, int version);

    QTemporaryDir m_tmp;
    QString m_dataDir;
    QByteArray m_password;
    std::unique_ptr<ServerProcess> m_server;
    HttpClient m_http;
    QString m_alpha; // two versions
    QString m_bravo;
    QString m_charlie;
    QMap<QString, QMap<int, QString>> m_values;
    // The pristine rows, restored after each test.
    QMap<QPair<QString, int>, VersionBlobs> m_pristine;
    QByteArray m_pristineKeyslot;
    QMap<QString, QPair<QString, QString>> m_pristinePlaces; // id → (namespace, key_path)
};

void TestE2eTamper::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_dataDir = m_tmp.filePath(str("data"));
    m_password = "tamper-pw-" + randomHex(8).toLatin1();
    m_server = std::make_unique<ServerProcess>(ServerBin, m_dataDir);
    m_server->environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(m_password));
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    m_http.setAdminToken(m_server->printedAdminToken());

    const auto create = [this](const QString &keyPath, const QString &value) {
        const HttpReply reply =
            m_http.post(str("/admin/secrets"), {{str("key_path"), keyPath}, {str("value"), value}});
        const QString id = reply.object().value(str("id")).toString();
        m_values[id][1] = value;
        return reply.status == 201 ? id : QString();
    };
    m_alpha = create(str("tamper/alpha"), str("alpha-value-one"));
    m_bravo = create(str("tamper/bravo"), str("bravo-value-one"));
    m_charlie = create(str("tamper/charlie"), str("charlie-value-one"));
    QVERIFY(!m_alpha.isEmpty() && !m_bravo.isEmpty() && !m_charlie.isEmpty());
    const HttpReply put =
        m_http.put(str("/admin/secrets/") + m_alpha, {{str("value"), str("alpha-value-two")}});
    QCOMPARE(put.status, 200);
    QCOMPARE(put.object().value(str("version")).toInt(), 2);
    m_values[m_alpha][2] = str("alpha-value-two");
    QVERIFY(m_server->stop());

    StoreFile store(m_dataDir);
    QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
    for (auto it = m_values.begin(); it != m_values.end(); ++it) {
        for (const int version : it->keys()) {
            const VersionBlobs blobs = readVersion(store, it.key(), version);
            QVERIFY2(!blobs.ciphertext.isEmpty() && !blobs.wrappedDek.isEmpty(),
                     qPrintable(store.lastError()));
            m_pristine[{it.key(), version}] = blobs;
        }
    }
    for (const QVariantList &row : store.query(str("SELECT id, namespace, key_path FROM secrets")))
        m_pristinePlaces[row.value(0).toString()] = {row.value(1).toString(),
                                                     row.value(2).toString()};
    QCOMPARE(m_pristinePlaces.size(), 3);
    const auto slots = store.query(str("SELECT wrapped_key FROM keyslots"));
    QCOMPARE(int(slots.size()), 1);
    m_pristineKeyslot = slots.front().value(0).toByteArray();
    QVERIFY(!m_pristineKeyslot.isEmpty());
}

void TestE2eTamper::init()
{
    QVERIFY(!m_server->isRunning());
}

void TestE2eTamper::cleanup()
{
    if (m_server->isRunning())
        QVERIFY(m_server->stop());
    StoreFile store(m_dataDir);
    QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
    for (auto it = m_pristine.begin(); it != m_pristine.end(); ++it)
        QVERIFY2(writeVersion(store, it.key().first, it.key().second, *it),
                 qPrintable(store.lastError()));
    QVERIFY2(store.updateOne(str("UPDATE keyslots SET wrapped_key = ?"), {m_pristineKeyslot}),
             qPrintable(store.lastError()));
    // Key paths back in two steps: (namespace, key_path) is unique.
    for (auto it = m_pristinePlaces.begin(); it != m_pristinePlaces.end(); ++it)
        QVERIFY2(store.updateOne(str("UPDATE secrets SET key_path = ? WHERE id = ?"),
                                 {str("restoring/") + it.key(), it.key()}),
                 qPrintable(store.lastError()));
    for (auto it = m_pristinePlaces.begin(); it != m_pristinePlaces.end(); ++it)
        QVERIFY2(store.updateOne(str("UPDATE secrets SET namespace = ?, key_path = ? WHERE id = ?"),
                                 {it->first, it->second, it.key()}),
                 qPrintable(store.lastError()));
}

void TestE2eTamper::cleanupTestCase()
{
    if (m_server && m_server->isRunning())
        QVERIFY(m_server->stop());
}

VersionBlobs TestE2eTamper::readVersion(StoreFile &store, const QString &id, int version)
{
    const auto rows = store.query(str("SELECT ciphertext, wrapped_dek, kek_version FROM "
                                      "secret_versions WHERE secret_id = ? AND version = ?"),
                                  {id, version});
    if (rows.size() != 1)
        return {};
    return {rows.front().value(0).toByteArray(), rows.front().value(1).toByteArray(),
            rows.front().value(2).toLongLong()};
}

bool TestE2eTamper::writeVersion(StoreFile &store, const QString &id, int version,
                                 const VersionBlobs &blobs)
{
    return store.updateOne(str("UPDATE secret_versions SET ciphertext = ?, wrapped_dek = ?,"
                               " kek_version = ? WHERE secret_id = ? AND version = ?"),
                           {blobs.ciphertext, blobs.wrappedDek, blobs.kekVersion, id, version});
}

bool TestE2eTamper::restart()
{
    if (!m_server->start())
        return false;
    m_http.setBaseUrl(m_server->url());
    return m_http.get(str("/health")).status == 200;
}

void TestE2eTamper::expectIntegrityError(const QString &id, int version)
{
    const HttpReply reply = m_http.get(str("/admin/secrets/%1?version=%2").arg(id).arg(version));
    QVERIFY2(reply.status == 500, reply.describe().constData());
    QCOMPARE(reply.errorCode(), str("integrity_error"));
    QVERIFY(!reply.object().contains(str("value")));
    for (const auto &values : std::as_const(m_values)) {
        for (const QString &value : values)
            QVERIFY2(!reply.body.contains(value.toUtf8()), reply.body.constData());
    }
    // The operator learns about it from the log, which names the secret and version.
    QVERIFY2(m_server->waitForOutputLine(
                 {"integrity", id.toLatin1(), "version " + QByteArray::number(version)}),
             m_server->runStderr().constData());
    // Reading without ?version gives the same answer when it is the current version.
    if (version == m_values.value(id).lastKey()) {
        const HttpReply current = m_http.get(str("/admin/secrets/") + id);
        QCOMPARE(current.status, 500);
        QCOMPARE(current.errorCode(), str("integrity_error"));
        QVERIFY(!current.object().contains(str("value")));
    }
}

void TestE2eTamper::expectOthersReadable(const QString &except)
{
    for (auto it = m_values.begin(); it != m_values.end(); ++it) {
        for (auto v = it->begin(); v != it->end(); ++v) {
            if (it.key() + u'/' + QString::number(v.key()) == except)
                continue;
            const HttpReply reply =
                m_http.get(str("/admin/secrets/%1?version=%2").arg(it.key()).arg(v.key()));
            QVERIFY2(reply.status == 200, reply.describe().constData());
            QCOMPARE(reply.object().value(str("value")).toString(), v.value());
        }
    }
}

void TestE2eTamper::movedEnvelopeDoesNotOpen_data()
{
    QTest::addColumn<bool>("fromOtherSecret"); // else from version 1 of the same secret
    QTest::addColumn<bool>("copyCiphertext");
    QTest::addColumn<bool>("copyWrappedDek");
    QTest::newRow("other secret, both") << true << true << true;
    QTest::newRow("other secret, ciphertext only") << true << true << false;
    QTest::newRow("other secret, wrapped dek only") << true << false << true;
    QTest::newRow("older version, both") << false << true << true;
    QTest::newRow("older version, ciphertext only") << false << true << false;
    QTest::newRow("older version, wrapped dek only") << false << false << true;
}

void TestE2eTamper::movedEnvelopeDoesNotOpen()
{
    QFETCH(bool, fromOtherSecret);
    QFETCH(bool, copyCiphertext);
    QFETCH(bool, copyWrappedDek);
    // The target is alpha's current version 2; the source bravo v1 or alpha v1.
    const VersionBlobs source =
        fromOtherSecret ? m_pristine.value({m_bravo, 1}) : m_pristine.value({m_alpha, 1});
    VersionBlobs target = m_pristine.value({m_alpha, 2});
    if (copyCiphertext)
        target.ciphertext = source.ciphertext;
    if (copyWrappedDek)
        target.wrappedDek = source.wrappedDek;
    {
        StoreFile store(m_dataDir);
        QVERIFY2(writeVersion(store, m_alpha, 2, target), qPrintable(store.lastError()));
    }
    QVERIFY2(restart(), m_server->allOutput().constData());
    expectIntegrityError(m_alpha, 2);
    expectOthersReadable(m_alpha + str("/2"));
    QVERIFY(m_server->isRunning());
}

void TestE2eTamper::flippedByteDoesNotOpen_data()
{
    QTest::addColumn<bool>("inCiphertext"); // else in the wrapped DEK
    QTest::addColumn<int>("position");      // negative: from the end
    QTest::newRow("ciphertext nonce") << true << 0;
    QTest::newRow("ciphertext body") << true << 24 + 3;
    QTest::newRow("ciphertext tag") << true << -1;
    QTest::newRow("wrapped dek nonce") << false << 5;
    QTest::newRow("wrapped dek body") << false << 24 + 10;
    QTest::newRow("wrapped dek tag") << false << -1;
}

void TestE2eTamper::flippedByteDoesNotOpen()
{
    QFETCH(bool, inCiphertext);
    QFETCH(int, position);
    VersionBlobs target = m_pristine.value({m_bravo, 1});
    QByteArray &bytes = inCiphertext ? target.ciphertext : target.wrappedDek;
    QVERIFY(bytes.size() > 24 + 16);
    bytes = flipped(bytes, position < 0 ? bytes.size() + position : position);
    {
        StoreFile store(m_dataDir);
        QVERIFY2(writeVersion(store, m_bravo, 1, target), qPrintable(store.lastError()));
    }
    QVERIFY2(restart(), m_server->allOutput().constData());
    expectIntegrityError(m_bravo, 1);
    expectOthersReadable(m_bravo + str("/1"));
}

void TestE2eTamper::changedKekVersionDoesNotOpen()
{
    VersionBlobs target = m_pristine.value({m_charlie, 1});
    target.kekVersion += 1;
    {
        StoreFile store(m_dataDir);
        QVERIFY2(writeVersion(store, m_charlie, 1, target), qPrintable(store.lastError()));
    }
    QVERIFY2(restart(), m_server->allOutput().constData());
    const HttpReply reply = m_http.get(str("/admin/secrets/") + m_charlie);
    QVERIFY2(reply.status >= 500, reply.describe().constData());
    QVERIFY(!reply.object().contains(str("value")));
    QVERIFY(!reply.body.contains("charlie-value-one"));
    expectOthersReadable(m_charlie + str("/1"));
}

// Renaming rows in the secrets table does not hand one secret's value out under another's
// name: the value's AAD names its namespace and key path.
void TestE2eTamper::swappedKeyPathsDoNotOpen()
{
    {
        StoreFile store(m_dataDir);
        const QString alphaPath = m_pristinePlaces.value(m_alpha).second;
        const QString bravoPath = m_pristinePlaces.value(m_bravo).second;
        QVERIFY(
            store.updateOne(str("UPDATE secrets SET key_path = 'swap' WHERE id = ?"), {m_alpha}));
        QVERIFY(store.updateOne(str("UPDATE secrets SET key_path = ? WHERE id = ?"),
                                {alphaPath, m_bravo}));
        QVERIFY2(store.updateOne(str("UPDATE secrets SET key_path = ? WHERE id = ?"),
                                 {bravoPath, m_alpha}),
                 qPrintable(store.lastError()));
    }
    QVERIFY2(restart(), m_server->allOutput().constData());
    expectIntegrityError(m_alpha, 2);
    expectIntegrityError(m_alpha, 1);
    expectIntegrityError(m_bravo, 1);
    const HttpReply charlie = m_http.get(str("/admin/secrets/") + m_charlie);
    QCOMPARE(charlie.object().value(str("value")).toString(), m_values.value(m_charlie).value(1));
}

void TestE2eTamper::movedToOtherNamespaceDoesNotOpen()
{
    {
        StoreFile store(m_dataDir);
        QVERIFY2(store.updateOne(str("INSERT OR REPLACE INTO namespaces (name, description,"
                                     " created_at) VALUES ('elsewhere', '', ?)"),
                                 {str("2026-01-01T00:00:00.000Z")}),
                 qPrintable(store.lastError()));
        QVERIFY2(store.updateOne(str("UPDATE secrets SET namespace = 'elsewhere' WHERE id = ?"),
                                 {m_charlie}),
                 qPrintable(store.lastError()));
    }
    QVERIFY2(restart(), m_server->allOutput().constData());
    expectIntegrityError(m_charlie, 1);
    expectOthersReadable(m_charlie + str("/1"));
}

void TestE2eTamper::damagedKeyslotKeepsVaultSealed()
{
    {
        StoreFile store(m_dataDir);
        QVERIFY2(store.updateOne(str("UPDATE keyslots SET wrapped_key = ?"),
                                 {flipped(m_pristineKeyslot, m_pristineKeyslot.size() / 2)}),
                 qPrintable(store.lastError()));
    }
    // Started with the right password: it keeps running, sealed.
    QVERIFY2(m_server->start(), m_server->allOutput().constData());
    m_http.setBaseUrl(m_server->url());
    const HttpReply status = m_http.get(str("/sys/seal-status"));
    QCOMPARE(status.status, 200);
    QCOMPARE(status.object().value(str("sealed")).toBool(false), true);
    QCOMPARE(m_http.get(str("/health")).status, 503);

    const HttpReply unseal =
        m_http.post(str("/sys/unseal"), {{str("password"), QString::fromLatin1(m_password)}});
    QCOMPARE(unseal.status, 401);
    const HttpReply read = m_http.get(str("/admin/secrets/") + m_alpha);
    QCOMPARE(read.status, 503);
    QCOMPARE(read.errorCode(), str("sealed"));
    QVERIFY(m_server->isRunning());
}

void TestE2eTamper::restoredStoreReadsAgain()
{
    // cleanup() restored every row: the same store opens and reads in full again, so each
    // failure above came from its tampering.
    QVERIFY2(restart(), m_server->allOutput().constData());
    expectOthersReadable(QString());
}

QTEST_GUILESS_MAIN(TestE2eTamper)
#include "tst_e2e_tamper.moc"
