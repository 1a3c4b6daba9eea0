#!/usr/bin/env bash
# Runs a command with a throwaway real Keystone: starts it with scripts/keystone/start.sh (which
# installs it from Debian packages when missing; needs root), exports its env file, runs the
# command, and stops Keystone again whatever the command's outcome. Exits with the command's code.
#   bash test/keystone/with-keystone.sh npm run test:keystone
# KEYSTONE_PORT (default 5000) and KEYSTONE_STATE_DIR are passed on to the scripts.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

env_file="$(bash scripts/keystone/start.sh | tail -n 1)" || { echo "keystone did not start" >&2; exit 1; }
[[ -f "$env_file" ]] || { echo "keystone start printed no env file" >&2; exit 1; }
# shellcheck disable=SC1090
source "$env_file"
trap 'KEYSTONE_STATE_DIR="$KEYSTONE_STATE_DIR" KEYSTONE_PORT="$KEYSTONE_PORT" bash scripts/keystone/stop.sh' EXIT

"$@"
