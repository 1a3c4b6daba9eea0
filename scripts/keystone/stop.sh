#!/usr/bin/env bash
# Stop the Keystone started by start.sh (by its PID file, whole process group)
# and wait until its port is free.
#   --purge   also delete the state dir (DB, keys, logs, env file).
# Exits 0 when nothing was running; 1 if the port is still taken after stopping.
set -euo pipefail

STATE_DIR="${KEYSTONE_STATE_DIR:-/tmp/token-revocation-keystone}"
PORT="${KEYSTONE_PORT:-5000}"
MARKER=".token-revocation-keystone"
PURGE=0

for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
  esac
done

log() { printf '[keystone] %s\n' "$*" >&2; }

# The port recorded at start time wins over the caller's KEYSTONE_PORT.
if [[ -f "$STATE_DIR/env" ]]; then
  port_line="$(grep -E '^export KEYSTONE_PORT=' "$STATE_DIR/env" || true)"
  if [[ -n "$port_line" ]]; then PORT="${port_line#export KEYSTONE_PORT=}"; fi
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
# A zombie still answers kill -0 but no longer holds the port.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

PID_FILE="$STATE_DIR/keystone.pid"
stopped=0
if [[ -f "$PID_FILE" ]]; then
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  # Only signal it if the PID still belongs to Keystone (PIDs get reused).
  if [[ -n "$pid" ]] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q keystone-wsgi-public; then
    # start.sh runs it under setsid, so its process group id is its PID.
    pgid="$(awk '{print $5}' "/proc/$pid/stat" 2>/dev/null || echo "$pid")"
    log "stopping keystone (pid $pid, pgid $pgid)"
    stopped=1
    if [[ "$pgid" == "$pid" ]]; then kill -TERM -- "-$pgid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "still alive after 5 s, sending SIGKILL"
      if [[ "$pgid" == "$pid" ]]; then kill -KILL -- "-$pgid" 2>/dev/null || true; else kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  else
    log "pid file $PID_FILE is stale, nothing to stop"
  fi
  rm -f "$PID_FILE"
else
  log "no pid file in $STATE_DIR, nothing to stop"
fi

# Bounded wait for the listening socket to go away.
if ((stopped)); then
  for _ in $(seq 1 100); do port_busy || break; sleep 0.1; done
fi
if port_busy; then
  log "WARNING: 127.0.0.1:$PORT is still in use, but not by the Keystone from $STATE_DIR"
  if ((stopped)); then exit 1; fi
fi

if ((PURGE)) && [[ -d "$STATE_DIR" ]]; then
  if [[ -f "$STATE_DIR/$MARKER" ]]; then
    rm -rf "$STATE_DIR"
    log "purged $STATE_DIR"
  else
    log "WARNING: $STATE_DIR has no $MARKER marker; not deleting it"
    exit 1
  fi
fi
