#pragma once

#include "store/SecretRepository.h"

#include <QJsonObject>

namespace cortex::api {

// The metadata of a secret as the admin API shows it: never a value.
QJsonObject secretMetadataJson(const store::SecretRow &row);

} // namespace cortex::api
