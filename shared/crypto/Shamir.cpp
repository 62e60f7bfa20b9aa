#include "crypto/Shamir.h"

#include "crypto/Sodium.h"

// libgfshare.h has no extern "C" guard of its own.
extern "C" {
#include <libgfshare.h>
}
#include <sodium.h>

#include <array>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

namespace cortex::crypto::shamir {

namespace {

void fillRandom(unsigned char *buffer, unsigned int count)
{
    randombytes_buf(buffer, count);
}

// libgfshare draws the polynomial coefficients from the global gfshare_fill_rand, which is
// NULL until someone sets it (its offered fallback uses random()). gfshare_ctx_free also calls
// it, to overwrite the context's buffers, so decoding needs it too.
void ensureRandom()
{
    static std::once_flag once;
    std::call_once(once, [] {
        ensureSodium();
        gfshare_fill_rand = &fillRandom;
    });
}

// gfshare_ctx_free overwrites the coefficient/share buffer with gfshare_fill_rand output
// before freeing it, so the copies libgfshare makes (in ordinary, unlocked malloc memory) do
// not outlive the context. They may still be swapped out while it lives; nothing we can do
// about that short of patching the library.
struct ContextDeleter
{
    void operator()(gfshare_ctx *ctx) const { gfshare_ctx_free(ctx); }
};
using Context = std::unique_ptr<gfshare_ctx, ContextDeleter>;

} // namespace

std::vector<RawShare> split(const SecureBytes &secret, int threshold, int count)
{
    if (secret.isEmpty())
        throw std::invalid_argument("shamir::split: the secret is empty");
    if (threshold < 2 || threshold > count || count > 255)
        throw std::invalid_argument("shamir::split: need 2 <= threshold <= count <= 255");
    ensureRandom();

    std::array<unsigned char, 255> indices{};
    for (int i = 0; i < count; ++i)
        indices[static_cast<std::size_t>(i)] = static_cast<unsigned char>(i + 1);
    const auto size = static_cast<unsigned int>(secret.size());
    Context ctx(gfshare_ctx_init_enc(indices.data(), static_cast<unsigned int>(count),
                                     static_cast<unsigned char>(threshold), size));
    if (!ctx)
        throw std::bad_alloc();
    // libgfshare's API is not const-correct; setsecret only reads (memcpy from) the secret.
    gfshare_ctx_enc_setsecret(ctx.get(), const_cast<unsigned char *>(secret.data()));

    std::vector<RawShare> shares;
    shares.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        RawShare share;
        share.index = static_cast<quint8>(i + 1);
        share.payload = SecureBytes(secret.size());
        gfshare_ctx_enc_getshare(ctx.get(), static_cast<unsigned char>(i), share.payload.data());
        shares.push_back(std::move(share));
    }
    return shares;
}

std::optional<SecureBytes> combine(const std::vector<RawShare> &shares)
{
    if (shares.size() < 2 || shares.size() > 255)
        return std::nullopt;
    const std::size_t size = shares.front().payload.size();
    std::array<bool, 256> seen{};
    std::array<unsigned char, 255> indices{};
    for (std::size_t i = 0; i < shares.size(); ++i) {
        const RawShare &share = shares[i];
        // A duplicate index would make a Lagrange denominator zero (and libgfshare would
        // silently compute garbage); index 0 is read by libgfshare as "share not given".
        if (share.index == 0 || seen[share.index] || share.payload.size() != size || size == 0)
            return std::nullopt;
        seen[share.index] = true;
        indices[i] = share.index;
    }
    ensureRandom();

    Context ctx(gfshare_ctx_init_dec(indices.data(), static_cast<unsigned int>(shares.size()),
                                     static_cast<unsigned int>(size)));
    if (!ctx)
        throw std::bad_alloc();
    for (std::size_t i = 0; i < shares.size(); ++i) {
        // giveshare only copies the bytes; the cast is for libgfshare's non-const parameter.
        gfshare_ctx_dec_giveshare(ctx.get(), static_cast<unsigned char>(i),
                                  const_cast<unsigned char *>(shares[i].payload.data()));
    }
    SecureBytes secret(size);
    gfshare_ctx_dec_extract(ctx.get(), secret.data());
    return secret;
}

} // namespace cortex::crypto::shamir
