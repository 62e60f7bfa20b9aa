#!/usr/bin/env bash
# Time a root-KEK rotation of 100,000 secrets (Vault::rotateRootKey + vault::rewrapAllTables on a
# real SQLite store, commit included) next to bare libsodium XChaCha20-Poly1305 open+seal of the
# same number of 32-byte DEKs. See bench/README.md.
#
#   bench/rotate-key.sh [EXTRA cortex-rotate-bench OPTIONS...]    e.g. --secrets 10000
#
# Environment: BUILD_DIR (default build/release, the release preset's directory). When
# BUILD_DIR is the release preset's, it is configured with that preset if needed; the target
# cortex-rotate-bench is (re)built in it either way. Needs no network; the temporary store
# (about 60 MB for 100,000 secrets) goes to $TMPDIR and is removed at the end.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo_root/build/release}"

die() { echo "rotate-key.sh: $*" >&2; exit 1; }
command -v cmake >/dev/null || die "cmake is not installed (bash installer/setup.sh)"

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    [[ "$build_dir" == "$repo_root/build/release" ]] ||
        die "$build_dir is not a configured build directory"
    (cd "$repo_root" && cmake --preset release >/dev/null)
fi
cmake --build "$build_dir" --target cortex-rotate-bench >/dev/null ||
    die "building cortex-rotate-bench in $build_dir failed"

bench_bin="$build_dir/bin/cortex-rotate-bench"
[[ -x "$bench_bin" ]] || die "no $bench_bin after the build"

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "libsodium: $(pkg-config --modversion libsodium 2>/dev/null || echo unknown)"
"$bench_bin" "$@"
