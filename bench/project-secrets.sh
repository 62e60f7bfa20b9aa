#!/usr/bin/env bash
# Benchmark the authenticated agent read GET /project/secrets/{project} (5 secrets, with
# Authorization: Bearer <project token>) of cortex-server against nginx serving a static file
# of the same size, both on 127.0.0.1, with the same wrk parameters. See bench/README.md.
# The agent side (Ed25519 key, signed discover, approval) is a small python3 helper using
# Debian's python3-cryptography; nothing is downloaded.
#
#   bench/project-secrets.sh [PATH/TO/cortex-server]
#
# Environment: THREADS (2), CONNECTIONS (32), DURATION (10s) are passed to wrk as -t/-c/-d.
# It builds nothing; build first with `cmake --workflow --preset release`.
# All traffic stays on 127.0.0.1; every process it starts and its temp dir are removed on exit.
set -euo pipefail

THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
server_bin="${1:-$repo_root/build/release/bin/cortex-server}"

die() {
    echo "project-secrets.sh: $*" >&2
    exit 1
}

[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, not '$THREADS'"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, not '$CONNECTIONS'"
[[ "$DURATION" =~ ^[1-9][0-9]*[smh]?$ ]] || die "DURATION must look like 10s, 1m or 30, not '$DURATION'"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"

if [[ ! -x "$server_bin" ]]; then
    die "no cortex-server binary at $server_bin
  build a release first:  (cd $repo_root && cmake --workflow --preset release)
  or pass the binary:     bench/project-secrets.sh path/to/cortex-server"
fi
server_bin="$(cd "$(dirname "$server_bin")" && pwd)/$(basename "$server_bin")"

nginx_bin="$(command -v nginx || true)"
[[ -n "$nginx_bin" ]] || { [[ -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx; } ||
    die "nginx not found (Debian: apt-get install nginx-light)"
command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl not found (Debian: apt-get install curl)"
python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null ||
    die "python3 with the cryptography module not found (Debian: apt-get install python3-cryptography)"

# --- temp dir and cleanup ---------------------------------------------------------------------

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cortex-bench.XXXXXX")"
server_pid=""
nginx_pid=""
wrk_pid=""

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
        echo "project-secrets.sh: $2 (pid $pid) ignored SIGTERM; killing it" >&2
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
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Proxies must never see this traffic (curl honours http_proxy; wrk does not, but be explicit).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
curl_local() { curl --noproxy '*' --silent --show-error --max-time 10 "$@"; }

# --- cortex-server ----------------------------------------------------------------------------

password="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
: >"$tmp/server.out" # exists before the poll below reads it (the child opens it async)
: >"$tmp/server.err"
CORTEX_KEK_PASSWORD="$password" CORTEX_KDF_PROFILE=interactive \
    "$server_bin" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
    >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!

cortex_url=""
for ((i = 0; i < 300; i++)); do # up to 30 s (initialisation runs Argon2id once)
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
    die "cortex-server printed no 'listening on http://127.0.0.1:PORT' line within 30 s"
fi
[[ -s "$tmp/data/admin-token" ]] || die "cortex-server wrote no $tmp/data/admin-token"
admin_token="$(tr -d '\r\n' <"$tmp/data/admin-token")"

# The agent flow, as an agent host and an operator would do it over HTTP: register the agent,
# store 5 secrets and grant them to the project, discover (403 pending_approval), approve,
# discover again and print the project token. Values are random and never printed.
cat >"$tmp/agent.py" <<'PY'
import base64, json, os, sys, time, urllib.error, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

base, admin, project = sys.argv[1], sys.argv[2], sys.argv[3]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def call(method, path, body=None, admin_auth=True):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if admin_auth:
        req.add_header("X-Admin-Token", admin)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def expect(what, got, status):
    if got[0] != status:
        sys.exit(f"{what}: expected {status}, got {got[0]} {got[1].get('error_code') if isinstance(got[1], dict) else ''}")
    return got[1]

key = Ed25519PrivateKey.generate()
agent_id = "bench-agent"
pub = b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
expect("register agent", call("POST", "/admin/agents", {"agent_id": agent_id, "agent_pub": pub}), 201)
names = []
for i in range(1, 6):
    name = f"BENCH_SECRET_{i}"
    sid = expect("create secret", call("POST", "/admin/secrets", {
        "key_path": f"{project}/secret-{i}", "secret_type": "KEY_VALUE",
        "value": os.urandom(32).hex()}), 201)["id"]
    expect("grant", call("POST", f"/admin/projects/{project}/grants",
                         {"secret_id": sid, "env_var_name": name}), 201)
    names.append(name)
env_file = "".join(f"{n}=\n" for n in names)

def discover():
    ts, nonce = int(time.time()), os.urandom(16).hex()
    proof = key.sign(f"{ts}|{nonce}|{agent_id}|/agent/discover".encode())
    return call("POST", "/agent/discover", {
        "agent_id": agent_id, "ts": ts, "nonce": nonce, "auth_proof": b64url(proof),
        "context": {"project_name": project, "file_content": env_file}}, admin_auth=False)

grant_id = expect("first discover", discover(), 403)["details"]["grant_id"]
expect("approve", call("POST", f"/admin/pending-grants/{grant_id}/approve", {}), 200)
print(expect("second discover", discover(), 200)["project_token"])
PY
project="bench"
project_token="$(python3 "$tmp/agent.py" "$cortex_url" "$admin_token" "$project")" ||
    die "the agent flow (register, grant, discover, approve, discover) failed"
[[ "$project_token" =~ ^[A-Za-z0-9_.-]+$ ]] || die "no project token from the agent flow"
cortex_target="$cortex_url/project/secrets/$project"

# One read to learn the exact body size; the body itself (it holds the values) is discarded.
read -r status body_bytes < <(curl_local -o /dev/null -H "Authorization: Bearer $project_token" \
    --write-out '%{http_code} %{size_download}\n' "$cortex_target")
[[ "$status" == 200 ]] || die "GET /project/secrets/$project answered $status"
((body_bytes > 0)) || die "GET /project/secrets/$project returned an empty body"
# All 5 secrets must be in it, or the run would measure a smaller answer.
env_count="$(curl_local -H "Authorization: Bearer $project_token" "$cortex_target" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["env_vars"]))')"
[[ "$env_count" == 5 ]] || die "GET /project/secrets/$project returned $env_count env vars, not 5"

# --- nginx ------------------------------------------------------------------------------------

mkdir -p "$tmp/www" "$tmp/nginx"
# Filler of the same size, not a copy of the response: no secret value is written to disk.
head -c "$body_bytes" /dev/zero | tr '\0' 'x' >"$tmp/www/secret.json"
[[ "$(stat -c %s "$tmp/www/secret.json")" == "$body_bytes" ]] || die "could not write the static file"

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

start_nginx() { # port
    cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
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
    "$nginx_bin" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
        >"$tmp/nginx/stdout.log" 2>&1 &
    nginx_pid=$!
    local i
    for ((i = 0; i < 50; i++)); do
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

nginx_url=""
for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    # Skip a port something already listens on (this only ever connects to 127.0.0.1).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        continue
    fi
    if start_nginx "$port"; then
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
[[ "$nginx_bytes" == "$body_bytes" ]] || die "nginx serves $nginx_bytes bytes, cortex $body_bytes"

# --- wrk --------------------------------------------------------------------------------------

wrk_args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)

# run_wrk NAME URL [wrk options...]: runs wrk, shows its output, refuses non-2xx answers.
run_wrk() {
    local name="$1" url="$2"
    shift 2
    echo "== wrk ${wrk_args[*]} $name"
    # In the background, so that a signal to this script is handled at once (wait returns).
    wrk "${wrk_args[@]}" "$@" "$url" >"$tmp/wrk-$name.txt" 2>&1 &
    wrk_pid=$!
    local rc=0
    wait "$wrk_pid" || rc=$?
    wrk_pid=""
    if ((rc != 0)); then
        cat "$tmp/wrk-$name.txt" >&2
        die "wrk failed against $name (exit $rc)"
    fi
    sed 's/^/   /' "$tmp/wrk-$name.txt"
    if grep -q 'Non-2xx' "$tmp/wrk-$name.txt"; then
        echo >&2
        echo "!!! $name answered non-2xx responses during the run:" >&2
        grep 'Non-2xx' "$tmp/wrk-$name.txt" >&2
        die "$name: the benchmark is invalid (non-2xx responses)"
    fi
    grep -q '^Requests/sec:' "$tmp/wrk-$name.txt" || die "$name: no Requests/sec line in wrk's output"
}

# field FILE requests|p50|p99: numbers from wrk's output; latencies converted to ms.
field() {
    awk -v want="$2" '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v + 0
        }
        want == "requests" && $1 == "Requests/sec:" { printf "%.0f\n", $2; exit }
        want == "p50" && $1 == "50%" { printf "%.2f\n", ms($2); exit }
        want == "p99" && $1 == "99%" { printf "%.2f\n", ms($2); exit }
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

echo "cortex-server: $server_bin"
echo "response body: $body_bytes bytes; wrk ${wrk_args[*]}; $(nproc) CPUs"
# Both servers and wrk share these CPUs: anything else running skews the numbers.
busy="$(cpu_busy_percent)"
echo "CPU busy just before the run (other work on this machine): $busy%"
((busy < 25)) ||
    echo "warning: this machine is busy with other work; expect low, noisy numbers (nginx's most)" >&2
echo
run_wrk cortex "$cortex_target" -H "Authorization: Bearer $project_token"
kill -0 "$server_pid" 2>/dev/null || die "cortex-server died during the run"
echo
run_wrk nginx "$nginx_url"
echo

c_rps="$(field "$tmp/wrk-cortex.txt" requests)"
c_p50="$(field "$tmp/wrk-cortex.txt" p50)"
c_p99="$(field "$tmp/wrk-cortex.txt" p99)"
n_rps="$(field "$tmp/wrk-nginx.txt" requests)"
n_p50="$(field "$tmp/wrk-nginx.txt" p50)"
n_p99="$(field "$tmp/wrk-nginx.txt" p99)"
((n_rps > 0)) || die "nginx served no requests"
ratio="$(awk -v c="$c_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", c / n }')"

for name in cortex nginx; do
    if grep -q 'Socket errors' "$tmp/wrk-$name.txt"; then
        echo "warning: $name: $(grep 'Socket errors' "$tmp/wrk-$name.txt" | sed 's/^ *//')" >&2
    fi
done

echo "cortex GET /project/secrets/{p} (5 secrets): $c_rps req/s, p50 $c_p50 ms, p99 $c_p99 ms"
echo "nginx static (same size):                    $n_rps req/s, p50 $n_p50 ms, p99 $n_p99 ms"
echo "ratio cortex/nginx: $ratio"
# The goal of issue 3: above half of nginx's rate with p99 under 2 ms at 32 connections.
verdict="$(awk -v r="$ratio" -v p="$c_p99" 'BEGIN {
    ok_r = (r > 0.5); ok_p = (p < 2.0)
    printf "%s (ratio %s %s 0.5, p99 %s ms %s 2 ms)", (ok_r && ok_p) ? "MET" : "NOT MET",
        r, ok_r ? ">" : "<=", p, ok_p ? "<" : ">="
}')"
note=""
((CONNECTIONS == 32)) || note=" [the goal is stated for 32 connections; this run used $CONNECTIONS]"
echo "goal (ratio > 0.5 and p99 < 2 ms at 32 connections): $verdict$note"
