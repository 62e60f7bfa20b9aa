#!/usr/bin/env bash
# Benchmark the authenticated agent read GET /project/secrets/{project} (5 secrets, with
# Authorization: Bearer <project token>) of cortex-server against nginx serving a static file
# of the same size, both on 127.0.0.1, with the same wrk parameters. See bench/README.md.
# The agent side (Ed25519 key, signed discover, approval) is a small python3 helper using
# Debian's python3-cryptography; nothing is downloaded.
#
#   bench/project-secrets.sh [PATH/TO/cortex-server]
#
# Environment: THREADS (2), CONNECTIONS (32), DURATION (10s) are passed to wrk as -t/-c/-d;
# CONNECTIONS and DURATION also set the fixed-rate runs, offered FIXED_FRACTIONS (0.125 0.25 0.5)
# of nginx's wrk rate. SERVER_CPUS and LOAD_CPUS (taskset CPU lists, both or neither) put
# the servers and the load (wrk, the fixed-rate generator) on CPUs of their own.
# It builds nothing; build first with `cmake --workflow --preset release`.
# All traffic stays on 127.0.0.1; every process it starts and its temp dir are removed on exit.
set -euo pipefail

FIXED_FRACTIONS="${FIXED_FRACTIONS:-0.125 0.25 0.5}"
bench_name="project-secrets.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

check_settings "${1:-}"
check_fixed_rate_tool
for fraction in $FIXED_FRACTIONS; do
    [[ "$fraction" =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] ||
        die "FIXED_FRACTIONS must be shares of nginx's rate between 0 and 1, not '$fraction'"
done
[[ " $FIXED_FRACTIONS " == *" 0.5 "* ]] || die "FIXED_FRACTIONS must include 0.5 (the goal's load)"
check_agent_flow_tools
make_temp_dir
start_cortex

# --- the agent, its secrets and its project token --------------------------------------------

set_up_project_fetch # bench/agent_flow.py: an agent, 5 secrets, discover, approve, discover

# --- the run ---------------------------------------------------------------------------------

measure_response "GET /project/secrets/$project" "$cortex_target" \
    -H "Authorization: Bearer $project_token"
# All 5 secrets must be in it, or the run would measure a smaller answer.
env_count="$(curl_local -H "Authorization: Bearer $project_token" "$cortex_target" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["env_vars"]))')"
[[ "$env_count" == 5 ]] || die "GET /project/secrets/$project returned $env_count env vars, not 5"
start_nginx_same_size "$body_bytes"
compare_with_nginx "$cortex_target" -H "Authorization: Bearer $project_token"
print_summary "cortex GET /project/secrets/{p} (5 secrets):" \
              "nginx static (same size):                   "
# The HTTP floor: the same server answering a route that does not exist (404 from the router:
# no token, no store, no audit row), same settings. No fetch can be faster than this; the gap
# between it and nginx is the HTTP stack's, the gap between the fetch and it is the vault's.
echo
wrk_expect_errors=1 run_wrk floor "$cortex_url/bench-floor/no-such-route"
f_rps="$(wrk_rate "$tmp/wrk-floor.txt")"
f_p99="$(wrk_percentile "$tmp/wrk-floor.txt" 99)"
echo "cortex HTTP floor (unknown route, 404):      $f_rps req/s, p99 $f_p99 ms"
echo "ratio floor/nginx: $(awk -v f="$f_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", f / n }')"
echo "ratio fetch/floor: $(awk -v c="$c_rps" -v f="$f_rps" 'BEGIN { printf "%.2f", (f > 0 ? c / f : 0) }')"
# --- the same request at fixed offered rates (open loop) ---------------------------------------

# wrk measures at saturation, where latency is only CONNECTIONS / rate. Here each server is
# offered fixed shares of nginx's wrk rate over the same connections, and latency counts from
# when each request was due (bench/fixed_rate_load.cpp), so a server that falls behind pays for
# every request it delays. Both servers get the same rates; the generator also reports how
# often the machine itself stalled during the run (nothing waiting was run for > 10 ms).
echo
echo "== fixed offered rates: $CONNECTIONS connections, ${fixed_seconds} s each after 2 s of warm-up; latency from each request's due time"
half_p99="" half_stalls="" half_floor_p99=""
for fraction in $FIXED_FRACTIONS; do
    rate="$(awk -v n="$n_rps" -v f="$fraction" 'BEGIN { printf "%.0f", n * f }')"
    ((rate > 0)) || continue
    run_fixed_rate "nginx-$fraction" "$rate" "$nginx_url"
    run_fixed_rate "cortex-$fraction" "$rate" "$cortex_target" \
        -H "Authorization: Bearer $project_token"
    kill -0 "$server_pid" 2>/dev/null || die "cortex-server died during a fixed-rate run"
    c="$tmp/load-cortex-$fraction.txt" n="$tmp/load-nginx-$fraction.txt"
    printf '%s of nginx (%s req/s): cortex p50 %s p99 %s max %s ms (%s of %s answered), nginx p50 %s p99 %s max %s ms; machine stalls %s / %s (longest %s / %s ms)\n' \
        "$fraction" "$rate" "$(load_field "$c" p50)" "$(load_field "$c" p99)" \
        "$(load_field "$c" max)" "$(load_field "$c" answered)" "$(load_field "$c" due)" \
        "$(load_field "$n" p50)" "$(load_field "$n" p99)" "$(load_field "$n" max)" \
        "$(load_field "$c" stalls)" "$(load_field "$n" stalls)" \
        "$(load_field "$c" longest)" "$(load_field "$n" longest)"
    if [[ "$fraction" == 0.5 ]]; then
        half_p99="$(load_field "$c" p99)"
        half_stalls="$(load_field "$c" stalls)"
        # The HTTP floor at the goal's load: the same server answering 404 to an unknown route
        # (no token, store or audit work). No fetch's p99 can be better than this one's.
        run_fixed_rate "floor-$fraction" "$rate" "$cortex_url/bench-floor/no-such-route" \
            --expect-status 404
        f="$tmp/load-floor-$fraction.txt"
        half_floor_p99="$(load_field "$f" p99)"
        printf '%s of nginx (%s req/s): HTTP floor (unknown route, 404) p50 %s p99 %s max %s ms (%s of %s answered); machine stalls %s (longest %s ms)\n' \
            "$fraction" "$rate" "$(load_field "$f" p50)" "$half_floor_p99" "$(load_field "$f" max)" \
            "$(load_field "$f" answered)" "$(load_field "$f" due)" "$(load_field "$f" stalls)" \
            "$(load_field "$f" longest)"
    fi
done

# The goal of issue 3: above half of nginx's rate with p99 under 2 ms at 32 connections. The
# rate is wrk's (saturation); the p99 is the one at half of nginx's rate offered, the load the
# goal names (wrk's own p99 at saturation is printed above: it cannot be below 32 / rate).
[[ -n "$half_p99" ]] || die "no fixed-rate run at half of nginx's rate"
verdict="$(awk -v r="$ratio" -v p="$half_p99" -v w="$c_p99" -v s="$half_stalls" 'BEGIN {
    ok_r = (r > 0.5); ok_p = (p != "inf" && p + 0 < 2.0)
    printf "%s (ratio %s %s 0.5; p99 at half of nginx'"'"'s rate %s ms %s 2 ms, %s machine stalls in that run; wrk'"'"'s p99 at saturation %s ms)",
        (ok_r && ok_p) ? "MET" : "NOT MET", r, ok_r ? ">" : "<=", p, ok_p ? "<" : ">=", s, w
}')"
note=""
((CONNECTIONS == 32)) || note=" [the goal is stated for 32 connections; this run used $CONNECTIONS]"
echo "goal (ratio > 0.5 and p99 < 2 ms at 32 connections): $verdict$note"
# Whether the HTTP stack itself leaves room for the p99 half on this machine: if even the floor
# misses 2 ms at this load, the fetch's p99 cannot meet it whatever the vault does.
floor_fits="$(awk -v p="$half_floor_p99" 'BEGIN { print (p != "inf" && p + 0 < 2.0) ? "under" : "not under" }')"
echo "HTTP floor's p99 at half of nginx's rate: $half_floor_p99 ms ($floor_fits 2 ms: the bound for any route of this server on this machine)"
