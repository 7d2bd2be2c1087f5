#!/usr/bin/env bash
# Restores a backup made by backup.sh into a database, replacing what is there.
#
#   scripts/restore.sh --confirm DATABASE [--connection STRING] [--database NAME] [--create] BACKUP_FILE
#
#   --confirm DATABASE  required: the name of the database that will be overwritten, typed out. Without it, or
#                       with another name, nothing is touched and the script exits 2.
#   --create            create the database first when it does not exist (after it was dropped, or to restore
#                       next to the live one under another name)
#   --connection        see scripts/lib/postgres-client.sh; otherwise the standard PG* variables
#   --database          default $PGDATABASE, else care2connect
#
# Runs pg_restore --clean --if-exists --single-transaction: objects in the backup are dropped and recreated, and a
# failure rolls everything back, so the database is either fully restored or as it was. Owners and grants are not
# restored (--no-owner --no-privileges): the objects belong to the user who restores, which is the user the API
# connects as. Exits 0 on success, 1 when the restore failed, 2 on a usage error or a missing confirmation.
set -euo pipefail

C2C_SCRIPT_NAME=restore.sh
# shellcheck source-path=SCRIPTDIR source=lib/postgres-client.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/postgres-client.sh"

usage() {
  sed -n '3,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

confirm=
create=0
connection=
database=
file=
while [ $# -gt 0 ]; do
  case "$1" in
    --confirm) [ $# -ge 2 ] || usage; confirm=$2; shift 2 ;;
    --confirm=*) confirm=${1#*=}; shift ;;
    --create) create=1; shift ;;
    --connection) [ $# -ge 2 ] || usage; connection=$2; shift 2 ;;
    --connection=*) connection=${1#*=}; shift ;;
    --database) [ $# -ge 2 ] || usage; database=$2; shift 2 ;;
    --database=*) database=${1#*=}; shift ;;
    -h | --help) usage ;;
    -*) c2c_log "unknown option $1"; usage ;;
    *) [ -z "$file" ] || usage; file=$1; shift ;;
  esac
done

[ -n "$file" ] || { c2c_log "no backup file given"; usage; }
if [ ! -f "$file" ] || [ ! -r "$file" ]; then c2c_log "cannot read $file"; exit 2; fi
if [ -n "$connection" ]; then c2c_apply_connection "$connection" || exit 2; fi
c2c_resolve_database "$database" || exit 2
if [ "$confirm" != "$C2C_DATABASE" ]; then
  c2c_log "refusing: this replaces the contents of database '$C2C_DATABASE'. Run again with --confirm $C2C_DATABASE to go ahead."
  exit 2
fi
bindir=$(c2c_find_bindir) || exit 1
"$bindir/pg_restore" --list "$file" >/dev/null || { c2c_log "$file is not a backup pg_restore can read"; exit 2; }

if [ "$create" -eq 1 ]; then
  # Ask the maintenance database whether the target exists; the name travels as a psql variable, quoted by psql.
  maintenance=$(c2c_dbname_arg_for postgres)
  exists=$(printf "SELECT 1 FROM pg_database WHERE datname = :'target';\n" |
    "$bindir/psql" -X -q -At --no-password -v ON_ERROR_STOP=1 -v target="$C2C_DATABASE" --dbname="$maintenance") ||
    { c2c_log "cannot reach the server to check whether $C2C_DATABASE exists"; exit 1; }
  if [ "$exists" != "1" ]; then
    printf 'CREATE DATABASE :"target";\n' |
      "$bindir/psql" -X -q --no-password -v ON_ERROR_STOP=1 -v target="$C2C_DATABASE" --dbname="$maintenance" ||
      { c2c_log "could not create database $C2C_DATABASE"; exit 1; }
    c2c_log "created database $C2C_DATABASE"
  fi
fi

c2c_log "restoring $file into $(c2c_describe) with $bindir/pg_restore"
started=$(date +%s)
if ! "$bindir/pg_restore" --clean --if-exists --single-transaction --exit-on-error --no-owner --no-privileges \
  --no-password --dbname="$C2C_DBNAME_ARG" "$file"; then
  c2c_log "pg_restore failed; the transaction was rolled back, the database is as it was"
  exit 1
fi
c2c_log "restored $C2C_DATABASE from $file in $(($(date +%s) - started)) s"
