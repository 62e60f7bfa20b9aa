# shellcheck shell=bash
# bench_name comes from the sourcing script; admin_token etc. are set here for it.
# shellcheck disable=SC2154,SC2034
# Shared part of the benchmarks in bench/ (sourced, not run): settings and tool checks, the temp
# dir and its clean-up traps, cortex-server on 127.0.0.1, nginx serving a static file of the
# same size, the wrk runs and the summary. See bench/README.md.
#
# The sourcing script sets `set -euo pipefail` and bench_name (its file name, used in messages)
# first, then calls, in this order:
#
#   check_settings "${1:-}"            THREADS/CONNECTIONS/DURATION, server binary, nginx/wrk/curl
#   make_temp_dir                      $tmp, clean-up traps, proxies unset
#   start_cortex                       $server_pid, $cortex_url, $admin_token
#   ... its own set-up: the secret(s) and $cortex_target ...
#   measure_response WHAT URL [CURL_OPTION...]     $body_bytes (the body itself is discarded)
#   start_nginx_same_size BYTES        $nginx_url
#   compare_with_nginx URL [WRK_OPTION...]         both wrk runs, $c_cpu_ticks
#   print_summary CORTEX_PREFIX NGINX_PREFIX       $c_rps $c_p50 $c_p99 $n_rps ... $ratio $c_cpu_us
#
# Everything it starts listens on and talks to 127.0.0.1 only; every process it starts and the
# temp dir are removed on any exit (success, failure, Ctrl-C, SIGTERM).

THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"
# Optional CPU placement (taskset CPU lists such as 0-1 and 2-3): the servers on SERVER_CPUS,
# wrk and the fixed-rate generator on LOAD_CPUS, so that the load does not take the servers'
# CPUs. Unset: everything shares every CPU.
SERVER_CPUS="${SERVER_CPUS:-}"
LOAD_CPUS="${LOAD_CPUS:-}"
server_cpus=()
load_cpus=()

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

tmp=""
# A command to run cortex-server and nginx under (e.g. valgrind), a line added to nginx's
# configuration, and how long either may take to start: for fetch-instructions.sh.
cortex_prefix=()
nginx_prefix=()
nginx_conf_extra=""
startup_seconds=30
server_pid=""
nginx_pid=""
wrk_pid=""

die() {
    echo "$bench_name: $*" >&2
    exit 1
}

# curl that never uses a proxy, never hangs: for requests to 127.0.0.1.
curl_local() { curl --noproxy '*' --silent --show-error --max-time 10 "$@"; }

# check_settings [SERVER_BIN]: validates the wrk settings, sets $server_bin (absolute; default
# build/release/bin/cortex-server) and $nginx_bin, and checks that wrk and curl are installed.
check_settings() {
    [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, not '$THREADS'"
    [[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, not '$CONNECTIONS'"
    [[ "$DURATION" =~ ^[1-9][0-9]*[smh]?$ ]] || die "DURATION must look like 10s, 1m or 30, not '$DURATION'"
    ((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"

    server_bin="${1:-$repo_root/build/release/bin/cortex-server}"
    if [[ ! -x "$server_bin" ]]; then
        die "no cortex-server binary at $server_bin
  build a release first:  (cd $repo_root && cmake --workflow --preset release)
  or pass the binary:     bench/$bench_name path/to/cortex-server"
    fi
    server_bin="$(cd "$(dirname "$server_bin")" && pwd)/$(basename "$server_bin")"

    nginx_bin="$(command -v nginx || true)"
    [[ -n "$nginx_bin" ]] || { [[ -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx; } ||
        die "nginx not found (Debian: apt-get install nginx-light)"
    command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
    command -v curl >/dev/null || die "curl not found (Debian: apt-get install curl)"
    wrk_args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)
    check_cpu_placement
}

check_cpu_placement() {
    [[ -n "$SERVER_CPUS$LOAD_CPUS" ]] || return 0
    [[ -n "$SERVER_CPUS" && -n "$LOAD_CPUS" ]] || die "set both SERVER_CPUS and LOAD_CPUS, or neither"
    command -v taskset >/dev/null || die "taskset not found (Debian: apt-get install util-linux)"
    local cpus
    for cpus in "$SERVER_CPUS" "$LOAD_CPUS"; do
        [[ "$cpus" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] ||
            die "'$cpus' is not a CPU list (like 0, 0-1 or 0,2)"
        taskset -c "$cpus" true 2>/dev/null || die "CPUs $cpus are not available to this script"
    done
    server_cpus=(taskset -c "$SERVER_CPUS")
    load_cpus=(taskset -c "$LOAD_CPUS")
}

# Where the servers and the load run, for the reports.
cpu_placement() {
    if ((${#server_cpus[@]})); then
        echo "servers on CPUs $SERVER_CPUS, load on CPUs $LOAD_CPUS (of $(nproc --all))"
    else
        echo "servers and load share all $(nproc) CPUs"
    fi
}

# --- temp dir and cleanup ---------------------------------------------------------------------

stop_process() { # pid label
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$bench_name: $2 (pid $pid) ignored SIGTERM; killing it" >&2
        # An nginx master killed outright would leave its worker behind: kill children first.
        local child
        for child in $(pgrep -P "$pid" 2>/dev/null || true); do
            kill -KILL "$child" 2>/dev/null
        done
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    stop_process "$wrk_pid" wrk
    stop_process "$nginx_pid" nginx
    stop_process "$server_pid" cortex-server
    [[ -z "$tmp" ]] || rm -rf "$tmp"
    exit "$rc"
}

# make_temp_dir: creates $tmp (0700) and installs the traps that stop wrk, nginx and
# cortex-server and delete $tmp on any exit; unsets the proxy variables.
make_temp_dir() {
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/cortex-bench.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Proxies must never see this traffic (curl honours http_proxy; wrk does not, but be explicit).
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
}

# --- cortex-server ----------------------------------------------------------------------------

# start_cortex: starts $server_bin on 127.0.0.1:0 with a fresh data dir in $tmp and a random KEK
# password; sets $server_pid, $cortex_url (http://127.0.0.1:PORT) and $admin_token.
start_cortex() {
    local password i
    password="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    : >"$tmp/server.out" # exists before the poll below reads it (the child opens it async)
    : >"$tmp/server.err"
    CORTEX_KEK_PASSWORD="$password" CORTEX_KDF_PROFILE=interactive \
        "${server_cpus[@]}" "${cortex_prefix[@]}" "$server_bin" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
        >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!

    cortex_url=""
    for ((i = 0; i < startup_seconds * 10; i++)); do # initialisation runs Argon2id once
        cortex_url="$(sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' "$tmp/server.out")"
        [[ -n "$cortex_url" ]] && break
        if ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$tmp/server.out" "$tmp/server.err" >&2
            die "cortex-server exited before it was listening"
        fi
        sleep 0.1
    done
    if [[ -z "$cortex_url" ]]; then
        cat "$tmp/server.out" "$tmp/server.err" >&2
        die "cortex-server printed no 'listening on http://127.0.0.1:PORT' line within $startup_seconds s"
    fi
    [[ -s "$tmp/data/admin-token" ]] || die "cortex-server wrote no $tmp/data/admin-token"
    admin_token="$(tr -d '\r\n' <"$tmp/data/admin-token")"
}

# measure_response WHAT URL [CURL_OPTION...]: one GET to learn the exact body size, set in
# $body_bytes; the body itself (it holds secret values) is discarded. WHAT names the request
# in error messages (e.g. "GET /admin/secrets/sec_…").
measure_response() {
    local what="$1" url="$2" status
    shift 2
    read -r status body_bytes < <(curl_local -o /dev/null "$@" \
        --write-out '%{http_code} %{size_download}\n' "$url")
    [[ "$status" == 200 ]] || die "$what answered $status"
    ((body_bytes > 0)) || die "$what returned an empty body"
}

# --- nginx ------------------------------------------------------------------------------------

# _nginx_try_port PORT: writes the config and starts nginx on 127.0.0.1:PORT; 0 once it serves
# /secret.json, 1 if it exited or did not answer within 5 s (then $nginx_pid may still be set).
_nginx_try_port() {
    local nginx_features temp_paths user_line i
    nginx_features="$("$nginx_bin" -V 2>&1)"
    temp_paths="client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;"
    [[ "$nginx_features" == *--without-http_uwsgi_module* ]] || temp_paths+="
    uwsgi_temp_path $tmp/nginx/uwsgi;"
    [[ "$nginx_features" == *--without-http_scgi_module* ]] || temp_paths+="
    scgi_temp_path $tmp/nginx/scgi;"
    # As root, nginx would hand the worker to "nobody", which cannot read the 0700 temp dir.
    user_line=""
    ((EUID != 0)) || user_line="user $(id -un) $(id -gn);"

    cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
$nginx_conf_extra
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    $temp_paths
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 60s;
    keepalive_requests 100000000;
    server_tokens off;
    types { }
    default_type application/json;
    server {
        listen 127.0.0.1:$1;
        root $tmp/www;
        location = /secret.json {
            # the two fixed headers cortex also sends, for a comparable response head
            add_header Cache-Control no-store;
            add_header X-Content-Type-Options nosniff;
        }
    }
}
EOF
    "${server_cpus[@]}" "${nginx_prefix[@]}" "$nginx_bin" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
        >"$tmp/nginx/stdout.log" 2>&1 &
    nginx_pid=$!
    for ((i = 0; i < startup_seconds * 10; i++)); do
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            wait "$nginx_pid" 2>/dev/null || true
            nginx_pid=""
            return 1
        fi
        [[ "$(curl_local -o /dev/null --write-out '%{http_code}' "http://127.0.0.1:$1/secret.json" 2>/dev/null)" == 200 ]] &&
            return 0
        sleep 0.1
    done
    return 1
}

# start_nginx_same_size BYTES: writes a static file of BYTES filler bytes (not a copy of the
# response: no secret value is written to disk), starts nginx from a generated config in $tmp on
# a free random port of 127.0.0.1 (5 tries) and checks it serves exactly BYTES. Sets $nginx_url,
# $nginx_pid and $static_bytes.
start_nginx_same_size() {
    local bytes="$1" port nginx_bytes
    mkdir -p "$tmp/www" "$tmp/nginx"
    head -c "$bytes" /dev/zero | tr '\0' 'x' >"$tmp/www/secret.json"
    [[ "$(stat -c %s "$tmp/www/secret.json")" == "$bytes" ]] || die "could not write the static file"

    nginx_url=""
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        # Skip a port something already listens on (this only ever connects to 127.0.0.1).
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue
        fi
        if _nginx_try_port "$port"; then
            nginx_url="http://127.0.0.1:$port/secret.json"
            break
        fi
        stop_process "$nginx_pid" nginx
        nginx_pid=""
    done
    if [[ -z "$nginx_url" ]]; then
        cat "$tmp/nginx/error.log" "$tmp/nginx/stdout.log" 2>/dev/null >&2 || true
        die "nginx did not start on 127.0.0.1 (tried 5 ports)"
    fi
    nginx_bytes="$(curl_local -o /dev/null --write-out '%{size_download}' "$nginx_url")"
    [[ "$nginx_bytes" == "$bytes" ]] || die "nginx serves $nginx_bytes bytes, cortex $bytes"
    static_bytes="$bytes"
}

# --- the agent's project (project-secrets.sh, fetch-instructions.sh) ---------------------------

# check_agent_flow_tools: agent_flow.py needs python3 with Debian's python3-cryptography.
check_agent_flow_tools() {
    python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null ||
        die "python3 with the cryptography module not found (Debian: apt-get install python3-cryptography)"
}

# set_up_project_fetch: runs the agent flow (bench/agent_flow.py: an agent, 5 secrets granted
# to project "bench", discover, approval, discover) against the server; sets $project,
# $project_token and $cortex_target (GET /project/secrets/$project).
set_up_project_fetch() {
    project="bench"
    project_token="$(python3 "$bench_dir/agent_flow.py" "$cortex_url" "$admin_token" "$project")" ||
        die "the agent flow (register, grant, discover, approve, discover) failed"
    [[ "$project_token" =~ ^[A-Za-z0-9_.-]+$ ]] || die "no project token from the agent flow"
    cortex_target="$cortex_url/project/secrets/$project"
}

# --- wrk --------------------------------------------------------------------------------------

# run_wrk NAME URL [WRK_OPTION...]: runs wrk with $wrk_args into $tmp/wrk-NAME.txt, shows its
# output, refuses a failed run, non-2xx answers (unless $wrk_expect_errors is set: a run that
# measures error answers on purpose) and a report without Requests/sec.
run_wrk() {
    local name="$1" url="$2"
    shift 2
    echo "== wrk ${wrk_args[*]} $name"
    # In the background, so that a signal to this script is handled at once (wait returns).
    "${load_cpus[@]}" wrk "${wrk_args[@]}" "$@" "$url" >"$tmp/wrk-$name.txt" 2>&1 &
    wrk_pid=$!
    local rc=0
    wait "$wrk_pid" || rc=$?
    wrk_pid=""
    if ((rc != 0)); then
        cat "$tmp/wrk-$name.txt" >&2
        die "wrk failed against $name (exit $rc)"
    fi
    sed 's/^/   /' "$tmp/wrk-$name.txt"
    if [[ -z "${wrk_expect_errors:-}" ]] && grep -q 'Non-2xx' "$tmp/wrk-$name.txt"; then
        echo >&2
        echo "!!! $name answered non-2xx responses during the run:" >&2
        grep 'Non-2xx' "$tmp/wrk-$name.txt" >&2
        die "$name: the benchmark is invalid (non-2xx responses)"
    fi
    grep -q '^Requests/sec:' "$tmp/wrk-$name.txt" || die "$name: no Requests/sec line in wrk's output"
}

# wrk_rate FILE: Requests/sec from a wrk report, rounded to an integer.
wrk_rate() {
    awk '$1 == "Requests/sec:" { printf "%.0f\n", $2; exit }' "$1"
}

# wrk_percentile FILE P: the P% latency (P = 50, 75, 90 or 99) of wrk's --latency
# distribution, converted to ms with two decimals.
wrk_percentile() {
    awk -v want="$2%" '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v + 0
        }
        $1 == want { printf "%.2f\n", ms($2); exit }
    ' "$1"
}

# cpu_busy_percent: share of all CPUs not idle over half a second (from /proc/stat).
cpu_busy_percent() {
    local a b
    a="$(head -n1 /proc/stat)"
    sleep 0.5
    b="$(head -n1 /proc/stat)"
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y)
        for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0)
    }'
}

# process_cpu_ticks PID: user + system CPU time the process has used so far, in clock ticks
# (fields 14 and 15 of /proc/PID/stat; the command name before them may contain spaces).
process_cpu_ticks() {
    local stat
    stat="$(cat "/proc/$1/stat")"
    stat="${stat##*) }"
    awk '{ print $12 + $13 }' <<<"$stat"
}

# compare_with_nginx URL [WRK_OPTION...]: prints the run conditions, runs wrk against cortex
# (URL with the options, e.g. its auth header), checks cortex-server survived, then runs wrk
# with the same settings against nginx.
compare_with_nginx() {
    local url="$1" busy
    shift
    echo "cortex-server: $server_bin"
    echo "response body: $static_bytes bytes; wrk ${wrk_args[*]}; $(cpu_placement)"
    # Both servers and wrk share these CPUs: anything else running skews the numbers.
    busy="$(cpu_busy_percent)"
    echo "CPU busy just before the run (other work on this machine): $busy%"
    ((busy < 25)) ||
        echo "warning: this machine is busy with other work; expect low, noisy numbers (nginx's most)" >&2
    echo
    local cpu_before
    cpu_before="$(process_cpu_ticks "$server_pid")"
    run_wrk cortex "$url" "$@"
    kill -0 "$server_pid" 2>/dev/null || die "cortex-server died during the run"
    c_cpu_ticks=$(($(process_cpu_ticks "$server_pid") - cpu_before))
    echo
    run_wrk nginx "$nginx_url"
    echo
}

# print_summary CORTEX_PREFIX NGINX_PREFIX: warns about socket errors, then prints
#   CORTEX_PREFIX <req/s> req/s, p50 <ms> ms, p99 <ms> ms
#   NGINX_PREFIX <req/s> req/s, p50 <ms> ms, p99 <ms> ms
#   ratio cortex/nginx: <ratio>
#   cortex-server CPU (user + system) per request: <us> us
# (the prefixes carry their own padding). Sets c_rps c_p50 c_p99 n_rps n_p50 n_p99, ratio and
# c_cpu_us for the caller's own verdict.
print_summary() {
    local name
    c_rps="$(wrk_rate "$tmp/wrk-cortex.txt")"
    c_p50="$(wrk_percentile "$tmp/wrk-cortex.txt" 50)"
    c_p99="$(wrk_percentile "$tmp/wrk-cortex.txt" 99)"
    n_rps="$(wrk_rate "$tmp/wrk-nginx.txt")"
    n_p50="$(wrk_percentile "$tmp/wrk-nginx.txt" 50)"
    n_p99="$(wrk_percentile "$tmp/wrk-nginx.txt" 99)"
    ((n_rps > 0)) || die "nginx served no requests"
    ratio="$(awk -v c="$c_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", c / n }')"

    for name in cortex nginx; do
        if grep -q 'Socket errors' "$tmp/wrk-$name.txt"; then
            echo "warning: $name: $(grep 'Socket errors' "$tmp/wrk-$name.txt" | sed 's/^ *//')" >&2
        fi
    done

    # CPU time per answered request: steadier than req/s when other work shares the machine
    # (it counts what the server did, not how long it waited for a CPU or the disk).
    local requests
    requests="$(awk '$2 == "requests" && $3 == "in" { print $1; exit }' "$tmp/wrk-cortex.txt")"
    c_cpu_us="$(awk -v t="${c_cpu_ticks:-0}" -v hz="$(getconf CLK_TCK)" -v n="${requests:-0}" \
        'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')"

    echo "$1 $c_rps req/s, p50 $c_p50 ms, p99 $c_p99 ms"
    echo "$2 $n_rps req/s, p50 $n_p50 ms, p99 $n_p99 ms"
    echo "ratio cortex/nginx: $ratio"
    echo "cortex-server CPU (user + system) per request: $c_cpu_us us"
}

# --- fixed-rate (open-loop) runs --------------------------------------------------------------

# check_fixed_rate_tool: sets $load_bin, the open-loop load generator built beside the server
# (cortex-fixed-rate-load, bench/fixed_rate_load.cpp), and $fixed_seconds (DURATION in seconds).
check_fixed_rate_tool() {
    load_bin="$(dirname "$server_bin")/cortex-fixed-rate-load"
    [[ -x "$load_bin" ]] || die "no cortex-fixed-rate-load beside $server_bin
  it is built with the server:  (cd $repo_root && cmake --workflow --preset release)"
    fixed_seconds="$(awk -v d="$DURATION" 'BEGIN {
        n = d + 0; u = substr(d, length(d))
        print (u == "m" ? n * 60 : (u == "h" ? n * 3600 : n))
    }')"
}

# run_fixed_rate NAME RATE URL [-H HEADER...]: offers RATE requests per second over
# $CONNECTIONS connections for $fixed_seconds (after 2 s of warm-up, not counted) into
# $tmp/load-NAME.txt; refuses a run with error answers, as run_wrk does.
run_fixed_rate() {
    local name="$1" rate="$2" url="$3" rc=0
    shift 3
    "${load_cpus[@]}" "$load_bin" --rate "$rate" --connections "$CONNECTIONS" --duration "$fixed_seconds" \
        --warmup 2 "$@" "$url" >"$tmp/load-$name.txt" 2>&1 &
    wrk_pid=$!
    wait "$wrk_pid" || rc=$?
    wrk_pid=""
    if ((rc != 0)); then
        cat "$tmp/load-$name.txt" >&2
        die "$name: the fixed-rate run failed or got error answers (exit $rc)"
    fi
}

# load_field FILE KEY: one value from the generator's report: p50/p90/p99/p99.9/max of its
# "latency ms:" line, "answered"/"due" of its "answered: N of M due" line, "stalls" (the count
# of its "machine stalls:" line) or "longest" (that line's longest stall, in ms).
load_field() {
    awk -v key="$2" '
        $1 == "latency" { for (i = 3; i < NF; i += 2) if ($i == key) print $(i + 1) }
        $1 == "answered:" { if (key == "answered") print $2; if (key == "due") print $4 }
        $1 == "machine" && $2 == "stalls:" {
            if (key == "stalls") print $3
            if (key == "longest") print $8
        }
    ' "$1"
}
