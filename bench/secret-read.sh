#!/usr/bin/env bash
# Benchmark GET /admin/secrets/{id} of a running cortex-server against nginx serving a static
# file of the same size, both on 127.0.0.1, with the same wrk parameters. See bench/README.md.
#
#   bench/secret-read.sh [PATH/TO/cortex-server]
#
# Environment: THREADS (2), CONNECTIONS (32), DURATION (10s) are passed to wrk as -t/-c/-d;
# SERVER_CPUS and LOAD_CPUS (taskset CPU lists, both or neither) put the servers and wrk on
# CPUs of their own.
# It builds nothing; build first with `cmake --workflow --preset release`.
# All traffic stays on 127.0.0.1; every process it starts and its temp dir are removed on exit.
set -euo pipefail

bench_name="secret-read.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

check_settings "${1:-}"
make_temp_dir
start_cortex

# --- the secret ------------------------------------------------------------------------------

secret_value="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" # 64 hex characters
created="$(curl_local -X POST "$cortex_url/admin/secrets" \
    -H "X-Admin-Token: $admin_token" -H 'Content-Type: application/json' \
    --data "{\"key_path\":\"bench/api-key\",\"secret_type\":\"KEY_VALUE\",\"value\":\"$secret_value\"}" \
    --write-out '\n%{http_code}')"
[[ "${created##*$'\n'}" == 201 ]] || die "POST /admin/secrets answered: $created"
secret_id="$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"${created%$'\n'*}")"
[[ "$secret_id" =~ ^sec_[A-Za-z0-9_-]+$ ]] || die "no secret id in: $created"
cortex_target="$cortex_url/admin/secrets/$secret_id"

# --- the run ---------------------------------------------------------------------------------

measure_response "GET /admin/secrets/$secret_id" "$cortex_target" -H "X-Admin-Token: $admin_token"
start_nginx_same_size "$body_bytes"
compare_with_nginx "$cortex_target" -H "X-Admin-Token: $admin_token"
print_summary "cortex GET /admin/secrets/{id}:" \
              "nginx static (same size):     "
