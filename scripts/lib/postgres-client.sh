# Shared by backup.sh and restore.sh (sourced, not run): finding PostgreSQL's client programs and reading the
# connection. Never prints a password.
#
# Connection, in this order of precedence:
#   --connection STRING   either an Npgsql connection string as the AppHost and the dashboard show it
#                         (Host=...;Port=...;Username=...;Password=...;Database=...), whose parts become PG*
#                         variables so the password never reaches a command line; or a libpq connection string /
#                         URI (host=... port=... / postgresql://...), handed to the programs as is (a password in
#                         it is visible in the process list: prefer PGPASSFILE or PGPASSWORD);
#   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGPASSFILE, PGDATABASE, PGSSLMODE, ...  as libpq reads them;
#   --database NAME       overrides the database (default: PGDATABASE, else care2connect).

# shellcheck shell=bash

c2c_log() { printf '%s: %s\n' "${C2C_SCRIPT_NAME:-postgres}" "$*" >&2; }

# Finds the folder holding pg_dump, pg_restore and psql, as the AppHost finds the server's: PG_BINDIR when set,
# else `pg_config --bindir`, else the newest /usr/lib/postgresql/<major>/bin, else whatever is on PATH. The same
# installation as the server avoids pg_dump refusing a server newer than itself.
c2c_find_bindir() {
  local candidate
  if [ -n "${PG_BINDIR:-}" ]; then
    if [ -x "$PG_BINDIR/pg_dump" ]; then printf '%s\n' "$PG_BINDIR"; return 0; fi
    c2c_log "PG_BINDIR=$PG_BINDIR has no pg_dump"
    return 1
  fi
  if command -v pg_config >/dev/null 2>&1; then
    candidate=$(pg_config --bindir 2>/dev/null || true)
    if [ -n "$candidate" ] && [ -x "$candidate/pg_dump" ]; then printf '%s\n' "$candidate"; return 0; fi
  fi
  candidate=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_dump' 2>/dev/null | sort -t/ -k5,5n | tail -n 1)
  if [ -n "$candidate" ]; then dirname "$candidate"; return 0; fi
  candidate=$(command -v pg_dump 2>/dev/null || true)
  if [ -n "$candidate" ]; then dirname "$candidate"; return 0; fi
  c2c_log "no pg_dump found: install PostgreSQL's client programs or set PG_BINDIR"
  return 1
}

# Applies --connection. Npgsql form (Key=Value;Key=Value): exported as PG* variables. libpq form: kept in
# C2C_CONNINFO for --dbname. Unknown Npgsql keys are refused rather than silently ignored.
c2c_apply_connection() {
  local connection=$1 part key value
  C2C_CONNINFO=
  # Npgsql separates its parts with ';', libpq with spaces (a ';' can only appear quoted there).
  if [[ "$connection" == *";"* && "$connection" != postgres://* && "$connection" != postgresql://* && "$connection" != *"'"* ]]; then
    local IFS=';'
    for part in $connection; do
      [[ "$part" =~ ^[[:space:]]*$ ]] && continue
      if [[ "$part" != *=* ]]; then c2c_log "--connection: '${part%%=*}' is not Key=Value"; return 1; fi
      key=$(printf '%s' "${part%%=*}" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
      value=${part#*=}
      case "$key" in
        host | server) export PGHOST="$value" ;;
        port) export PGPORT="$value" ;;
        username | userid | user | uid) export PGUSER="$value" ;;
        password | pwd) export PGPASSWORD="$value" ;;
        database | db) export PGDATABASE="$value" ;;
        sslmode) PGSSLMODE=$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]') && export PGSSLMODE ;;
        timeout) export PGCONNECT_TIMEOUT="$value" ;;
        # Client-side pooling and logging settings mean nothing to pg_dump.
        pooling | minimumpoolsize | maximumpoolsize | commandtimeout | includeerrordetail | applicationname) ;;
        *) c2c_log "--connection: unsupported key '$key' (use PG* variables or a libpq connection string)"; return 1 ;;
      esac
    done
  else
    C2C_CONNINFO=$connection
  fi
}

# Settles the target: sets C2C_DATABASE (its name) and C2C_DBNAME_ARG (what --dbname gets). $1 is the database
# asked for with --database, or empty. A connection string that names a database counts as asking for it; naming
# a different one with --database is an error, not a guess.
c2c_resolve_database() {
  local asked=$1 named=
  case "${C2C_CONNINFO:-}" in
    postgres://* | postgresql://*)
      named=$(c2c_uri_parts "$C2C_CONNINFO" | sed -n 2p)
      ;;
    ?*)
      if [[ "$C2C_CONNINFO" =~ (^|[[:space:]])dbname[[:space:]]*=[[:space:]]*([^[:space:]\']+) ]]; then
        named=${BASH_REMATCH[2]}
      fi
      ;;
  esac
  if [ -n "$named" ] && [ -n "$asked" ] && [ "$named" != "$asked" ]; then
    c2c_log "--database $asked differs from the database named in --connection ($named)"
    return 1
  fi
  C2C_DATABASE=${asked:-${named:-${PGDATABASE:-care2connect}}}
  # shellcheck disable=SC2034 # read by the scripts that source this file
  C2C_DBNAME_ARG=$(c2c_dbname_arg_for "$C2C_DATABASE")
}

# What --dbname gets to reach database $1 on the same server (restore.sh also reaches the maintenance database).
c2c_dbname_arg_for() {
  local database=$1 parts
  case "${C2C_CONNINFO:-}" in
    postgres://* | postgresql://*)
      mapfile -t parts < <(c2c_uri_parts "$C2C_CONNINFO")
      printf '%s/%s%s' "${parts[0]}" "$database" "${parts[2]:-}"
      ;;
    # In a libpq keyword string the last setting of a keyword wins.
    ?*) printf "%s dbname='%s'" "$C2C_CONNINFO" "${database//\'/\\\'}" ;;
    *) printf '%s' "$database" ;;
  esac
}

# Splits a URI into three lines: scheme://authority, the database (may be empty), ?query (may be empty).
c2c_uri_parts() {
  local uri=$1 scheme rest path='' query=''
  scheme=${uri%%://*}
  rest=${uri#*://}
  if [[ "$rest" == */* ]]; then path=${rest#*/}; rest=${rest%%/*}; fi
  if [[ "$path" == *\?* ]]; then query="?${path#*\?}"; path=${path%%\?*}; fi
  if [[ "$rest" == *\?* ]]; then query="?${rest#*\?}"; rest=${rest%%\?*}; fi
  printf '%s://%s\n%s\n%s\n' "$scheme" "$rest" "$path" "$query"
}

# Where we connect, for messages: host, port, user and database only.
c2c_describe() {
  if [ -n "${C2C_CONNINFO:-}" ]; then
    printf 'database %s (connection from --connection)' "$C2C_DATABASE"
  else
    printf 'database %s on %s:%s as %s' "$C2C_DATABASE" "${PGHOST:-the local socket}" "${PGPORT:-5432}" "${PGUSER:-$(id -un)}"
  fi
}
