#!/usr/bin/env bash
# Backs up the Care2Connect database with pg_dump (custom format) to a timestamped file, and keeps the newest N.
#
#   scripts/backup.sh [--connection STRING] [--database NAME] [--keep N] [DIRECTORY]
#
#   DIRECTORY      where backups go (created if missing); default $C2C_BACKUP_DIR
#   --keep N       backups of this database to keep in DIRECTORY, the new one included; default $C2C_BACKUP_KEEP, else 14
#   --connection   see scripts/lib/postgres-client.sh; otherwise the standard PG* variables (PGHOST, PGPORT, PGUSER,
#                  PGPASSWORD or PGPASSFILE, PGDATABASE)
#   --database     default $PGDATABASE, else care2connect
#
# Writes <database>-<UTC time>.dump (mode 0600: it holds personal data), checks that pg_restore can read it, then
# deletes the oldest backups beyond N. Prints the new file's path on stdout; progress goes to stderr. Exits 0 on
# success, 1 when the backup failed (nothing is left behind and no older backup is deleted), 2 on a usage error.
# Two backups into the same directory never run at once (flock). Never prints the password.
set -euo pipefail

C2C_SCRIPT_NAME=backup.sh
# shellcheck source-path=SCRIPTDIR source=lib/postgres-client.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/postgres-client.sh"

usage() {
  sed -n '3,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

directory=${C2C_BACKUP_DIR:-}
keep=${C2C_BACKUP_KEEP:-14}
connection=
database=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
    --keep=*) keep=${1#*=}; shift ;;
    --connection) [ $# -ge 2 ] || usage; connection=$2; shift 2 ;;
    --connection=*) connection=${1#*=}; shift ;;
    --database) [ $# -ge 2 ] || usage; database=$2; shift 2 ;;
    --database=*) database=${1#*=}; shift ;;
    -h | --help) usage ;;
    -*) c2c_log "unknown option $1"; usage ;;
    *) [ -z "${positional_seen:-}" ] || usage; directory=$1; positional_seen=1; shift ;;
  esac
done

[ -n "$directory" ] || { c2c_log "no backup directory: pass one or set C2C_BACKUP_DIR"; usage; }
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || { c2c_log "--keep must be a whole number of at least 1, not '$keep'"; exit 2; }
if [ -n "$connection" ]; then c2c_apply_connection "$connection" || exit 2; fi
c2c_resolve_database "$database" || exit 2
[[ "$C2C_DATABASE" =~ ^[A-Za-z0-9_.-]+$ ]] || { c2c_log "the database name '$C2C_DATABASE' cannot be part of a file name"; exit 2; }
bindir=$(c2c_find_bindir) || exit 1

umask 077
mkdir -p "$directory"
exec 9>"$directory/.backup.lock"
flock -n 9 || { c2c_log "another backup into $directory is running"; exit 1; }

stamp=$(date -u +%Y%m%dT%H%M%S.%3NZ)
final="$directory/$C2C_DATABASE-$stamp.dump"
partial="$final.partial"
trap 'rm -f "$partial"' EXIT

c2c_log "backing up $(c2c_describe) with $bindir/pg_dump"
started=$(date +%s)
if ! "$bindir/pg_dump" --format=custom --no-password --file="$partial" --dbname="$C2C_DBNAME_ARG"; then
  c2c_log "pg_dump failed; no backup written"
  exit 1
fi
if ! "$bindir/pg_restore" --list "$partial" >/dev/null; then
  c2c_log "the dump cannot be read back by pg_restore; no backup written"
  exit 1
fi
mv -f "$partial" "$final"
trap - EXIT
c2c_log "wrote $final ($(stat -c %s "$final") bytes in $(($(date +%s) - started)) s)"

# Only backups of this database, named as this script names them; the timestamp sorts by name.
mapfile -t old < <(find "$directory" -maxdepth 1 -type f -name "$C2C_DATABASE-[0-9]*T[0-9]*Z.dump" -printf '%f\n' | sort -r | tail -n "+$((keep + 1))")
for name in "${old[@]}"; do
  rm -f -- "${directory:?}/$name"
  c2c_log "removed $directory/$name (keeping $keep)"
done

printf '%s\n' "$final"
