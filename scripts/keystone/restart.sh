#!/usr/bin/env bash
# Start again, on the same state (database, fernet keys, port), a Keystone that
# scripts/keystone/start.sh set up and scripts/keystone/stop.sh stopped: the
# "Keystone comes back" half of an outage test. start.sh cannot do this, since
# it always starts fresh. Needs KEYSTONE_STATE_DIR and KEYSTONE_PORT (its env file).
set -euo pipefail
: "${KEYSTONE_STATE_DIR:?source the env file that scripts/keystone/start.sh printed}"
: "${KEYSTONE_PORT:?source the env file that scripts/keystone/start.sh printed}"
conf="$KEYSTONE_STATE_DIR/keystone.conf"
[[ -f "$conf" ]] || { echo "no $conf: run scripts/keystone/start.sh first" >&2; exit 1; }

# The same command line and PID file as start.sh, so that stop.sh stops this one too.
OS_KEYSTONE_CONFIG_FILES="$conf" nohup setsid /usr/bin/python3 "$(dirname "$0")/keystone-wsgi-public-threaded" 127.0.0.1 "$KEYSTONE_PORT" \
  >>"$KEYSTONE_STATE_DIR/keystone.out" 2>&1 </dev/null &
echo "$!" >"$KEYSTONE_STATE_DIR/keystone.pid"

for _ in $(seq 1 200); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$KEYSTONE_PORT/v3" || true)" == 200 ]] && exit 0
  sleep 0.3
done
echo "keystone did not answer on port $KEYSTONE_PORT after restart" >&2
exit 1
