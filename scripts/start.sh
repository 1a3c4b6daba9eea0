#!/usr/bin/env bash
# `npm start`: seed the demo tokens into local KV, then serve the worker on 127.0.0.1:8787.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
npx tsx scripts/seed.ts
exec npx wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}" --inspector-port "${INSPECTOR_PORT:-9229}" "$@"
