#pragma once

#include <QJsonObject>

namespace cortex::api {

struct ApiContext;

// {"initialized", "sealed", "threshold", "progress", "nonce", "secret_shares", "share_key_id",
//  "unseal_methods", "version"}: what /sys/seal-status, /sys/unseal and /health answer.
QJsonObject sealStatus(ApiContext &ctx);

} // namespace cortex::api
