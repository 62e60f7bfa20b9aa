#pragma once

// Shamir m-of-n secret sharing over GF(2^8), done by libgfshare so that shares interoperate
// with Debian's gfsplit/gfcombine: a share is an x coordinate (1..255) and one y byte per
// secret byte, exactly what gfsplit writes to NAME.NNN (NNN = x, file content = the y bytes).

#include "crypto/SecureBytes.h"

#include <QtGlobal>
#include <optional>
#include <vector>

namespace cortex::crypto::shamir {

struct RawShare
{
    quint8 index = 0;    // x, 1..255
    SecureBytes payload; // y bytes, as long as the secret
};

// Shares with indices 1..count; any threshold of them give the secret back.
// Throws std::invalid_argument unless 2 <= threshold <= count <= 255 and the secret is not empty.
std::vector<RawShare> split(const SecureBytes &secret, int threshold, int count);

// Lagrange interpolation at x = 0. nullopt unless there are at least 2 shares with distinct
// non-zero indices and equal non-zero payload lengths. Fewer shares than the threshold give a
// wrong value, not an error (a share does not record the threshold): callers check the result
// against a key-check value.
std::optional<SecureBytes> combine(const std::vector<RawShare> &shares);

} // namespace cortex::crypto::shamir
