# shellcheck shell=bash
# A throwaway PostgreSQL cluster: find (or, on Debian, install with apt-get) the server binaries,
# start a cluster in a temp dir on a free loopback port, stop it. Sourced by scripts/test.sh and
# bench/api-create-approve.sh; defines functions and IS_ROOT only, starts nothing by itself.
#
# The caller sets, before start_pg:
#   TMP_ROOT     an existing directory for the socket and logs (chowned to postgres when root);
#                the caller removes it
#   PG_DATA      the data directory to initdb (usually $TMP_ROOT/data)
#   PG_LOG       the server log (usually $TMP_ROOT/pg.log)
#   PG_BINDIR    the binaries' directory, from find_pg_bindir (install_pg when it finds none)
#   PG_STARTED   0
# Optional:
#   PG_SETTINGS  server settings appended to the fixed ones (port, socket dir, 127.0.0.1,
#                max_connections=300); default, when unset, the tests' non-durable
#                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# start_pg sets PG_STARTED=1 and PG_PORT; stop_pg stops the server if this shell started it.
#
# Messages go through log, warn and die; the caller may define them first (test.sh prefixes
# "[test.sh]"), otherwise the plain ones below are used.

declare -F log >/dev/null || log() { printf '[postgres] %s\n' "$*"; }
declare -F warn >/dev/null || warn() { printf '[postgres] WARNING: %s\n' "$*" >&2; }
declare -F die >/dev/null || die() {
  printf '\n[postgres] ERROR: %s\n\n' "$*" >&2
  exit 1
}

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1

# Runs a PostgreSQL server tool as the postgres user when we are root (initdb refuses
# to run as root), directly otherwise. Runs from the temp dir so the tool never has to
# read an inaccessible working directory.
as_pg() {
  if [[ $IS_ROOT -eq 1 ]]; then
    (cd "$TMP_ROOT" && runuser -u postgres -- "$@")
  else
    (cd "$TMP_ROOT" && "$@")
  fi
}

stop_pg() {
  if [[ $PG_STARTED -eq 1 ]]; then
    PG_STARTED=0
    as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 ||
      warn "pg_ctl stop failed (server may already be gone)"
  fi
}

find_pg_bindir() {
  local d cand
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then
      echo "$d"
      return 0
    fi
  fi
  # Newest version first.
  # shellcheck disable=SC2012  # plain version-number folder names
  for cand in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
    if [[ -x $cand/initdb && -x $cand/pg_ctl ]]; then
      echo "$cand"
      return 0
    fi
  done
  for cand in /usr/local/pgsql/bin /usr/pgsql-*/bin; do
    if [[ -x $cand/initdb && -x $cand/pg_ctl ]]; then
      echo "$cand"
      return 0
    fi
  done
  d=$(command -v initdb 2>/dev/null || true)
  if [[ -n $d ]]; then
    d=$(dirname "$d")
    if [[ -x $d/pg_ctl ]]; then
      echo "$d"
      return 0
    fi
  fi
  return 1
}

install_pg() {
  if ! command -v apt-get >/dev/null 2>&1; then
    warn "PostgreSQL server binaries not found and apt-get is not available"
    return 1
  fi
  local sudo=()
  if [[ $IS_ROOT -ne 1 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      warn "PostgreSQL server binaries not found; not root and no password-less sudo to install them"
      return 1
    fi
  fi
  log "PostgreSQL server binaries not found; installing with apt-get (postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    warn "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql ||
    {
      warn "apt-get install postgresql failed"
      return 1
    }
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - <<'PY' 2>/dev/null && return 0
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
  fi
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

start_pg() {
  if [[ $IS_ROOT -eq 1 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      log "creating system user 'postgres' to run the throwaway server"
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres ||
        die "cannot create the postgres user"
    fi
    chown postgres: "$TMP_ROOT"
  fi

  log "initdb ($PG_BINDIR) in $PG_DATA"
  if ! as_pg "$PG_BINDIR/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C --no-sync \
    >"$TMP_ROOT/initdb.log" 2>&1; then
    cat "$TMP_ROOT/initdb.log" >&2
    return 1
  fi

  local attempt port settings
  settings=${PG_SETTINGS--c fsync=off -c synchronous_commit=off -c full_page_writes=off}
  for attempt in 1 2 3 4 5; do
    port=$(free_port) || {
      warn "could not find a free TCP port"
      return 1
    }
    if as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -w -t 60 -l "$PG_LOG" \
      -o "-p $port -k $TMP_ROOT -c listen_addresses=127.0.0.1 -c max_connections=300 $settings" \
      start >"$TMP_ROOT/pg_ctl.log" 2>&1; then
      PG_STARTED=1
      # shellcheck disable=SC2034  # read by the caller
      PG_PORT=$port
      return 0
    fi
    warn "pg_ctl start on port $port failed (attempt $attempt):"
    tail -n 20 "$TMP_ROOT/pg_ctl.log" "$PG_LOG" >&2 2>/dev/null || true
    # pg_ctl -w may give up while the postmaster lives on: make sure it is gone.
    as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  done
  return 1
}
