#!/usr/bin/env bash
# Time audit chain verification over a 1,000,000-row log (ChainVerifier with and without the
# HMAC key, a signed checkpoint every 1000 rows) next to bare libsodium SHA-256 + HMAC-SHA256
# over the same bytes, and verifyExport over the same log as a JSON Lines export file.
# See bench/README.md.
#
#   bench/audit-verify.sh [EXTRA cortex-audit-bench OPTIONS...]    e.g. --rows 100000
#
# Environment: BUILD_DIR (default build/release, the release preset's directory). When
# BUILD_DIR is the release preset's, it is configured with that preset if needed; the target
# cortex-audit-bench is (re)built in it either way. Needs no network; the temporary export file
# (about 1 GB for 1M rows) goes to $TMPDIR and is removed at the end.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo_root/build/release}"

die() { echo "audit-verify.sh: $*" >&2; exit 1; }
command -v cmake >/dev/null || die "cmake is not installed (bash installer/setup.sh)"

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    [[ "$build_dir" == "$repo_root/build/release" ]] ||
        die "$build_dir is not a configured build directory"
    (cd "$repo_root" && cmake --preset release >/dev/null)
fi
cmake --build "$build_dir" --target cortex-audit-bench >/dev/null ||
    die "building cortex-audit-bench in $build_dir failed"

bench_bin="$build_dir/bin/cortex-audit-bench"
[[ -x "$bench_bin" ]] || die "no $bench_bin after the build"

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "libsodium: $(pkg-config --modversion libsodium 2>/dev/null || echo unknown)"
"$bench_bin" "$@"
