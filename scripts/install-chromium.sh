#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for `npm run test:browser` when it is missing.
# Needs root (apt-get). playwright-core drives it; no browser is ever downloaded.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
log() { printf '[chromium] %s\n' "$*" >&2; }

[[ -x "$CHROMIUM" ]] && exit 0
[[ "$(id -u)" == 0 ]] || { log "ERROR: no $CHROMIUM, and installing it needs root (apt-get install chromium)"; exit 1; }

# Serialise concurrent first runs: the loser waits, then finds it installed.
exec 9>/var/lock/token-revocation-chromium-install.lock
flock -w 600 9 || { log "ERROR: timed out waiting for another Chromium install"; exit 1; }
[[ -x "$CHROMIUM" ]] && exit 0

log "installing chromium from Debian packages"
# One retry: a mirror hiccup on a fresh CI machine should not fail the whole run.
for attempt in 1 2; do
  apt-get update >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 chromium >&2 && break
  ((attempt == 2)) && { log "ERROR: apt-get could not install chromium"; exit 1; }
  log "apt-get failed; retrying in 10 s"
  sleep 10
done
[[ -x "$CHROMIUM" ]] || { log "ERROR: chromium installed, but $CHROMIUM is missing"; exit 1; }
log "$("$CHROMIUM" --version 2>/dev/null)"
