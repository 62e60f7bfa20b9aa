// No secret value ever reaches the disk or the server's output in a readable form, a deleted
// secret leaves no trace of its value or its ciphertext in the data directory, and what a
// request's secrets decode to is not left in the server's memory.

#include "E2eSupport.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace cortex::e2e;

namespace {

const QString ServerBin = QStringLiteral(CORTEX_SERVER_BIN);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QByteArray sentinel()
{
    return "SENTINEL-VALUE-" + randomHex(12).toLatin1();
}

// `value` (ASCII) as the content of a JSON string whose first character is written as a \u
// escape: the value as a whole never crosses the wire, only its decoded form can hold it.
QByteArray firstCharEscaped(const QByteArray &value)
{
    return "\\u00" + value.left(1).toHex() + value.mid(1);
}

// The sanitizer runtime of an ASan build (the server is built with the tests) copies the
// process's environment block when it starts, before main() and out of the server's reach:
// there a value that came in the environment stays in memory as "NAME=value". It also keeps
// freed heap blocks unreused for a while, which makes the search below see any copy the server
// made and dropped without wiping it.
constexpr bool SanitizerCopiesEnvironment =
#if defined(__SANITIZE_ADDRESS__)
    true;
#else
    false;
#endif

// Whether `form` occurs in `chunk` other than as the value of a NAME=value environment entry
// kept by the sanitizer runtime.
bool occursIn(const QByteArray &chunk, const QByteArray &form)
{
    for (qsizetype at = chunk.indexOf(form); at >= 0; at = chunk.indexOf(form, at + 1))
        if (!SanitizerCopiesEnvironment || at == 0 || chunk.at(at - 1) != '=')
            return true;
    return false;
}

// Which of `needles` (UTF-8, or as UTF-16LE as a QString holds it) are in the readable memory
// of process `pid`. Empty with *error set when the memory cannot be read at all.
QList<QByteArray> foundInMemory(qint64 pid, const QList<QByteArray> &needles, QString *error)
{
    QFile maps(str("/proc/%1/maps").arg(pid));
    QFile mem(str("/proc/%1/mem").arg(pid));
    if (!maps.open(QIODevice::ReadOnly) || !mem.open(QIODevice::ReadOnly)) {
        *error = mem.errorString();
        return {};
    }
    QList<QByteArray> forms; // each needle as UTF-8 and as UTF-16LE (how a QString holds it)
    qsizetype longest = 0;
    for (const QByteArray &needle : needles) {
        const QString text = QString::fromLatin1(needle);
        forms << needle
              << QByteArray(reinterpret_cast<const char *>(text.utf16()), text.size() * 2);
        longest = std::max(longest, forms.last().size());
    }
    // Address space reserved by a sanitizer (terabytes of shadow) is no data of the server's.
    constexpr qint64 MaxRegion = qint64(1) << 32;
    constexpr qint64 Chunk = qint64(4) << 20;
    QList<QByteArray> found;
    qint64 readable = 0;
    for (const QByteArray &line : maps.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 2 || !fields[1].startsWith('r'))
            continue;
        const QList<QByteArray> range = fields[0].split('-');
        bool okBegin = false;
        bool okEnd = false;
        const qint64 begin = range.value(0).toLongLong(&okBegin, 16);
        const qint64 end = range.value(1).toLongLong(&okEnd, 16);
        if (!okBegin || !okEnd || end - begin > MaxRegion)
            continue;
        // In chunks that overlap by a needle's length, so that none is missed at a boundary.
        for (qint64 at = begin; at < end; at += Chunk) {
            if (!mem.seek(at))
                break;
            const QByteArray chunk = mem.read(std::min(Chunk + longest, end - at));
            if (chunk.isEmpty()) // [vvar] and the like
                break;
            readable += chunk.size();
            for (qsizetype i = 0; i < forms.size(); ++i) {
                const QByteArray &needle = needles.at(i / 2);
                if (!found.contains(needle) && occursIn(chunk, forms.at(i)))
                    found.append(needle);
            }
        }
    }
    if (readable == 0)
        *error = str("no readable memory");
    return found;
}

} // namespace

class TestE2ePlaintext : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void searchFindsEveryForm();
    void noValueInDataDirOrOutput();
    void deletedSecretLeavesNoTrace();
    void environmentSecretsLeaveTheProcess();
    void anAdminTokenFromTheEnvironmentIsKeptOnlyAsItsHash();
    void decodedSecretsDoNotLingerInMemory();

private:
    // The ciphertexts and wrapped DEKs of a secret's versions, read from cortex.db.
    static QList<QByteArray> storedBlobs(const QString &dataDir, const QString &id);
    void expectNoBlobs(const QString &dataDir, const QList<QByteArray> &blobs, const char *when);
    // Fails (and says where) when any form of any value is in the data dir or the output.
    void expectNowhere(const QString &dataDir, const ServerProcess &server,
                       const QList<QByteArray> &values, const char *when);
};

// The search itself: each encoded form, buried at every alignment in binary noise, is found.
void TestE2ePlaintext::searchFindsEveryForm()
{
    const QByteArray value = sentinel();
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    for (const auto &[label, needle] : encodedForms(value)) {
        QVERIFY2(needle.size() >= 20, label.constData());
        QVERIFY2(!formsFoundIn(needle, value).isEmpty(), label.constData());
    }
    // Encoded inside a longer stream at each offset: still found.
    for (int offset = 0; offset < 3; ++offset) {
        QByteArray noise(offset + 7, Qt::Uninitialized);
        for (char &c : noise)
            c = char(QRandomGenerator::global()->bounded(256));
        const QByteArray stream = noise + value + noise;
        const QByteArray encoded = stream.toBase64();
        QVERIFY2(formsFoundIn(encoded, value)
                     .contains(QStringLiteral("base64@%1").arg((offset + 7) % 3)),
                 encoded.constData());
        QVERIFY(!formsFoundIn(stream.toBase64(QByteArray::Base64UrlEncoding), value).isEmpty());
        QVERIFY(!formsFoundIn(stream.toHex(), value).isEmpty());
        QVERIFY(writeFile(tmp.filePath(QStringLiteral("f%1").arg(offset)), encoded));
    }
    QVERIFY(QDir().mkpath(tmp.filePath(str("a/b"))));
    QVERIFY(writeFile(tmp.filePath(str("a/b/.hidden")), "xx" + value + "yy"));
    QVERIFY(!formsFoundBelow(tmp.path(), value).isEmpty());
    QCOMPARE(filesContaining(tmp.path(), value), QStringList{tmp.filePath(str("a/b/.hidden"))});
    QVERIFY(formsFoundIn("nothing to see", value).isEmpty());
}

void TestE2ePlaintext::expectNowhere(const QString &dataDir, const ServerProcess &server,
                                     const QList<QByteArray> &values, const char *when)
{
    QVERIFY(!filesBelow(dataDir).isEmpty());
    for (const QByteArray &value : values) {
        const QStringList onDisk = formsFoundBelow(dataDir, value);
        QVERIFY2(onDisk.isEmpty(),
                 qPrintable(QStringLiteral("%1: a secret value is on disk: %2")
                                .arg(QString::fromLatin1(when), onDisk.join(u", "))));
        const QStringList inOutput = formsFoundIn(server.allOutput(), value);
        QVERIFY2(inOutput.isEmpty(),
                 qPrintable(QStringLiteral("%1: a secret value is in the server output: %2")
                                .arg(QString::fromLatin1(when), inOutput.join(u", "))));
    }
}

void TestE2ePlaintext::noValueInDataDirOrOutput()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    const QByteArray password = "PASSWORD-" + randomHex(12).toLatin1();
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(password));
    QVERIFY2(server.start(), server.allOutput().constData());
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(server.printedAdminToken());

    QList<QByteArray> values;
    const auto fresh = [&values] {
        values << sentinel();
        return values.last();
    };
    const auto create = [&http](const QString &ns, const QString &keyPath, const QByteArray &value,
                                const QString &type = QStringLiteral("KEY_VALUE")) {
        const HttpReply reply =
            http.post(str("/admin/secrets"), {{str("namespace"), ns},
                                              {str("key_path"), keyPath},
                                              {str("secret_type"), type},
                                              {str("value"), QString::fromUtf8(value)}});
        return reply.status == 201 ? reply.object().value(str("id")).toString() : QString();
    };
    const auto read = [&http](const QString &id, int version) {
        const HttpReply reply = http.get(str("/admin/secrets/%1?version=%2").arg(id).arg(version));
        return reply.object().value(str("value")).toString().toUtf8();
    };

    // Create, update, roll back.
    const QByteArray v1 = fresh();
    const QByteArray v2 = fresh();
    const QByteArray v3 = fresh();
    const QString db = create(str("default"), str("app/db/password"), v1);
    QVERIFY(!db.isEmpty());
    QCOMPARE(
        http.put(str("/admin/secrets/") + db, {{str("value"), QString::fromLatin1(v2)}}).status,
        200);
    QCOMPARE(http.put(str("/admin/secrets/") + db, {{str("value"), QString::fromLatin1(v3)},
                                                    {str("description"), str("rotated")}})
                 .status,
             200);
    QCOMPARE(http.post(str("/admin/secrets/%1/rollback").arg(db), {{str("version"), 1}}).status,
             200);
    QCOMPARE(read(db, 1), v1);
    QCOMPARE(read(db, 2), v2);
    QCOMPARE(read(db, 3), v3);
    QCOMPARE(read(db, 4), v1);

    // A JSON_CONFIG value carrying one inside.
    const QByteArray inJson = fresh();
    const QString config =
        create(str("payments"), str("stripe/config"),
               "{\"api_key\": \"" + inJson + "\", \"retries\": 3}", str("JSON_CONFIG"));
    QVERIFY(!config.isEmpty());
    QVERIFY(read(config, 1).contains(inJson));

    // A .env import, then a second import that updates one key.
    const QByteArray e1 = fresh();
    const QByteArray e2 = fresh();
    const QByteArray e3 = fresh();
    const QByteArray e4 = fresh();
    const QByteArray dotenv = "# exported from the old host\nIMPORTED_ONE=" + e1 +
                              "\nexport IMPORTED_TWO=\"" + e2 + "\"\nIMPORTED_THREE='" + e3 + "'\n";
    HttpReply imported =
        http.post(str("/admin/import/dotenv"), {{str("namespace"), str("imported")},
                                                {str("content"), QString::fromLatin1(dotenv)}});
    QVERIFY2(imported.status == 200, imported.describe().constData());
    QCOMPARE(imported.object().value(str("created")).toArray().size(), 3);
    imported = http.post(str("/admin/import/dotenv"),
                         {{str("namespace"), str("imported")},
                          {str("content"), QString::fromLatin1("IMPORTED_ONE=" + e4 + "\n")}});
    QVERIFY2(imported.status == 200, imported.describe().constData());
    QCOMPARE(imported.object().value(str("updated")).toArray().size(), 1);
    const HttpReply list = http.get(str("/admin/secrets?namespace=imported"));
    QCOMPARE(list.array().size(), 3);
    QMap<QString, QString> importedIds;
    for (const QJsonValue &entry : list.array())
        importedIds[entry.toObject().value(str("key_path")).toString()] =
            entry.toObject().value(str("id")).toString();
    QCOMPARE(read(importedIds.value(str("IMPORTED_ONE")), 1), e1);
    QCOMPARE(read(importedIds.value(str("IMPORTED_ONE")), 2), e4);
    QCOMPARE(read(importedIds.value(str("IMPORTED_TWO")), 1), e2);
    QCOMPARE(read(importedIds.value(str("IMPORTED_THREE")), 1), e3);

    // Created, updated, read, deleted.
    const QByteArray d1 = fresh();
    const QByteArray d2 = fresh();
    const QString doomed = create(str("default"), str("short/lived"), d1);
    QVERIFY(!doomed.isEmpty());
    QCOMPARE(
        http.put(str("/admin/secrets/") + doomed, {{str("value"), QString::fromLatin1(d2)}}).status,
        200);
    QCOMPARE(read(doomed, 2), d2);
    QCOMPARE(http.del(str("/admin/secrets/") + doomed).status, 200);
    QCOMPARE(http.get(str("/admin/secrets/") + doomed).status, 404);

    // A failed request that carried a value (the path already exists).
    const QByteArray rejected = fresh();
    QCOMPARE(http.post(str("/admin/secrets"), {{str("key_path"), str("app/db/password")},
                                               {str("value"), QString::fromLatin1(rejected)}})
                 .status,
             409);

    values << password;
    expectNowhere(dataDir, server, values, "while running");
    // A clean stop checkpoints the WAL into cortex.db: look again.
    QVERIFY(server.stop());
    expectNowhere(dataDir, server, values, "after a clean stop");
}

QList<QByteArray> TestE2ePlaintext::storedBlobs(const QString &dataDir, const QString &id)
{
    QList<QByteArray> blobs;
    StoreFile store(dataDir);
    if (!store.isOpen())
        return blobs;
    const auto rows = store.query(
        str("SELECT ciphertext, wrapped_dek FROM secret_versions WHERE secret_id = ?"), {id});
    for (const QVariantList &row : rows)
        blobs << row.value(0).toByteArray() << row.value(1).toByteArray();
    return blobs;
}

void TestE2ePlaintext::expectNoBlobs(const QString &dataDir, const QList<QByteArray> &blobs,
                                     const char *when)
{
    for (qsizetype i = 0; i < blobs.size(); ++i) {
        const QStringList found = filesContaining(dataDir, blobs.at(i));
        QVERIFY2(found.isEmpty(),
                 qPrintable(QStringLiteral("%1: %2 of a deleted secret is still in %3")
                                .arg(QString::fromLatin1(when),
                                     i % 2 == 0 ? str("a ciphertext") : str("a wrapped DEK"),
                                     found.join(u", "))));
    }
}

// After DELETE, neither the value nor its ciphertext nor its wrapped DEKs are anywhere in the
// data dir: not in free pages (secure_delete), not in the WAL, while the server keeps running
// and after it stops. Both for a secret written before the last restart (its rows are in
// cortex.db) and one written in the same run (its rows are in the WAL).
void TestE2ePlaintext::deletedSecretLeavesNoTrace()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data"));
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("delete-test-pw"));
    QVERIFY2(server.start(), server.allOutput().constData());
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(server.printedAdminToken());
    const auto create = [&http](const QString &keyPath, const QByteArray &value) {
        const HttpReply reply =
            http.post(str("/admin/secrets"),
                      {{str("key_path"), keyPath}, {str("value"), QString::fromLatin1(value)}});
        return reply.status == 201 ? reply.object().value(str("id")).toString() : QString();
    };

    const QByteArray old1 = sentinel();
    const QByteArray old2 = sentinel();
    const QByteArray kept = sentinel();
    const QString oldId = create(str("doomed/old"), old1);
    QVERIFY(!oldId.isEmpty());
    QCOMPARE(http.put(str("/admin/secrets/") + oldId, {{str("value"), QString::fromLatin1(old2)}})
                 .status,
             200);
    const QString keptId = create(str("kept"), kept);
    QVERIFY(!keptId.isEmpty());
    QVERIFY(server.stop());

    // The old secret's rows are now in cortex.db, where the search sees them.
    const QList<QByteArray> oldBlobs = storedBlobs(dataDir, oldId);
    QCOMPARE(oldBlobs.size(), 4);
    for (const QByteArray &blob : oldBlobs) {
        QVERIFY(blob.size() > 40);
        QCOMPARE(filesContaining(dataDir, blob), QStringList{dataDir + str("/cortex.db")});
    }

    QVERIFY2(server.start(), server.allOutput().constData());
    http.setBaseUrl(server.url());
    const QByteArray new1 = sentinel();
    const QString newId = create(str("doomed/new"), new1);
    QVERIFY(!newId.isEmpty());
    // Read through a connection of our own while the server runs: the rows are in the WAL.
    const QList<QByteArray> newBlobs = storedBlobs(dataDir, newId);
    QCOMPARE(newBlobs.size(), 2);
    for (const QByteArray &blob : newBlobs)
        QVERIFY(!filesContaining(dataDir, blob).isEmpty());

    for (const QString &id : {oldId, newId}) {
        const HttpReply reply = http.del(str("/admin/secrets/") + id);
        QVERIFY2(reply.status == 200, reply.describe().constData());
        QCOMPARE(http.get(str("/admin/secrets/") + id).status, 404);
        QCOMPARE(http.get(str("/admin/secrets/%1?version=1").arg(id)).status, 404);
    }
    const HttpReply keptReply = http.get(str("/admin/secrets/") + keptId);
    QCOMPARE(keptReply.object().value(str("value")).toString(), QString::fromLatin1(kept));

    expectNoBlobs(dataDir, oldBlobs + newBlobs, "while running");
    for (const QByteArray &value : {old1, old2, new1})
        QVERIFY(formsFoundBelow(dataDir, value).isEmpty());
    QVERIFY(server.stop());

    expectNoBlobs(dataDir, oldBlobs + newBlobs, "after a clean stop");
    for (const QByteArray &value : {old1, old2, new1})
        QVERIFY(formsFoundBelow(dataDir, value).isEmpty());
    {
        StoreFile store(dataDir);
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        QVERIFY(store
                    .query(str("SELECT 1 FROM secret_versions WHERE secret_id IN (?, ?)"),
                           {oldId, newId})
                    .empty());
        QCOMPARE(int(store.query(str("SELECT 1 FROM secrets")).size()), 1);
    }
}

// Secret values, an imported file and a new password, each sent with its first character
// escaped, are looked for in the server's memory once answered: the request's JSON must not
// have left a decoded copy behind (a JSON parser's strings are freed without being
// overwritten). The raw request, in Qt's and the kernel's buffers, is out of the server's reach.
void TestE2ePlaintext::decodedSecretsDoNotLingerInMemory()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data-") + randomHex(8));
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), str("PASSWORD-") + randomHex(12));
    server.environment().insert(str("CORTEX_KDF_PROFILE"), str("interactive"));
    QVERIFY2(server.start(), server.allOutput().constData());
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(server.printedAdminToken());

    QString error;
    const QByteArray dataDirText = dataDir.toUtf8();
    const QList<QByteArray> before = foundInMemory(server.pid(), {dataDirText}, &error);
    if (!error.isEmpty())
        QSKIP(qPrintable(str("the server's memory cannot be read here (%1)").arg(error)));
    // The search reads the heap: the data directory's path, held as a QString, is found.
    QVERIFY2(before.contains(dataDirText), "the memory search finds nothing");

    // Each value is long (nothing else holds it by chance) and is looked for right after its
    // answer, before later requests can reuse the memory it was freed in.
    const auto longValue = [](const char *kind) {
        return QByteArray(kind) + "-" + randomHex(16).toLatin1() + QByteArray(400, 'q');
    };
    HttpReply reply;
    const auto sendAndLook = [&](const QByteArray &verb, const QString &path,
                                 const QByteArray &bodyBefore, const QByteArray &value,
                                 const QByteArray &bodyAfter, int status) {
        reply = http.send(verb, path, bodyBefore + firstCharEscaped(value) + bodyAfter);
        if (reply.status != status)
            return QStringLiteral("%1 %2: status %3")
                .arg(QString::fromLatin1(verb), path)
                .arg(reply.status);
        if (foundInMemory(server.pid(), {value}, &error).contains(value))
            return QStringLiteral("%1 %2: the decoded value is in memory")
                .arg(QString::fromLatin1(verb), path);
        return QString();
    };
    QString failure = sendAndLook("POST", str("/admin/secrets"),
                                  R"({"key_path":"mem/one","secret_type":"KEY_VALUE","value":")",
                                  longValue("CREATED"), R"("})", 201);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    const QString id = reply.object().value(str("id")).toString();
    const QByteArray updated = longValue("UPDATED");
    failure =
        sendAndLook("PUT", str("/admin/secrets/") + id, R"({"value":")", updated, R"("})", 200);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    failure = sendAndLook("POST", str("/admin/import/dotenv"), R"({"content":"MEM_IMPORTED=)",
                          longValue("IMPORTED"), R"(\n"})", 200);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    failure = sendAndLook("POST", str("/sys/change-password"), R"({"new_password":")",
                          longValue("PASSWORD"), R"("})", 200);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    // And they were taken as sent (this answer itself holds the value: read it last).
    QCOMPARE(http.get(str("/admin/secrets/") + id).object().value(str("value")).toString(),
             QString::fromLatin1(updated));
    QVERIFY(server.stop());
}

// A password or admin token handed over in the environment is not left readable in
// /proc/PID/environ (the environment block the process started with), yet it was used.
void TestE2ePlaintext::environmentSecretsLeaveTheProcess()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QByteArray password = "PASSWORD-" + randomHex(12).toLatin1();
    const QByteArray adminToken = "ADMIN-TOKEN-" + randomHex(16).toLatin1();
    ServerProcess server(ServerBin, tmp.filePath(str("data")));
    server.environment().insert(str("CORTEX_KEK_PASSWORD"), QString::fromLatin1(password));
    server.environment().insert(str("ADMIN_TOKEN"), QString::fromLatin1(adminToken));
    QVERIFY2(server.start(), server.allOutput().constData());

    QFile environ(str("/proc/%1/environ").arg(server.pid()));
    QVERIFY2(environ.open(QIODevice::ReadOnly), qPrintable(environ.errorString()));
    const QByteArray block = environ.readAll();
    QVERIFY(block.contains("CORTEX_KEK_PASSWORD=")); // the name stays; its value is gone
    QVERIFY(!block.contains(password));
    QVERIFY(!block.contains(adminToken));
    // Nor anywhere else in its memory: the password is wiped once the key is derived, the
    // token is kept only as its hash.
    QString error;
    const QByteArray dataDirText = tmp.filePath(str("data")).toUtf8();
    const QList<QByteArray> found =
        foundInMemory(server.pid(), {dataDirText, password, adminToken}, &error);
    if (error.isEmpty()) {
        QVERIFY2(found.contains(dataDirText), "the memory search finds nothing");
        QVERIFY2(!found.contains(password), "the password is in the server's memory");
        QVERIFY2(!found.contains(adminToken), "the admin token is in the server's memory");
    }

    // Both were taken whole: the vault is unsealed, and the token opens the admin API.
    HttpClient http;
    http.setBaseUrl(server.url());
    http.setAdminToken(adminToken);
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    QVERIFY(server.stop());
}

// ADMIN_TOKEN given to a server that waits for POST /sys/init: until then the server holds
// only its SHA-256, as the store will, and not the token itself; the init still takes it.
void TestE2ePlaintext::anAdminTokenFromTheEnvironmentIsKeptOnlyAsItsHash()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(str("data-") + randomHex(8));
    const QByteArray adminToken = "ADMIN-TOKEN-" + randomHex(16).toLatin1();
    ServerProcess server(ServerBin, dataDir);
    server.environment().insert(str("ADMIN_TOKEN"), QString::fromLatin1(adminToken));
    QVERIFY2(server.start(), server.allOutput().constData());
    QVERIFY2(server.waitForOutputLine({"vault is not initialized: waiting for POST "}),
             server.allOutput().constData());

    QString error;
    const QByteArray dataDirText = dataDir.toUtf8();
    const QList<QByteArray> found = foundInMemory(server.pid(), {dataDirText, adminToken}, &error);
    if (!error.isEmpty())
        QSKIP(qPrintable(str("the server's memory cannot be read here (%1)").arg(error)));
    QVERIFY2(found.contains(dataDirText), "the memory search finds nothing");
    QVERIFY2(!found.contains(adminToken), "the admin token is in the server's memory");

    HttpClient http;
    http.setBaseUrl(server.url());
    const QString password = str("PASSWORD-") + randomHex(12);
    const HttpReply init = http.post(str("/sys/init"), {{str("password"), password}});
    QVERIFY2(init.status == 200, init.describe().constData());
    QCOMPARE(init.object().value(str("admin_token_source")).toString(), str("ADMIN_TOKEN"));
    QCOMPARE(http.post(str("/sys/unseal"), {{str("password"), password}}).status, 200);
    http.setAdminToken(adminToken + "x");
    QCOMPARE(http.get(str("/admin/secrets")).status, 401);
    http.setAdminToken(adminToken);
    QCOMPARE(http.get(str("/admin/secrets")).status, 200);
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestE2ePlaintext)
#include "tst_e2e_plaintext.moc"
