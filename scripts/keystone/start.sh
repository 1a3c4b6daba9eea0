#!/usr/bin/env bash
# Start a throwaway OpenStack Keystone (Identity v3, fernet tokens, SQLite) on
# 127.0.0.1 for integration tests, and seed it with test users.
#
# Every run starts FRESH: a Keystone already started from the same state dir is
# stopped and the state dir (DB, keys, logs) is wiped before starting again.
#
# stdout: only the path of the generated env file (last and only line).
# stderr: progress messages, and the log tail on failure.
# See README.md next to this file for the environment variables.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

STATE_DIR="${KEYSTONE_STATE_DIR:-/tmp/token-revocation-keystone}"
PORT="${KEYSTONE_PORT:-5000}"
ADMIN_PASSWORD="${KEYSTONE_ADMIN_PASSWORD:-admin-secret}"
USER_PASSWORD="${KEYSTONE_USER_PASSWORD:-user-secret}"
SERVICE_USER="revocation-svc"
SERVICE_PASSWORD="${KEYSTONE_SERVICE_PASSWORD:-service-secret}"
TOKEN_EXPIRATION="${KEYSTONE_TOKEN_EXPIRATION:-3600}"
CACHE_MODE="${KEYSTONE_CACHE:-memory}"
START_TIMEOUT="${KEYSTONE_START_TIMEOUT:-60}"
# Marker that makes a directory ours, so a wrong KEYSTONE_STATE_DIR never gets wiped.
MARKER=".token-revocation-keystone"

# Debian's own interpreter: keystone lives in its dist-packages, and a pyenv/venv
# python3 earlier on PATH would not see it.
PY=/usr/bin/python3

log() { printf '[keystone] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$(id -u)" == 0 ]] || die "must run as root (apt-get install, keystone-manage)"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "KEYSTONE_PORT must be a number, got '$PORT'"
[[ "$TOKEN_EXPIRATION" =~ ^[0-9]+$ ]] || die "KEYSTONE_TOKEN_EXPIRATION must be seconds, got '$TOKEN_EXPIRATION'"
# Plain characters only: the path is embedded verbatim in keystone.conf and in
# the sqlite:// URL.
[[ "$STATE_DIR" =~ ^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$ ]] || die "KEYSTONE_STATE_DIR must be an absolute path of [A-Za-z0-9._/-], not /, got '$STATE_DIR'"
case "$CACHE_MODE" in
  # In-process dogpile cache: ~60x faster token validation than uncached SQLite
  # (~8 ms vs ~450 ms). Safe for revocation because there is exactly one Keystone
  # process, and revoking invalidates the token and revocation-list cache entries
  # in that process, so a revoked token is 404 on the very next request.
  memory) CACHE_CONF=$'enabled = true\nbackend = dogpile.cache.memory' ;;
  # Every request goes to the DB; slow but nothing can ever be stale.
  off) CACHE_CONF='enabled = false' ;;
  *) die "KEYSTONE_CACHE must be 'memory' or 'off', got '$CACHE_MODE'" ;;
esac

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# ---------------------------------------------------------------------------
# 1. Install (only when missing).
# ---------------------------------------------------------------------------
have_tools() { command -v keystone-wsgi-public >/dev/null && command -v openstack >/dev/null && command -v curl >/dev/null; }

install_keystone() {
  local created_policy=0 t0=$SECONDS
  log "installing keystone from Debian packages (one-off, takes about a minute)"
  # Keep the package from starting its own uwsgi/keystone service on :5000.
  # (invoke-rc.d turns a 101 into a silent, successful no-op.)
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  # The postinst only touches a DB, bootstraps an admin (after a 10 s sleep) or
  # registers endpoints when these are true; pin them to false explicitly.
  debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
EOF
  local pkgs=(keystone python3-openstackclient python3-keystoneclient)
  command -v curl >/dev/null || pkgs+=(curl)
  # One retry: a mirror hiccup on a fresh CI machine should not fail the whole run.
  local attempt
  for attempt in 1 2; do
    apt-get update >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${pkgs[@]}" >&2 && break
    ((attempt == 2)) && die "apt-get could not install ${pkgs[*]}"
    log "apt-get failed; retrying in 10 s"
    sleep 10
  done
  if ((created_policy)); then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  log "install done in $((SECONDS - t0)) s"
}

if ! have_tools; then
  # Serialise concurrent first runs (e.g. two test suites on different ports):
  # the loser waits, then finds everything installed.
  exec 9>/var/lock/token-revocation-keystone-install.lock
  flock -w 600 9 || die "timed out waiting for another keystone install"
  have_tools || install_keystone
  exec 9>&-
fi

# ---------------------------------------------------------------------------
# 2. Fresh state dir (stop a previous instance first).
# ---------------------------------------------------------------------------
T_START=$SECONDS
if [[ -f "$STATE_DIR/keystone.pid" ]]; then
  log "previous instance found in $STATE_DIR, stopping it"
  KEYSTONE_STATE_DIR="$STATE_DIR" KEYSTONE_PORT="$PORT" "$SCRIPT_DIR/stop.sh" >&2
fi
if port_busy; then
  die "127.0.0.1:$PORT is already in use by a process not started from $STATE_DIR (set KEYSTONE_PORT or stop it)"
fi
if [[ -e "$STATE_DIR" ]]; then
  if [[ -f "$STATE_DIR/$MARKER" ]] || [[ -z "$(ls -A "$STATE_DIR")" ]]; then
    rm -rf "$STATE_DIR"
  else
    die "$STATE_DIR exists and was not created by this script; refusing to wipe it"
  fi
fi
mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
touch "$STATE_DIR/$MARKER"

CONF="$STATE_DIR/keystone.conf"
# Everything Keystone reads or writes points into STATE_DIR, so the Debian
# defaults under /etc/keystone and /var/log/keystone are never used.
cat >"$CONF" <<EOF
[DEFAULT]
log_file = $STATE_DIR/keystone.log
use_stderr = false
debug = false

[database]
connection = sqlite:///$STATE_DIR/keystone.db

[token]
provider = fernet
expiration = $TOKEN_EXPIRATION

[fernet_tokens]
key_repository = $STATE_DIR/fernet-keys

[fernet_receipts]
key_repository = $STATE_DIR/fernet-keys

[credential]
key_repository = $STATE_DIR/credential-keys

[cache]
$CACHE_CONF

[identity]
# Cheapest bcrypt cost: password auth is on the hot path of every test.
password_hash_rounds = 4

[oslo_policy]
# Empty override file and empty policy.d: only the in-code default policy applies,
# never /etc/keystone/policy.yaml or /etc/keystone/policy.d/* from the package.
policy_file = $STATE_DIR/policy.yaml
policy_dirs = $STATE_DIR/policy.d
EOF
echo '# no overrides: in-code defaults' >"$STATE_DIR/policy.yaml"
mkdir -p "$STATE_DIR/policy.d"

# ---------------------------------------------------------------------------
# 3. Keys, schema, admin user/project/role, identity endpoint.
# ---------------------------------------------------------------------------
manage() {
  local out="$STATE_DIR/keystone-manage.$1.out"
  keystone-manage --config-file "$CONF" "$@" >"$out" 2>&1 || { tail -n 40 "$out" >&2; die "keystone-manage $1 failed"; }
}

KEYSTONE_URL="http://127.0.0.1:$PORT/v3"
log "initialising $STATE_DIR"
# Each keystone-manage spends ~2 s importing; the key setups are independent
# of the DB, so overlap them with db_sync.
manage fernet_setup --keystone-user root --keystone-group root &
fernet_job=$!
manage credential_setup --keystone-user root --keystone-group root &
credential_job=$!
manage db_sync
if ! wait "$fernet_job" || ! wait "$credential_job"; then die "key repository setup failed"; fi
manage bootstrap \
  --bootstrap-password "$ADMIN_PASSWORD" \
  --bootstrap-username admin \
  --bootstrap-project-name admin \
  --bootstrap-role-name admin \
  --bootstrap-service-name keystone \
  --bootstrap-public-url "$KEYSTONE_URL" \
  --bootstrap-region-id RegionOne

# ---------------------------------------------------------------------------
# 4. Serve it: Keystone's own WSGI app, one thread per connection (keystone-wsgi-public-threaded;
#    the packaged keystone-wsgi-public serves one connection at a time, and workerd's connection
#    pool would stall it).
# ---------------------------------------------------------------------------
# setsid: own session/process group, so it outlives this script and stop.sh
# can kill the whole group. Without job control the background child is not a
# group leader, hence setsid does not fork and $! is Keystone's own PID.
OS_KEYSTONE_CONFIG_FILES="$CONF" nohup setsid /usr/bin/python3 "$SCRIPT_DIR/keystone-wsgi-public-threaded" 127.0.0.1 "$PORT" \
  >"$STATE_DIR/keystone.out" 2>&1 </dev/null &
KEYSTONE_PID=$!
echo "$KEYSTONE_PID" >"$STATE_DIR/keystone.pid"
log "keystone-wsgi-public started (pid $KEYSTONE_PID), waiting for $KEYSTONE_URL"

fail_start() {
  log "$1"
  log "---- tail $STATE_DIR/keystone.out"; tail -n 30 "$STATE_DIR/keystone.out" >&2 || true
  log "---- tail $STATE_DIR/keystone.log"; tail -n 30 "$STATE_DIR/keystone.log" >&2 || true
  kill -TERM -- "-$KEYSTONE_PID" 2>/dev/null || true
  rm -f "$STATE_DIR/keystone.pid"
  exit 1
}
deadline=$((SECONDS + START_TIMEOUT))
until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$KEYSTONE_URL" || true)" == 200 ]]; do
  kill -0 "$KEYSTONE_PID" 2>/dev/null || fail_start "keystone-wsgi-public exited during start-up"
  ((SECONDS < deadline)) || fail_start "no HTTP 200 from $KEYSTONE_URL within ${START_TIMEOUT}s"
  sleep 0.3
done

# ---------------------------------------------------------------------------
# 5. Test fixtures through the real v3 API (idempotent: look up before create).
# ---------------------------------------------------------------------------
log "creating fixtures (roles, projects demo and globex-demo, domain globex, users alice/bob/carol/dana/erin/$SERVICE_USER)"
KEYSTONE_URL="$KEYSTONE_URL" ADMIN_PASSWORD="$ADMIN_PASSWORD" USER_PASSWORD="$USER_PASSWORD" \
SERVICE_USER="$SERVICE_USER" SERVICE_PASSWORD="$SERVICE_PASSWORD" \
"$PY" - <<'PYEOF' || fail_start "fixture creation failed"
import json, os, sys, urllib.error, urllib.parse, urllib.request

url = os.environ["KEYSTONE_URL"]

def call(method, path, body=None, token=None, ok=(200, 201, 204)):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, r.headers, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, e.headers, None
        sys.exit(f"{method} {path} -> {e.code}: {e.read().decode(errors='replace')}")

_, h, _ = call("POST", "/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": os.environ["ADMIN_PASSWORD"]}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
tok = h["X-Subject-Token"]

def ensure(collection, key, name, attrs):
    # Users and projects are looked up in the domain they are created in; roles and domains globally.
    scoped = {"domain_id": attrs["domain_id"]} if "domain_id" in attrs else {}
    q = urllib.parse.urlencode({"name": name, **scoped})
    _, _, found = call("GET", f"/{collection}?{q}", token=tok)
    if found[collection]:
        return found[collection][0]["id"], False
    _, _, made = call("POST", f"/{collection}", {key: {"name": name, **attrs}}, token=tok)
    return made[key]["id"], True

# "manager" is not among the bootstrap roles of this Keystone release; newer ones create it.
role = {r: ensure("roles", "role", r, {})[0] for r in ("admin", "member", "reader", "manager")}
admin_project, _ = ensure("projects", "project", "admin", {"domain_id": "default"})
demo, _ = ensure("projects", "project", "demo", {"domain_id": "default", "description": "token-revocation tests"})
# A second domain, for the domain-scoped rules: carol lives there; dana and erin (home: default)
# administer it through a role on the domain itself.
globex, _ = ensure("domains", "domain", "globex", {"description": "token-revocation tests"})
globex_demo, _ = ensure("projects", "project", "globex-demo", {"domain_id": globex})
pw = os.environ["USER_PASSWORD"]
for name, home, target, r, password in (
    ("alice", "default", f"/projects/{demo}", "member", pw),
    ("bob", "default", f"/projects/{demo}", "member", pw),
    ("carol", globex, f"/projects/{globex_demo}", "member", pw),
    ("dana", "default", f"/domains/{globex}", "admin", pw),
    ("erin", "default", f"/domains/{globex}", "manager", pw),
    (os.environ["SERVICE_USER"], "default", f"/projects/{admin_project}", "admin", os.environ["SERVICE_PASSWORD"]),
):
    uid, created = ensure("users", "user", name, {"domain_id": home, "password": password, "enabled": True})
    if not created:
        call("PATCH", f"/users/{uid}", {"user": {"password": password, "enabled": True}}, token=tok)
    # Role assignment PUT is idempotent.
    call("PUT", f"{target}/users/{uid}/roles/{role[r]}", token=tok)
PYEOF

# ---------------------------------------------------------------------------
# 6. Env file for the tests.
# ---------------------------------------------------------------------------
ENV_FILE="$STATE_DIR/env"
{
  printf 'export %s=%q\n' \
    KEYSTONE_URL "$KEYSTONE_URL" \
    KEYSTONE_PORT "$PORT" \
    KEYSTONE_STATE_DIR "$STATE_DIR" \
    KEYSTONE_ADMIN_PASSWORD "$ADMIN_PASSWORD" \
    KEYSTONE_USER_PASSWORD "$USER_PASSWORD" \
    KEYSTONE_SERVICE_USER "$SERVICE_USER" \
    KEYSTONE_SERVICE_PASSWORD "$SERVICE_PASSWORD" \
    KEYSTONE_SERVICE_PROJECT admin \
    KEYSTONE_SERVICE_DOMAIN default \
    KEYSTONE_USER_PROJECT demo \
    KEYSTONE_USER_DOMAIN default \
    KEYSTONE_PID "$KEYSTONE_PID"
} >"$ENV_FILE"

log "ready in $((SECONDS - T_START)) s: $KEYSTONE_URL (pid $KEYSTONE_PID)"
echo "$ENV_FILE"
