#pragma once

#include <QList>
#include <QSqlRecord>
#include <QString>
#include <QVariant>

namespace cortex::test {

// A second SQLite connection to a server's store, as an attacker with file access (or a crash)
// would see it: for tests that edit or inspect rows behind the server's back. Closed and
// removed on destruction.
class SideConnection
{
public:
    explicit SideConnection(const QString &path, int busyTimeoutMs = 5000);
    ~SideConnection();
    SideConnection(const SideConnection &) = delete;
    SideConnection &operator=(const SideConnection &) = delete;

    bool isOpen() const { return m_open; }
    QString error() const { return m_error; }

    // Runs one statement; false (with error()) when it fails.
    bool exec(const QString &sql, const QVariantList &values = {});
    // Rows the last successful exec() changed.
    int changedRows() const { return m_changedRows; }
    QList<QSqlRecord> rows(const QString &sql, const QVariantList &values = {});
    // The first column of the first row, or an invalid QVariant.
    QVariant scalar(const QString &sql, const QVariantList &values = {});

private:
    QString m_name;
    bool m_open = false;
    QString m_error;
    int m_changedRows = 0;
};

} // namespace cortex::test
