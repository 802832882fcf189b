#!/usr/bin/env bash
# Benchmark: create + approve payouts over HTTP against one node on PostgreSQL, and, in the same run,
# pgbench running the equivalent SQL (bench/pgbench-create-approve.sql) as the machine's ceiling.
#
#   bench/api-create-approve.sh
#
# 1. Builds src/Payouts.Server and bench/Payouts.Bench (Release).
# 2. Starts a throwaway PostgreSQL (scripts/lib/postgres.sh) with fsync=on, synchronous_commit=off,
#    full_page_writes=on — the same server and settings for both sides, so the ratio is fair.
# 3. Starts one node on database bench_api (it migrates it), waits for /health, runs the load generator
#    (BENCH_CLIENTS closed-loop clients, BENCH_WARMUP s warmup, BENCH_SECONDS s measured), stops the node.
# 4. Migrates database bench_pgbench with the same migration files (psql, in order), adds one store, runs
#    pgbench -n -c BENCH_CLIENTS -j 2 for BENCH_WARMUP s (warmup, not reported), then for BENCH_SECONDS s.
# 5. Prints a summary: HTTP ops/s and request p50/p99, pgbench ops/s, their ratio, PASS/MISS per target.
# Everything it started (node, PostgreSQL, temp dir) is stopped/removed on exit, failure or interrupt.
#
# Expected (sketch in bench/README.md): pgbench ~1,500–3,000 ops/s on 2 cores; the node a few hundred to
# ~1,000 ops/s, so a ratio of roughly 0.3–0.6; request p99 far above 20 ms, because with 64 closed-loop
# clients Little's law makes the mean request latency 64 / (2 × ops/s) — 20 ms needs > 1,600 ops/s.
#
# Environment:
#   BENCH_CLIENTS=64  BENCH_SECONDS=20  BENCH_WARMUP=5     load shape (both sides)
#   BENCH_PG_SETTINGS="-c synchronous_commit=off"          PostgreSQL settings (both sides)
#   BENCH_NODE_CONNECTION_EXTRA="No Reset On Close=true"  appended to the node's connection string (experiments)
#   BENCH_STRICT=1                                         exit 1 when a target is missed
# Targets (API issue): HTTP ops/s ≥ 0.60 × pgbench ops/s, request p99 < 20 ms.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
COMMAND_LINE="$0${*:+ $*}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

CLIENTS=${BENCH_CLIENTS:-64}
SECONDS_MEASURED=${BENCH_SECONDS:-20}
WARMUP=${BENCH_WARMUP:-5}
PG_SETTINGS=${BENCH_PG_SETTINGS:--c synchronous_commit=off}
PGBENCH_THREADS=2
TARGET_RATIO=0.60
TARGET_P99_MS=20

log() { printf '[bench] %s\n' "$*"; }
warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }
die() {
  printf '\n[bench] ERROR: %s\n\n' "$*" >&2
  exit 1
}

for v in CLIENTS SECONDS_MEASURED WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((CLIENTS >= 1 && SECONDS_MEASURED >= 1)) || die "BENCH_CLIENTS and BENCH_SECONDS must be at least 1"

TMP_ROOT=$(mktemp -d /tmp/payouts-bench.XXXXXXXX)
PG_DATA=$TMP_ROOT/data
PG_LOG=$TMP_ROOT/pg.log
PG_STARTED=0
PG_BINDIR=
PG_PORT=
NODE_PID=
CHILD_PID=
TAIL_PID=

# shellcheck source=SCRIPTDIR/../scripts/lib/postgres.sh
source "$REPO_ROOT/scripts/lib/postgres.sh"

# Stops the node: SIGTERM (graceful, up to 30 s), then SIGKILL. Safe under set -e.
stop_node() {
  [[ -n $NODE_PID ]] || return 0
  local pid=$NODE_PID
  NODE_PID=
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  if [[ -n $CHILD_PID ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null
    sleep 1
    kill -KILL "$CHILD_PID" 2>/dev/null
  fi
  [[ -z $TAIL_PID ]] || kill "$TAIL_PID" 2>/dev/null
  stop_node
  stop_pg
  rm -rf "$TMP_ROOT"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Runs "$@" in the background (so the traps run at once on a signal) with its output in $1, shown on the
# console while it runs; returns its exit code.
run_child() {
  local out=$1 rc=0
  shift
  : >"$out"
  "$@" >"$out" 2>&1 </dev/null &
  CHILD_PID=$!
  tail -n +1 -s 0.3 -f --pid="$CHILD_PID" "$out" &
  TAIL_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  wait "$TAIL_PID" 2>/dev/null || true
  TAIL_PID=
  return "$rc"
}

psql_db() {
  local db=$1
  shift
  "$PSQL" "host=127.0.0.1 port=$PG_PORT user=postgres dbname=$db" -X -q -v ON_ERROR_STOP=1 "$@"
}

xact_commits() {
  psql_db postgres -t -A -c "select xact_commit from pg_stat_database where datname = '$1'"
}

# CPU time in clock ticks (utime + stime + reaped children) of one process; 0 when it is gone.
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
    echo 0
    return 0
  }
  # Fields after "(comm) ": state is $1, so utime/stime/cutime/cstime (fields 14-17) are $12-$15.
  awk '{ print $12 + $13 + $14 + $15 }' <<<"${stat##*) }"
}

# CPU ticks of this PostgreSQL server: the postmaster (with the backends it has reaped) and its live children.
pg_ticks() {
  local pm total child
  pm=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || {
    echo 0
    return 0
  }
  total=$(proc_ticks "$pm")
  for child in $(pgrep -P "$pm" || true); do
    total=$((total + $(proc_ticks "$child")))
  done
  echo "$total"
}

# Sets variable $1 to the CPU ticks of this shell's waited-for children (the load generator, pgbench), from
# the times builtin — which must run in this shell, not in a $(…) subshell, hence the variable.
children_ticks() {
  times >"$TMP_ROOT/times.txt"
  printf -v "$1" '%s' "$(awk -v hz="$CLK_TCK" 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, /m|s/); t += p[1] * 60 + p[2] }
    printf "%d", t * hz
  }' "$TMP_ROOT/times.txt")"
}

# Milliseconds of CPU per operation: ticks ops
ms_per_op() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0 ? t * 1000 / hz / n : 0) }'; }

# ---------------------------------------------------------------------------
# Machine, build
# ---------------------------------------------------------------------------
CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
log "command: $COMMAND_LINE  (BENCH_CLIENTS=$CLIENTS BENCH_SECONDS=$SECONDS_MEASURED BENCH_WARMUP=$WARMUP)"
log "machine: $CORES cores (${CPU_MODEL:-unknown CPU}), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "node, PostgreSQL, load generator and pgbench all share these cores"
SOURCE_STATE=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$REPO_ROOT" status --porcelain -- src 2>/dev/null) ]]; then
  SOURCE_STATE="$SOURCE_STATE + uncommitted changes in src/"
fi
log "source: $SOURCE_STATE"

SERVER_DLL=src/Payouts.Server/bin/Release/net10.0/Payouts.Server.dll
BENCH_DLL=bench/Payouts.Bench/bin/Release/net10.0/Payouts.Bench.dll
for project in src/Payouts.Server bench/Payouts.Bench; do
  log "dotnet build $project -c Release"
  if ! dotnet build "$project" -c Release -nologo -v quiet >"$TMP_ROOT/build.log" 2>&1; then
    tail -n 40 "$TMP_ROOT/build.log" >&2
    die "dotnet build $project failed"
  fi
done

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
PG_BINDIR=$(find_pg_bindir || true)
if [[ -z $PG_BINDIR ]]; then
  install_pg || true
  PG_BINDIR=$(find_pg_bindir || true)
fi
[[ -n $PG_BINDIR ]] || die "PostgreSQL server binaries (initdb, pg_ctl) not found and could not be installed"
PSQL=$PG_BINDIR/psql
[[ -x $PSQL ]] || PSQL=psql
PGBENCH=$PG_BINDIR/pgbench
[[ -x $PGBENCH ]] || PGBENCH=$(command -v pgbench || true)
[[ -n $PGBENCH ]] || die "pgbench not found (Debian: apt-get install postgresql-contrib or postgresql-client)"

start_pg || die "could not start the throwaway PostgreSQL server (log: $PG_LOG)"
PG_VERSION=$("$PG_BINDIR/postgres" --version 2>/dev/null | awk '{print $3}')
PG_EFFECTIVE=$(psql_db postgres -t -A -F= -c \
  "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings
   where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')")
log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT: $PG_EFFECTIVE (shared_buffers in 8 kB pages)"
psql_db postgres -c "CREATE DATABASE bench_api" -c "CREATE DATABASE bench_pgbench"

# ---------------------------------------------------------------------------
# HTTP: one node, the load generator
# ---------------------------------------------------------------------------
NODE_PORT=$(free_port) || die "no free TCP port for the node"
ADMIN_KEY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
NODE_URL=http://127.0.0.1:$NODE_PORT
NODE_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=bench_api${BENCH_NODE_CONNECTION_EXTRA:+;$BENCH_NODE_CONNECTION_EXTRA}"
NODE_COMMAND="dotnet $SERVER_DLL --urls $NODE_URL"
log "node: $NODE_COMMAND  (Payouts__Database__Provider=postgres, Payouts__Database__ConnectionString=$NODE_CONNECTION, Logging__LogLevel__Default=Warning)"
Payouts__Database__Provider=postgres \
  Payouts__Database__ConnectionString=$NODE_CONNECTION \
  Payouts__BootstrapAdminKey=$ADMIN_KEY \
  Logging__LogLevel__Default=Warning \
  dotnet "$SERVER_DLL" --urls "$NODE_URL" >"$TMP_ROOT/node.log" 2>&1 </dev/null &
NODE_PID=$!

for i in $(seq 1 120); do
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    cat "$TMP_ROOT/node.log" >&2
    die "the node exited during start-up"
  fi
  curl -fsS -o /dev/null "$NODE_URL/health" 2>/dev/null && break
  ((i < 120)) || die "the node did not answer /health within 60 s"
  sleep 0.5
done
log "node up (pid $NODE_PID)"

COMMITS_BEFORE=$(xact_commits bench_api)
LOAD_HTTP=$(cut -d' ' -f1 /proc/loadavg)
LOADGEN_COMMAND="dotnet $BENCH_DLL --url $NODE_URL --key <admin key> --clients $CLIENTS --seconds $SECONDS_MEASURED --warmup $WARMUP"
log "load generator: $LOADGEN_COMMAND"
dotnet "$BENCH_DLL" --url "$NODE_URL" --key "$ADMIN_KEY" --clients "$CLIENTS" --seconds "$SECONDS_MEASURED" \
  --warmup "$WARMUP" >"$TMP_ROOT/loadgen.out" 2>&1 </dev/null &
CHILD_PID=$!
tail -n +1 -s 0.3 -f --pid="$CHILD_PID" "$TMP_ROOT/loadgen.out" &
TAIL_PID=$!
# The node's and PostgreSQL's CPU time at the edges of the measured window: the load generator prints a line
# at each edge, polled here every 50 ms.
NODE_T0='' NODE_T1='' PG_T0='' PG_T1=''
while kill -0 "$CHILD_PID" 2>/dev/null; do
  if [[ -z $NODE_T0 ]] && grep -q '^  measuring ' "$TMP_ROOT/loadgen.out"; then
    NODE_T0=$(proc_ticks "$NODE_PID")
    PG_T0=$(pg_ticks)
  elif [[ -n $NODE_T0 && -z $NODE_T1 ]] && grep -q '^  window closed' "$TMP_ROOT/loadgen.out"; then
    NODE_T1=$(proc_ticks "$NODE_PID")
    PG_T1=$(pg_ticks)
  fi
  sleep 0.05
done
LOADGEN_RC=0
wait "$CHILD_PID" || LOADGEN_RC=$?
CHILD_PID=
wait "$TAIL_PID" 2>/dev/null || true
TAIL_PID=
((LOADGEN_RC == 0)) || die "the load generator failed (exit code $LOADGEN_RC)"
[[ -n $NODE_T1 ]] || die "did not see the load generator's measured window open and close"
stop_node
if grep -Eq '(warn|fail|crit):' "$TMP_ROOT/node.log"; then
  warn "the node logged warnings or errors (first 20 lines):"
  grep -E -A3 '(warn|fail|crit):' "$TMP_ROOT/node.log" | head -n 20 >&2
fi

RESULT=$(grep '^RESULT ' "$TMP_ROOT/loadgen.out" | tail -n 1)
[[ -n $RESULT ]] || die "the load generator printed no RESULT line"
result() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$RESULT"; }
HTTP_OPS=$(result ops_per_s)
HTTP_REQS=$(result req_per_s)
HTTP_P50=$(result p50_ms)
HTTP_P99=$(result p99_ms)
HTTP_MAX=$(result max_ms)
HTTP_OP_P99=$(result op_p99_ms)
HTTP_ERRORS=$(result errors)
HTTP_OPS_COUNT=$(result ops)

# Database work per operation, warmup included: every autocommit statement is a transaction of its own.
read -r API_APPROVED API_OTHER < <(psql_db bench_api -t -A -F' ' -c \
  "select count(*) filter (where state = 'AwaitingPayment'), count(*) filter (where state <> 'AwaitingPayment') from payouts")
API_XACTS_PER_OP=$(awk -v a="$COMMITS_BEFORE" -v b="$(xact_commits bench_api)" -v n="$API_APPROVED" \
  'BEGIN { printf "%.1f", (n > 0 ? (b - a) / n : 0) }')
API_BODY_BYTES=$(psql_db bench_api -t -A -c "select coalesce(round(avg(length(body))), 0) from idempotency_keys where state = 'done'")
log "bench_api: $API_APPROVED payouts approved, $API_OTHER in other states; $API_XACTS_PER_OP PostgreSQL transactions per operation; stored answers average $API_BODY_BYTES bytes"
# CPU per op in the measured window.
CPU_NODE=$(ms_per_op "$((NODE_T1 - NODE_T0))" "$HTTP_OPS_COUNT")
CPU_PG_HTTP=$(ms_per_op "$((PG_T1 - PG_T0))" "$HTTP_OPS_COUNT")
CPU_GEN=$(awk -v g="$(result gen_cpu_ms_per_op)" 'BEGIN { printf "%.2f", g }')
CPU_HTTP=$(awk -v a="$CPU_NODE" -v b="$CPU_PG_HTTP" -v c="$CPU_GEN" 'BEGIN { printf "%.2f", a + b + c }')
log "CPU per op in the measured window: node $CPU_NODE ms, PostgreSQL $CPU_PG_HTTP ms, load generator $CPU_GEN ms"

# ---------------------------------------------------------------------------
# pgbench: the same operation as two SQL transactions
# ---------------------------------------------------------------------------
log "bench_pgbench: applying src/Payouts.Storage/Migrations/Postgres/*.sql in order, adding the store"
for migration in src/Payouts.Storage/Migrations/Postgres/[0-9][0-9][0-9][0-9]_*.sql; do
  psql_db bench_pgbench -1 -f "$migration"
done
psql_db bench_pgbench -c \
  "INSERT INTO stores (id, name, created_at_ms) VALUES ('benchstore000000000001', 'bench', (extract(epoch FROM now()) * 1000)::bigint)"

PGBENCH_ARGS=(-n -c "$CLIENTS" -j "$PGBENCH_THREADS")
PGBENCH_CONN=(-h 127.0.0.1 -p "$PG_PORT" -U postgres bench_pgbench)
if ((WARMUP > 0)); then
  log "pgbench warmup: $PGBENCH ${PGBENCH_ARGS[*]} -T $WARMUP -f bench/pgbench-create-approve.sql (not reported)"
  run_child "$TMP_ROOT/pgbench-warmup.out" "$PGBENCH" "${PGBENCH_ARGS[@]}" -T "$WARMUP" \
    -f bench/pgbench-create-approve.sql "${PGBENCH_CONN[@]}" >/dev/null || die "pgbench (warmup) failed"
fi
COMMITS_BEFORE=$(xact_commits bench_pgbench)
LOAD_PGBENCH=$(cut -d' ' -f1 /proc/loadavg)
PG_T0=$(pg_ticks)
children_ticks GEN_T0
PGBENCH_COMMAND="pgbench ${PGBENCH_ARGS[*]} -T $SECONDS_MEASURED -f bench/pgbench-create-approve.sql"
log "pgbench: $PGBENCH_COMMAND"
run_child "$TMP_ROOT/pgbench.out" "$PGBENCH" "${PGBENCH_ARGS[@]}" -T "$SECONDS_MEASURED" \
  -f bench/pgbench-create-approve.sql "${PGBENCH_CONN[@]}" || die "pgbench failed"
children_ticks GEN_T1
PG_TICKS_PGB=$(($(pg_ticks) - PG_T0))
PGB_TICKS=$((GEN_T1 - GEN_T0))
PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
PGB_LAT=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
PGB_RUNS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
PGB_FAILED=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
[[ -n $PGB_TPS && -n $PGB_RUNS ]] || die "could not read pgbench's tps"
PGB_TPS=$(awk -v t="$PGB_TPS" 'BEGIN { printf "%.1f", t }')
PGB_XACTS_PER_OP=$(awk -v a="$COMMITS_BEFORE" -v b="$(xact_commits bench_pgbench)" -v n="$PGB_RUNS" \
  'BEGIN { printf "%.1f", (n > 0 ? (b - a) / n : 0) }')
CPU_PG_PGB=$(ms_per_op "$PG_TICKS_PGB" "$PGB_RUNS")
CPU_PGB_CLIENT=$(ms_per_op "$PGB_TICKS" "$PGB_RUNS")
CPU_PGB=$(ms_per_op "$((PG_TICKS_PGB + PGB_TICKS))" "$PGB_RUNS")
PGB_APPROVED=$(psql_db bench_pgbench -t -A -c "select count(*) from payouts where state = 'AwaitingPayment' and revision = 1")
stop_pg

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
RATIO=$(awk -v h="$HTTP_OPS" -v p="$PGB_TPS" 'BEGIN { printf "%.2f", (p > 0 ? h / p : 0) }')
pass() { awk -v c="$1" 'BEGIN { print (c + 0 ? "PASS" : "MISS") }'; }
RATIO_VERDICT=$(pass "$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r + 0 >= t + 0) }')")
P99_VERDICT=$(pass "$(awk -v p="$HTTP_P99" -v t="$TARGET_P99_MS" 'BEGIN { print (p + 0 < t + 0) }')")
CPU_RATIO=$(awk -v h="$CPU_HTTP" -v p="$CPU_PGB" 'BEGIN { printf "%.2f", (h > 0 ? p / h : 0) }')
PGB_COMMITS=$(awk -v t="$PGB_TPS" 'BEGIN { printf "%.1f", 2 * t }')

cat <<EOF

==================== create + approve: HTTP node vs pgbench ceiling ====================
machine      $CORES cores (${CPU_MODEL:-unknown CPU}), shared by node + PostgreSQL + load generator (then pgbench)
             1-minute load average before the HTTP run $LOAD_HTTP, before pgbench $LOAD_PGBENCH (other work skews both)
PostgreSQL   $PG_VERSION, one throwaway server for both sides: $PG_EFFECTIVE
             (fsync on; commits do not wait for the WAL flush — synchronous_commit=off — on both sides)
source       $SOURCE_STATE
load         $CLIENTS closed-loop clients, ${WARMUP} s warmup, ${SECONDS_MEASURED} s measured; 1 op = create + approve
HTTP node    $HTTP_OPS ops/s  ($HTTP_REQS requests/s, 2 requests per op)
             request latency p50 $HTTP_P50 ms, p99 $HTTP_P99 ms, max $HTTP_MAX ms; operation p99 $HTTP_OP_P99 ms
             errors $HTTP_ERRORS; $API_XACTS_PER_OP PostgreSQL transactions per op (pg_stat_database)
pgbench      $PGB_TPS ops/s  (pgbench "tps" = script runs/s; 1 run = 1 op = 2 SQL transactions = $PGB_COMMITS commits/s)
             latency average $PGB_LAT ms per op; failed runs ${PGB_FAILED:-0}; $PGB_XACTS_PER_OP transactions per op; $PGB_APPROVED payouts approved
CPU per op   HTTP $CPU_HTTP ms = node $CPU_NODE + PostgreSQL $CPU_PG_HTTP + load generator $CPU_GEN
             pgbench $CPU_PGB ms = PostgreSQL $CPU_PG_PGB + pgbench $CPU_PGB_CLIENT
             CPU-bound estimate of the ratio, insensitive to other load: $CPU_PGB ÷ $CPU_HTTP = $CPU_RATIO
ratio        HTTP ops/s ÷ pgbench ops/s = $RATIO   target ≥ $TARGET_RATIO   $RATIO_VERDICT
p99          request p99 = $HTTP_P99 ms            target < $TARGET_P99_MS ms    $P99_VERDICT
commands     $COMMAND_LINE  (BENCH_CLIENTS=$CLIENTS BENCH_SECONDS=$SECONDS_MEASURED BENCH_WARMUP=$WARMUP)
             $NODE_COMMAND
             $LOADGEN_COMMAND
             $PGBENCH_COMMAND
=========================================================================================
EOF

if [[ $HTTP_ERRORS != 0 ]]; then
  die "the HTTP run had $HTTP_ERRORS errors: its numbers are not comparable"
fi
if [[ ${BENCH_STRICT:-} == 1 && ($RATIO_VERDICT == MISS || $P99_VERDICT == MISS) ]]; then
  exit 1
fi
exit 0
