#pragma once

#include <QIcon>

namespace cortex::console {

// The Cortex Vault mark from resources/resources.qrc: the SVG when Qt's SVG icon engine is
// installed, otherwise the PNG renderings shipped next to it.
QIcon appIcon();

} // namespace cortex::console
