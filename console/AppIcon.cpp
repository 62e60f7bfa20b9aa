#include "AppIcon.h"

#include <QString>

using namespace Qt::StringLiterals;

// Q_INIT_RESOURCE must be used outside any namespace. It is needed because resources.qrc is
// compiled into a static library, whose unreferenced object files the linker would drop.
static void initCortexResources()
{
    Q_INIT_RESOURCE(resources);
}

namespace cortex::console {

QIcon appIcon()
{
    static const bool resourcesReady = (initCortexResources(), true);
    Q_UNUSED(resourcesReady);

    // Without an SVG engine the SVG adds nothing and the PNGs carry the icon.
    QIcon icon(u":/cortex/icons/cortex-console.svg"_s);
    for (const int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(u":/cortex/icons/cortex-console-%1.png"_s.arg(size), QSize(size, size));
    return icon;
}

} // namespace cortex::console
