#include "views/MainWindow.h"

#include "AppIcon.h"
#include "client/ApiClient.h"

#include <QApplication>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace cortex::console {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent), m_client(new ApiClient(this))
{
    setWindowTitle(tr("Cortex Vault Console"));
    setWindowIcon(appIcon());
    buildMenus();
    setCentralWidget(buildConnectionPanel());

    // A permanent widget rather than showMessage(): menu status tips would wipe a message.
    auto *note = new QLabel(
        tr("Secrets, agents, approvals and audit views arrive in a later release."), statusBar());
    note->setObjectName(u"laterReleaseNote"_s);
    statusBar()->addWidget(note, 1);

    connect(m_client, &ApiClient::sealStatusReceived, this, &MainWindow::showSealStatus);
    connect(m_client, &ApiClient::requestFailed, this, &MainWindow::showFailure);
    resize(sizeHint().expandedTo(QSize(640, 320)));
}

void MainWindow::setServerUrl(const QString &url)
{
    m_urlEdit->setText(url);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Cortex Vault Console"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QWidget *MainWindow::buildConnectionPanel()
{
    auto *panel = new QWidget(this);
    auto *layout = new QVBoxLayout(panel);

    auto *header = new QWidget(panel);
    auto *headerLayout = new QHBoxLayout(header);
    headerLayout->setContentsMargins(0, 0, 0, 0);
    auto *logo = new QLabel(header);
    logo->setPixmap(windowIcon().pixmap(QSize(48, 48)));
    auto *titles = new QWidget(header);
    auto *titlesLayout = new QVBoxLayout(titles);
    titlesLayout->setContentsMargins(0, 0, 0, 0);
    titlesLayout->setSpacing(2);
    auto *title = new QLabel(tr("Cortex Vault Console"), titles);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.5);
    titleFont.setBold(true);
    title->setFont(titleFont);
    auto *subtitle = new QLabel(
        tr("Check whether a cortex-server is initialized and sealed. No token is needed."), titles);
    subtitle->setWordWrap(true);
    subtitle->setForegroundRole(QPalette::PlaceholderText); // secondary text, in any theme
    titlesLayout->addWidget(title);
    titlesLayout->addWidget(subtitle);
    headerLayout->addWidget(logo, 0, Qt::AlignTop);
    headerLayout->addWidget(titles, 1);
    layout->addWidget(header);

    auto *group = new QGroupBox(tr("Server connection"), panel);
    auto *form = new QFormLayout(group);

    auto *urlRow = new QWidget(group);
    auto *urlLayout = new QHBoxLayout(urlRow);
    urlLayout->setContentsMargins(0, 0, 0, 0);
    m_urlEdit = new QLineEdit(QString::fromLatin1(DefaultServerUrl), urlRow);
    m_urlEdit->setObjectName(u"serverUrlEdit"_s);
    m_urlEdit->setPlaceholderText(QString::fromLatin1(DefaultServerUrl));
    m_urlEdit->setClearButtonEnabled(true);
    m_checkButton = new QPushButton(tr("&Check"), urlRow);
    m_checkButton->setObjectName(u"checkButton"_s);
    m_checkButton->setToolTip(tr("Ask the server whether it is initialized and sealed"));
    urlLayout->addWidget(m_urlEdit, 1);
    urlLayout->addWidget(m_checkButton);
    auto *urlLabel = new QLabel(tr("Server &URL:"), group);
    urlLabel->setBuddy(m_urlEdit);
    form->addRow(urlLabel, urlRow);

    m_resultLabel = new QLabel(tr("Not checked yet."), group);
    m_resultLabel->setObjectName(u"sealStatusLabel"_s);
    // Plain text: error texts can come from the server and must not be rendered as HTML.
    m_resultLabel->setTextFormat(Qt::PlainText);
    m_resultLabel->setWordWrap(true);
    m_resultLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Status:"), m_resultLabel);

    layout->addWidget(group);
    layout->addStretch(1);

    connect(m_checkButton, &QPushButton::clicked, this, &MainWindow::checkServer);
    connect(m_urlEdit, &QLineEdit::returnPressed, this, &MainWindow::checkServer);
    // A result describes the URL that was checked, not one the operator is now typing.
    connect(m_urlEdit, &QLineEdit::textEdited, this, [this] {
        if (!m_client->isBusy()) {
            m_resultLabel->setText(tr("Not checked yet."));
            m_resultLabel->setPalette(QPalette());
        }
    });
    return panel;
}

void MainWindow::checkServer()
{
    QString error;
    const std::optional<QUrl> url = ApiClient::parseServerUrl(m_urlEdit->text(), &error);
    if (!url) {
        m_checkedUrl.clear();
        showFailure(error);
        return;
    }
    m_client->setBaseUrl(*url);
    m_checkedUrl = url->toDisplayString();
    setBusy(true);
    m_resultLabel->setPalette(QPalette());
    m_resultLabel->setText(tr("Checking %1…").arg(m_checkedUrl));
    m_client->fetchSealStatus();
}

void MainWindow::showSealStatus(const SealStatus &status)
{
    setBusy(false);
    const QString yes = tr("yes", "seal status value");
    const QString no = tr("no", "seal status value");
    QString text = tr("Initialized: %1, Sealed: %2")
                       .arg(status.initialized ? yes : no, status.sealed ? yes : no);
    // Progress only means something for a share-based unseal (m of n, m > 1).
    if (status.sealed && status.threshold > 1)
        text +=
            u'\n' +
            tr("Unseal progress: %1 of %2 key shares").arg(status.progress).arg(status.threshold);
    m_resultLabel->setPalette(QPalette());
    m_resultLabel->setText(text);
}

void MainWindow::showFailure(const QString &message)
{
    setBusy(false);
    QPalette palette;
    palette.setColor(QPalette::WindowText, QColor(0xb0, 0x1e, 0x1e));
    m_resultLabel->setPalette(palette);
    m_resultLabel->setText(
        m_checkedUrl.isEmpty() ? message : tr("Could not check %1: %2").arg(m_checkedUrl, message));
}

void MainWindow::setBusy(bool busy)
{
    m_checkButton->setEnabled(!busy);
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Cortex Vault Console"),
                       tr("<p><b>Cortex Vault Console</b> %1</p>"
                          "<p>Operator console for the Cortex Vault secrets server.</p>")
                           .arg(QStringLiteral(CORTEX_VERSION)));
}

} // namespace cortex::console
