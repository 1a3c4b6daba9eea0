#!/usr/bin/env bash
# `npm start`: seed the demo tokens into local KV, then serve the worker on 127.0.0.1:8787 and the
# example sibling (examples/sibling) on 127.0.0.1:8788. The sibling reaches the worker's
# RevocationLookup through Wrangler's local dev registry. Ctrl-C or SIGTERM stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
# Offline, Miniflare's fetch of Request.cf data (workers.cloudflare.com/cf.json) fails with a stack trace
# on every start; this supported switch uses built-in placeholder values instead.
export CLOUDFLARE_CF_FETCH_ENABLED=${CLOUDFLARE_CF_FETCH_ENABLED:-false}
npx tsx scripts/seed.ts

port=${PORT:-8787}
sibling_port=${SIBLING_PORT:-8788}
wrangler=node_modules/.bin/wrangler
pids=()

stop() {
  trap - INT TERM EXIT
  # Each wrangler passes the signal on to its own runtime processes.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Both run in the background, so neither takes the terminal's keys: the dev-session hotkeys are off.
"$wrangler" dev --ip 127.0.0.1 --port "$port" --inspector-port "${INSPECTOR_PORT:-9229}" \
  --show-interactive-dev-session=false "$@" &
pids+=($!)

# Waits until `name` (process `pid`) accepts connections on `port`; fails if it exits first.
wait_for() {
  local name=$1 pid=$2 port=$3
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "$name did not start on port $port" >&2
  return 1
}

# The worker first: the sibling is of no use before it answers.
wait_for token-revocation "${pids[0]}" "$port"

# The sibling imports @token-revocation/client as a sibling elsewhere would: its built JavaScript.
npm run --silent build --workspace @token-revocation/client
"$wrangler" dev --config examples/sibling/wrangler.toml --ip 127.0.0.1 --port "$sibling_port" \
  --inspector-port "${SIBLING_INSPECTOR_PORT:-9230}" --show-interactive-dev-session=false &
pids+=($!)
wait_for "the example sibling" "${pids[1]}" "$sibling_port"

echo "token-revocation: http://127.0.0.1:$port  example sibling: http://127.0.0.1:$sibling_port/whoami" >&2
# When either stops on its own, stop the other too (the EXIT trap).
set +e
wait -n "${pids[@]}"
