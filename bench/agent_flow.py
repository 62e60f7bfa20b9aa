# The agent flow of the benchmarks, as an agent host and an operator would do it over HTTP:
# register the agent, store 5 secrets and grant them to the project, discover (403
# pending_approval), approve, discover again and print the project token. Values are random and
# never printed. Uses Debian's python3-cryptography; nothing is downloaded.
#
#   python3 bench/agent_flow.py BASE_URL ADMIN_TOKEN PROJECT
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
