#!/usr/bin/env bash
# Counts the instructions cortex-server runs in user space for one authenticated
# GET /project/secrets/{project} (5 secrets, audited), for one request of the HTTP floor (an
# unknown route: 404, no vault work), and the instructions nginx runs for one request of a static
# file of the same size: each process under valgrind's callgrind, counting only while a fixed
# number of requests is served. See bench/README.md.
#
# Rates on a shared VM move by 10-20 % from run to run; these counts repeat to a fraction of a
# percent, so a change to the request path shows here even when wrk cannot see it. They leave out
# the kernel's share (system calls, wake-ups): project-secrets.sh measures the whole.
#
#   bench/fetch-instructions.sh [PATH/TO/cortex-server]
#
# Environment: REQUESTS (2000) counted per target, after 200 uncounted ones (memos, prepared
# statements and the allocator warm up), offered at 200 per second over 4 connections.
# It builds nothing; build first with `cmake --workflow --preset release`. Needs valgrind.
# All traffic stays on 127.0.0.1; every process it starts and its temp dir are removed on exit.
set -euo pipefail

REQUESTS="${REQUESTS:-2000}"
bench_name="fetch-instructions.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

check_settings "${1:-}"
check_fixed_rate_tool
[[ "$REQUESTS" =~ ^[1-9][0-9]*$ ]] || die "REQUESTS must be a positive integer, not '$REQUESTS'"
for tool in valgrind callgrind_control; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install valgrind)"
done
check_agent_flow_tools
make_temp_dir

# Both servers run under callgrind with counting off until a measured phase turns it on.
callgrind=(valgrind --tool=callgrind --instr-atstart=no)
startup_seconds=600 # Argon2id once, at about a fiftieth of native speed
cortex_prefix=("${callgrind[@]}" "--callgrind-out-file=$tmp/callgrind.cortex")
start_cortex

set_up_project_fetch
measure_response "GET /project/secrets/$project" "$cortex_target" \
    -H "Authorization: Bearer $project_token"

nginx_prefix=("${callgrind[@]}" "--callgrind-out-file=$tmp/callgrind.nginx")
nginx_conf_extra="master_process off;" # one process: the one callgrind counts
start_nginx_same_size "$body_bytes"

# count PID NAME URL [LOAD_OPTION...]: the instructions PID runs per request while it serves
# $REQUESTS requests of URL (after 200 uncounted ones); sets $per_request.
count() {
    local pid="$1" name="$2" url="$3" seconds dump total answered _
    shift 3
    "$load_bin" --rate 200 --connections 4 --duration 1 --warmup 0 "$@" "$url" \
        >"$tmp/warm-$name.txt" 2>&1 || die "$name: the warm-up requests failed"
    seconds=$(((REQUESTS + 199) / 200))
    callgrind_control --zero "$pid" >/dev/null 2>&1
    callgrind_control --instr=on "$pid" >/dev/null 2>&1
    "$load_bin" --rate "$((REQUESTS / seconds))" --connections 4 --duration "$seconds" \
        --warmup 0 "$@" "$url" >"$tmp/load-$name.txt" 2>&1 ||
        { cat "$tmp/load-$name.txt" >&2; die "$name: the counted requests failed"; }
    callgrind_control --instr=off "$pid" >/dev/null 2>&1
    answered="$(load_field "$tmp/load-$name.txt" answered)"
    [[ "$answered" == "$(load_field "$tmp/load-$name.txt" due)" ]] ||
        die "$name: only $answered requests answered"
    # A dump holds the counts since the last zeroing: the counted phase alone. Its "totals:"
    # line, the file's last, is written when the dump is complete.
    rm -f "$tmp"/callgrind.*.[0-9]*
    callgrind_control --dump="$name" "$pid" >/dev/null 2>&1
    total=""
    for _ in $(seq 100); do
        for dump in "$tmp"/callgrind.*.[0-9]*; do
            [[ -f "$dump" ]] && total="$(awk '$1 == "totals:" { print $2 }' "$dump")"
        done
        [[ -n "$total" ]] && break
        sleep 0.1
    done
    [[ "$total" =~ ^[0-9]+$ ]] || die "$name: callgrind wrote no instruction count"
    per_request=$((total / answered))
}

echo "== user-space instructions per request (callgrind; $REQUESTS requests each, 4 connections)"
count "$server_pid" fetch "$cortex_target" -H "Authorization: Bearer $project_token"
fetch_instructions="$per_request"
echo "cortex GET /project/secrets/{p} (5 secrets): $fetch_instructions"
count "$server_pid" floor "$cortex_url/bench-floor/no-such-route" --expect-status 404
floor_instructions="$per_request"
echo "cortex HTTP floor (unknown route, 404):      $floor_instructions"
count "$nginx_pid" nginx "$nginx_url"
nginx_instructions="$per_request"
echo "nginx static (same size):                    $nginx_instructions"
# As for rates, 1.00 would be as cheap as nginx: nginx's count over cortex's.
echo "ratio nginx/cortex (instructions): $(awk -v n="$nginx_instructions" -v c="$fetch_instructions" \
    'BEGIN { printf "%.3f", n / c }')"
echo "ratio floor/fetch (instructions):  $(awk -v f="$floor_instructions" -v c="$fetch_instructions" \
    'BEGIN { printf "%.2f", f / c }')"
