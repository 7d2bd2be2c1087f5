#!/usr/bin/env bash
# Runs one PostgreSQL server for the Care2Connect AppHost (Postgres:Mode=Local), in the foreground, so the
# orchestrator sees its logs, its exit code and its stop.
#
# Why a wrapper and not postgres itself:
#  - a stop arrives as SIGTERM, which PostgreSQL treats as a "smart" shutdown that waits for every client to
#    disconnect; connected clients (the API's pool) would hold it open until the orchestrator kills it, and
#    a killed server needs crash recovery. This wrapper turns SIGTERM/SIGINT into SIGINT, PostgreSQL's
#    "fast" shutdown (roll back, disconnect, checkpoint), and waits for it to finish;
#  - PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user. setpriv execs the
#    server in place (runuser would sit in between, and kill the server 2 s after forwarding a signal);
#  - the cluster is created once (initdb, atomically), and the superuser password is set from the AppHost's
#    secret parameter on every start, so a regenerated secret never locks the AppHost out of its own data.
#
# Inputs (environment): PGPORT, C2C_PG_BINDIR, C2C_PG_ROOT (holds data/ and run/), C2C_PG_PASSWORD,
# C2C_PG_RUN_AS (user name, empty to run as the caller), C2C_PG_STOP_TIMEOUT (seconds).
set -euo pipefail

: "${PGPORT:?PGPORT is required}" "${C2C_PG_BINDIR:?}" "${C2C_PG_ROOT:?}" "${C2C_PG_PASSWORD:?}"
stop_timeout="${C2C_PG_STOP_TIMEOUT:-20}"
data="$C2C_PG_ROOT/data"
sock="$C2C_PG_ROOT/run"

log() { printf '[run-postgres] %s\n' "$*" >&2; }

as_server=()
if [ -n "${C2C_PG_RUN_AS:-}" ] && [ "$(id -u)" -eq 0 ]; then
  id "$C2C_PG_RUN_AS" >/dev/null 2>&1 || { log "user '$C2C_PG_RUN_AS' does not exist (Postgres:ServerUser)"; exit 2; }
  as_server=(setpriv --reuid="$C2C_PG_RUN_AS" --regid="$(id -g "$C2C_PG_RUN_AS")" --init-groups --)
fi

mkdir -p "$C2C_PG_ROOT" "$sock"
if [ ${#as_server[@]} -gt 0 ]; then
  chown "$C2C_PG_RUN_AS:" "$C2C_PG_ROOT" "$sock"
fi
chmod 700 "$C2C_PG_ROOT" "$sock"
# The server user may not be able to reach the orchestrator's working directory (e.g. under /root).
cd "$C2C_PG_ROOT"

# A server left running by a wrapper that was killed outright still holds the data directory: stop it cleanly.
if [ -f "$data/postmaster.pid" ]; then
  old=$(head -n 1 "$data/postmaster.pid" || true)
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && [ "$(cat "/proc/$old/comm" 2>/dev/null)" = "postgres" ]; then
    log "stopping the orphaned server $old that still holds $data"
    kill -INT "$old" || true
    for _ in $(seq 1 $((stop_timeout * 10))); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
fi

if [ ! -s "$data/PG_VERSION" ]; then
  log "creating a new cluster in $data"
  staging="$data.initdb.$$"
  pwfile="$C2C_PG_ROOT/.pwfile.$$"
  rm -rf "$staging"
  (umask 077; printf '%s\n' "$C2C_PG_PASSWORD" > "$pwfile")
  [ ${#as_server[@]} -gt 0 ] && chown "$C2C_PG_RUN_AS:" "$pwfile"
  trap 'rm -f "$pwfile"; rm -rf "$staging"' EXIT
  "${as_server[@]}" "$C2C_PG_BINDIR/initdb" --pgdata="$staging" --username=postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --no-locale >/dev/null
  rm -f "$pwfile"
  mv "$staging" "$data"
  trap - EXIT
fi

# Local (socket) connections are trusted: the socket directory is private to the server's user (0700).
"${as_server[@]}" "$C2C_PG_BINDIR/postgres" -D "$data" -k "$sock" -h 127.0.0.1 -p "$PGPORT" \
  -c unix_socket_permissions=0700 -c listen_addresses=127.0.0.1 &
server=$!
log "server pid $server listening on 127.0.0.1:$PGPORT"

stopping=0
watchdog=
fast_shutdown() {
  if [ "$stopping" -eq 0 ]; then
    stopping=1
    log "stop requested: fast shutdown (clients are disconnected, open transactions roll back)"
    # A fast shutdown that cannot finish in time becomes an immediate one (crash recovery at the next start).
    ( sleep "$stop_timeout"; kill -0 "$server" 2>/dev/null && log "fast shutdown took over ${stop_timeout}s: immediate shutdown" && kill -QUIT "$server" ) &
    watchdog=$!
  fi
  kill -INT "$server" 2>/dev/null || true
}
trap fast_shutdown TERM INT HUP

# Keep the superuser password equal to the AppHost's secret (the server must be up to change it).
(
  for _ in $(seq 1 150); do
    if "$C2C_PG_BINDIR/pg_isready" -q -h "$sock" -p "$PGPORT" -U postgres; then
      printf "ALTER ROLE postgres WITH PASSWORD '%s';\n" "${C2C_PG_PASSWORD//\'/\'\'}" |
        "${as_server[@]}" "$C2C_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PGPORT" -U postgres -d postgres >/dev/null &&
        exit 0
    fi
    sleep 0.2
  done
  log "could not set the superuser password"
) &
password_sync=$!

status=0
while :; do
  wait "$server" && status=0 || status=$?
  kill -0 "$server" 2>/dev/null || break
done
# End the helpers and their children (a sleeping watchdog must not outlive the server).
for helper in "$password_sync" $watchdog; do
  pkill -P "$helper" 2>/dev/null || true
  kill "$helper" 2>/dev/null || true
done
# wait returns 128+n when a trapped signal interrupts it; ask once more for the server's own exit status.
if [ "$status" -gt 128 ]; then
  wait "$server" 2>/dev/null && status=0 || status=$?
fi
log "server exited with status $status"
exit "$status"
