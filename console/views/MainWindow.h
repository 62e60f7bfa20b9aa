#pragma once

#include <QMainWindow>

class QLabel;
class QLineEdit;
class QPushButton;

namespace cortex::console {

class ApiClient;
struct SealStatus;

// The console's main window. In this release it holds the connection panel only: a server URL,
// a Check button that asks the server for its seal state, and the answer or the error.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    static constexpr char DefaultServerUrl[] = "http://127.0.0.1:3000";

    explicit MainWindow(QWidget *parent = nullptr);

    // Fills the URL field (e.g. from --server); does not start a check.
    void setServerUrl(const QString &url);

private:
    void buildMenus();
    QWidget *buildConnectionPanel();
    void checkServer();
    void showSealStatus(const SealStatus &status);
    void showFailure(const QString &message);
    void setBusy(bool busy);
    void showAbout();

    ApiClient *m_client;
    QLineEdit *m_urlEdit = nullptr;
    QPushButton *m_checkButton = nullptr;
    QLabel *m_resultLabel = nullptr;
    QString m_checkedUrl; // what the result label currently describes
};

} // namespace cortex::console
