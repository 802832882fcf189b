#!/usr/bin/env bash
# Benchmark: drain approved payouts through sandbox processors with 1 and then 3 nodes on PostgreSQL, and, in
# the same run, pgbench running the equivalent claim transaction (bench/pgbench-claim.sql) as the ceiling.
#
#   bench/processors-drain.sh                      # BENCH_PAYOUTS=20000 (quick); the issue's size:
#   BENCH_PAYOUTS=100000 bench/processors-drain.sh
#
# Per node count (1, then 3), on a fresh database:
# 1. An API-only node (Payouts__Roles=api: it runs no processor) migrates the database; the script creates
#    BENCH_STORES stores and, through POST /api/v1/stores/{id}/payouts/bulk (1000 a request), BENCH_PAYOUTS
#    approved on-chain payouts (0.0001 BTC, unique regtest destinations) spread evenly over the stores.
# 2. Starts the processor nodes (Payouts__Roles=processors, sandbox block every 0.2 s, reconciler every 1 s),
#    waits for their /health, then enables the stores' processors (PUT …/payout-processors/
#    OnChainAutomatedPayoutSenderFactory/BTC-CHAIN {"intervalSeconds":1,"processNewPayoutsInstantly":true,
#    "batchSizeMax":1000}) — that moment (database clock) is when every payout becomes due.
# 3. Polls PostgreSQL until every payout is Completed (or BENCH_DEADLINE seconds), then reads payout_events:
#    claimed = the InProgress event's at_ms, completed = the Completed event's at_ms, due = max(approval
#    event's at_ms, enable moment); claimed/s = payouts ÷ (last claim − enable), completed/s = payouts ÷ (last
#    completion − enable); mean batch = attempt rows ÷ attempts; due-to-claimed p50/p99.
# Then pgbench: a database migrated with the same migration files, one store per client (BENCH_STORES clients,
# each with its own store and lease, as one processor per store), each store holding exactly the payouts its
# client claims; pgbench -t runs the claim of a batch as large as the 1-node run's mean batch. pgbench payouts/s
# = tps × batch; ratio = node claimed/s ÷ pgbench payouts/s.
# Everything started here (nodes, PostgreSQL, temp dir) is stopped/removed on exit, failure or interrupt.
#
# Sketch (before measuring; 2 shared cores, all CPU — 100,000 payouts are ~100 MB of rows, index entries and WAL):
# - pgbench: one claim of B payouts = 4 statements + set-based writes of ~3 rows and ~8 index entries per
#   payout, ~20–40 µs of PostgreSQL CPU per payout at B in the hundreds → ~15,000–40,000 payouts/s on 2 cores.
# - The node, per payout, reading SqlSendStore: claim = UPDATE + event INSERT + attempt-row INSERT (3 round
#   trips), prepare = attempt-row UPDATE (1), record/reconcile to Completed = attempt-row UPDATE + payout SELECT +
#   UPDATE + event INSERT (4), plus the sandbox's own rows (ledger INSERT …): ~10 sequential statements per
#   payout, each ~30–50 µs in PostgreSQL and as much in Npgsql/Dapper/the node → ~1 ms of CPU per payout →
#   ~1,000–2,500 payouts/s completed on 2 idle cores, claims faster (3 of the ~10 statements). Ratio to pgbench
#   ~0.05–0.2; the 5,000/s target needs set-based claims (and records), not a faster node.
# - p99 due-to-claimed < 1 s: every payout is due at the same instant, so the last one waits for the whole
#   backlog before it is claimed: p99 ≈ 0.99 × payouts ÷ claimed/s. < 1 s for 100,000 needs > 99,000 claims/s;
#   a backlog drain cannot meet it — it is a target for a steady arrival rate below capacity.
#
# Environment:
#   BENCH_PAYOUTS=20000   payouts per drain (the issue's size is 100000)
#   BENCH_STORES=24       stores (one processor each); 24 so 3 nodes × LeasesPerPoll (8) all get leases
#   BENCH_NODES="1 3"     node counts to run, in order
#   BENCH_DEADLINE=600    seconds a drain may take before it is reported unfinished
#   BENCH_BATCH_MAX=1000  the processors' batchSizeMax
#   BENCH_PG_SETTINGS="-c synchronous_commit=off"   PostgreSQL settings (both sides); pg_stat_statements is
#                         preloaded when the server has it, to count statements per payout
#   BENCH_STRICT=1        exit 1 when a target is missed
# Targets (processors issue): ≥ 5,000 payouts/s drained (completed) on one node; due-to-claimed p99 < 1 s.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
COMMAND_LINE="$0${*:+ $*}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

PAYOUTS=${BENCH_PAYOUTS:-20000}
STORES=${BENCH_STORES:-24}
NODE_COUNTS=${BENCH_NODES:-1 3}
DEADLINE=${BENCH_DEADLINE:-600}
BATCH_MAX=${BENCH_BATCH_MAX:-1000}
PG_SETTINGS_BASE=${BENCH_PG_SETTINGS:--c synchronous_commit=off}
PGBENCH_THREADS=2
TARGET_RATE=5000
TARGET_P99_MS=1000
BULK_MAX=1000

log() { printf '[bench] %s\n' "$*"; }
warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }
die() {
  printf '\n[bench] ERROR: %s\n\n' "$*" >&2
  exit 1
}

for v in PAYOUTS STORES DEADLINE BATCH_MAX; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((PAYOUTS >= STORES && STORES >= 1 && STORES <= 999)) || die "need 1 ≤ BENCH_STORES ≤ 999 and BENCH_PAYOUTS ≥ BENCH_STORES"
((BATCH_MAX >= 1 && BATCH_MAX <= 1000)) || die "BENCH_BATCH_MAX must be 1–1000"
for n in $NODE_COUNTS; do [[ $n =~ ^[1-9]$ ]] || die "BENCH_NODES takes node counts 1–9, not '$n'"; done

TMP_ROOT=$(mktemp -d /tmp/payouts-bench.XXXXXXXX)
PG_DATA=$TMP_ROOT/data
PG_LOG=$TMP_ROOT/pg.log
PG_STARTED=0 # shellcheck disable=SC2034
PG_BINDIR=
PG_PORT=
NODE_PIDS=()
CHILD_PID=

# shellcheck source=SCRIPTDIR/../scripts/lib/postgres.sh
source "$REPO_ROOT/scripts/lib/postgres.sh"

# Stops every node this script started: SIGTERM (graceful, up to 30 s), then SIGKILL. Safe under set -e.
stop_nodes() {
  local pid
  for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  NODE_PIDS=()
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
  stop_nodes
  stop_pg
  rm -rf "$TMP_ROOT"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

psql_db() {
  local db=$1
  shift
  "$PSQL" "host=127.0.0.1 port=$PG_PORT user=postgres dbname=$db" -X -q -v ON_ERROR_STOP=1 "$@"
}
q() { psql_db "$1" -t -A -F' ' -c "$2"; }
db_now_ms() { q postgres "select (extract(epoch from clock_timestamp()) * 1000)::bigint"; }
xact_commits() { q postgres "select xact_commit from pg_stat_database where datname = '$1'"; }

# CPU time in clock ticks (utime + stime + reaped children) of one process; 0 when it is gone.
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
    echo 0
    return 0
  }
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
# CPU ticks of the listed processes together.
pids_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(proc_ticks "$p"))); done
  echo "$t"
}
# Sets variable $1 to the CPU ticks of this shell's waited-for children (pgbench), from the times builtin.
children_ticks() {
  times >"$TMP_ROOT/times.txt"
  printf -v "$1" '%s' "$(awk -v hz="$CLK_TCK" 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, /m|s/); t += p[1] * 60 + p[2] }
    printf "%d", t * hz
  }' "$TMP_ROOT/times.txt")"
}
# Microseconds of CPU per payout: ticks payouts
us_per(){ awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }'; }
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }

# Starts a node: start_node DB ROLES → appends its pid to NODE_PIDS, sets NODE_URL. Waits for /health.
start_node() {
  local db=$1 roles=$2 port pid
  port=$(free_port) || die "no free TCP port for a node"
  NODE_URL=http://127.0.0.1:$port
  Payouts__Database__Provider=postgres \
    Payouts__Database__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$db" \
    Payouts__BootstrapAdminKey=$ADMIN_KEY \
    Payouts__Roles=$roles \
    Payouts__NodeId="bench-$roles-${#NODE_PIDS[@]}" \
    Payouts__Sandbox__BlockIntervalSeconds=0.2 \
    Payouts__Processors__ReconcileIntervalSeconds=1 \
    Logging__LogLevel__Default=Warning \
    dotnet "$SERVER_DLL" --urls "$NODE_URL" >>"$TMP_ROOT/node-$db-${#NODE_PIDS[@]}.log" 2>&1 </dev/null &
  pid=$!
  NODE_PIDS+=("$pid")
  for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$TMP_ROOT/node-$db-$((${#NODE_PIDS[@]} - 1)).log" >&2
      die "a node ($roles) exited during start-up"
    fi
    curl -fsS -o /dev/null "$NODE_URL/health" 2>/dev/null && return 0
    sleep 0.5
  done
  die "a node ($roles) did not answer /health within 120 s"
}

api() { # api METHOD PATH [BODY-FILE]
  local out code
  out=$TMP_ROOT/api.out
  if [[ -n ${3:-} ]]; then
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" "$API_URL$2" -H "Authorization: token $ADMIN_KEY" \
      -H 'Content-Type: application/json' --data-binary "@$3")
  else
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" "$API_URL$2" -H "Authorization: token $ADMIN_KEY")
  fi
  [[ $code == 200 || $code == 201 ]] || die "$1 $2 answered $code: $(head -c 400 "$out")"
  cat "$out"
}

# ---------------------------------------------------------------------------
# Machine, build, PostgreSQL
# ---------------------------------------------------------------------------
CORES=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
SIZE_NOTE="the quick default; BENCH_PAYOUTS=100000 is the issue's size"
((PAYOUTS >= 100000)) && SIZE_NOTE="the issue's size"
log "command: $COMMAND_LINE  (BENCH_PAYOUTS=$PAYOUTS — $SIZE_NOTE; BENCH_STORES=$STORES BENCH_NODES=\"$NODE_COUNTS\" BENCH_BATCH_MAX=$BATCH_MAX BENCH_DEADLINE=$DEADLINE)"
log "machine: $CORES cores (${CPU_MODEL:-unknown CPU}); load average $(cut -d' ' -f1-3 /proc/loadavg)"
SOURCE_STATE=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$REPO_ROOT" status --porcelain -- src 2>/dev/null) ]]; then
  SOURCE_STATE="$SOURCE_STATE + uncommitted changes in src/"
fi
log "source: $SOURCE_STATE"

SERVER_DLL=src/Payouts.Server/bin/Release/net10.0/Payouts.Server.dll
log "dotnet build src/Payouts.Server -c Release"
if ! dotnet build src/Payouts.Server -c Release -nologo -v quiet >"$TMP_ROOT/build.log" 2>&1; then
  tail -n 40 "$TMP_ROOT/build.log" >&2
  die "dotnet build src/Payouts.Server failed"
fi

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
PG_SETTINGS=$PG_SETTINGS_BASE
HAVE_PGSS=0
if [[ -f $("$PG_BINDIR/pg_config" --pkglibdir 2>/dev/null || echo /nonexistent)/pg_stat_statements.so ]] ||
  ls /usr/lib/postgresql/*/lib/pg_stat_statements.so >/dev/null 2>&1; then
  PG_SETTINGS="$PG_SETTINGS -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  HAVE_PGSS=1
fi
start_pg || die "could not start the throwaway PostgreSQL server (log: $PG_LOG)"
PG_VERSION=$("$PG_BINDIR/postgres" --version 2>/dev/null | awk '{print $3}')
PG_EFFECTIVE=$(q postgres "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings
   where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')")
log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT: $PG_EFFECTIVE (shared_buffers in 8 kB pages)"
if ((HAVE_PGSS)); then
  psql_db postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || HAVE_PGSS=0
fi
ADMIN_KEY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
NODE_COMMAND="dotnet $SERVER_DLL --urls http://127.0.0.1:PORT  (Payouts__Roles=processors, Payouts__Sandbox__BlockIntervalSeconds=0.2, Payouts__Processors__ReconcileIntervalSeconds=1)"

# Writes the bulk-create bodies of one store: files $TMP_ROOT/bulk-RUN-STORE-K.json, ≤ 1000 payouts each.
write_bodies() {
  python3 - "$TMP_ROOT" "$1" "$2" "$3" "$BULK_MAX" <<'PY'
import sys, json
root, run, store, count, bulk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def enc(n, width):
    s = ""
    for _ in range(width):
        s = alphabet[n % 32] + s
        n //= 32
    return s
for k, start in enumerate(range(0, count, bulk)):
    items = [{"destination": "bcrt1q" + enc(run, 2) + enc(store, 3) + enc(i, 5) + "q" * 28, "amount": "0.0001",
              "payoutMethodId": "BTC-CHAIN", "approved": True} for i in range(start, min(count, start + bulk))]
    with open(f"{root}/bulk-{run}-{store}-{k}.json", "w") as f:
        json.dump(items, f)
PY
}

# ---------------------------------------------------------------------------
# One drain: drain NODES → sets R_* variables
# ---------------------------------------------------------------------------
drain() {
  local nodes=$1 db=bench_drain_$1 s k count f done_n claimed_n t_enable wall0 wall1 last_report
  psql_db postgres -c "CREATE DATABASE $db" >/dev/null
  log "[$nodes node(s)] API-only node on $db (migrates it), $STORES stores, $PAYOUTS approved payouts through …/payouts/bulk"
  start_node "$db" api
  API_URL=$NODE_URL/api/v1
  local api_pid=${NODE_PIDS[0]}
  STORE_IDS=()
  for ((s = 0; s < STORES; s++)); do
    STORE_IDS+=("$(api POST /stores <(printf '{"name":"bench %d"}' "$s") | jq -r .id)")
  done
  local load0
  load0=$(date +%s.%N)
  for ((s = 0; s < STORES; s++)); do
    count=$((PAYOUTS / STORES + (s < PAYOUTS % STORES ? 1 : 0)))
    write_bodies "$nodes" "$s" "$count"
    for f in "$TMP_ROOT"/bulk-"$nodes"-"$s"-*.json; do
      api POST "/stores/${STORE_IDS[$s]}/payouts/bulk" "$f" >/dev/null
      rm -f "$f"
    done
  done
  count=$(q "$db" "select count(*) from payouts where state = 'AwaitingPayment'")
  ((count == PAYOUTS)) || die "expected $PAYOUTS AwaitingPayment payouts in $db, found $count"
  log "[$nodes node(s)] loaded $count payouts in $(calc %.1f "$(date +%s.%N) - $load0") s; starting $nodes processor node(s)"
  q "$db" "vacuum analyze" >/dev/null

  local proc_pids=()
  for ((k = 0; k < nodes; k++)); do
    start_node "$db" processors
    proc_pids+=("${NODE_PIDS[-1]}")
  done
  log "[$nodes node(s)] processor nodes up (pids ${proc_pids[*]}); enabling the $STORES processors"
  ((HAVE_PGSS)) && q postgres "select pg_stat_statements_reset()" >/dev/null
  local commits0 node_t0 pg_t0 api_t0
  commits0=$(xact_commits "$db")
  R_LOAD[$nodes]=$(cut -d' ' -f1 /proc/loadavg)
  node_t0=$(pids_ticks "${proc_pids[@]}")
  api_t0=$(proc_ticks "$api_pid")
  pg_t0=$(pg_ticks)
  t_enable=$(db_now_ms)
  wall0=$(date +%s.%N)
  printf '{"intervalSeconds":1,"processNewPayoutsInstantly":true,"batchSizeMax":%d}' "$BATCH_MAX" >"$TMP_ROOT/processor.json"
  for ((s = 0; s < STORES; s++)); do
    api PUT "/stores/${STORE_IDS[$s]}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN" "$TMP_ROOT/processor.json" >/dev/null
  done
  last_report=0
  while :; do
    read -r done_n claimed_n < <(q "$db" "select count(*) filter (where state = 'Completed'),
      count(*) filter (where state in ('InProgress', 'Completed')) from payouts")
    ((done_n >= PAYOUTS)) && break
    wall1=$(date +%s)
    if ((wall1 - ${wall0%.*} >= DEADLINE)); then
      warn "[$nodes node(s)] deadline of $DEADLINE s: $done_n of $PAYOUTS completed, $claimed_n claimed"
      break
    fi
    if ((wall1 - last_report >= 5)); then
      log "[$nodes node(s)] $(calc %.0f "$(date +%s.%N) - $wall0") s: claimed $claimed_n, completed $done_n of $PAYOUTS; load $(cut -d' ' -f1 /proc/loadavg)"
      last_report=$wall1
    fi
    sleep 0.25
  done
  R_WALL[$nodes]=$(calc %.1f "$(date +%s.%N) - $wall0")
  R_NODE_CPU[$nodes]=$(($(pids_ticks "${proc_pids[@]}") - node_t0))
  R_API_CPU[$nodes]=$(($(proc_ticks "$api_pid") - api_t0))
  R_PG_CPU[$nodes]=$(($(pg_ticks) - pg_t0))
  R_XACTS[$nodes]=$(($(xact_commits "$db") - commits0))
  if ((HAVE_PGSS)); then
    q postgres "select calls, rows, round(total_exec_time::numeric, 0), left(regexp_replace(query, '\s+', ' ', 'g'), 110)
      from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = '$db' and calls > 0
      order by calls desc limit 25" >"$TMP_ROOT/pgss-$nodes.txt"
    R_STMTS[$nodes]=$(q postgres "select coalesce(sum(calls), 0) from pg_stat_statements s join pg_database d on d.oid = s.dbid
      where d.datname = '$db' and query !~* '^\s*(begin|commit|rollback|discard|select pg_stat_statements_reset)'")
  fi
  stop_nodes
  grep -hE '(fail|crit):' "$TMP_ROOT"/node-"$db"-*.log | sort | uniq -c | sort -rn | head -n 5 >&2 || true

  # Events: due = max(approval, enable), claimed = first InProgress event, completed = Completed event.
  read -r "R_CLAIMED[$nodes]" "R_DONE[$nodes]" "R_CLAIM_S[$nodes]" "R_DONE_S[$nodes]" "R_P50[$nodes]" "R_P99[$nodes]" "R_MAXLAT[$nodes]" < <(q "$db" "
    with ap as (select payout_id, max(at_ms) as at_ms from payout_events where to_state = 'AwaitingPayment' group by payout_id),
    c as (select payout_id, min(at_ms) as at_ms from payout_events where to_state = 'InProgress' group by payout_id),
    d as (select payout_id, max(at_ms) as at_ms from payout_events where to_state = 'Completed' group by payout_id),
    lat as (select c.at_ms - greatest(ap.at_ms, $t_enable) as ms from c join ap using (payout_id))
    select (select count(*) from c), (select count(*) from d),
      round(((select max(at_ms) from c) - $t_enable) / 1000.0, 2), round(((select max(at_ms) from d) - $t_enable) / 1000.0, 2),
      round(percentile_cont(0.5) within group (order by ms)::numeric, 0), round(percentile_cont(0.99) within group (order by ms)::numeric, 0),
      max(ms) from lat")
  read -r "R_ATTEMPTS[$nodes]" "R_ROWS[$nodes]" "R_BATCH[$nodes]" "R_BMAX[$nodes]" "R_NODEIDS[$nodes]" < <(q "$db" "
    select count(*), sum(n), round(avg(n), 1), max(n), count(distinct node_id) from
      (select a.id, a.node_id, count(*) as n from send_attempts a join send_attempt_payouts ap on ap.attempt_id = a.id group by a.id, a.node_id) x")
  R_CLAIM_RATE[$nodes]=$(calc %.0f "${R_CLAIMED[$nodes]} / (${R_CLAIM_S[$nodes]:-0} > 0 ? ${R_CLAIM_S[$nodes]} : 1e9)")
  R_DONE_RATE[$nodes]=$(calc %.0f "${R_DONE[$nodes]} / (${R_DONE_S[$nodes]:-0} > 0 ? ${R_DONE_S[$nodes]} : 1e9)")
  log "[$nodes node(s)] claimed ${R_CLAIMED[$nodes]} in ${R_CLAIM_S[$nodes]} s (${R_CLAIM_RATE[$nodes]}/s), completed ${R_DONE[$nodes]} in ${R_DONE_S[$nodes]} s (${R_DONE_RATE[$nodes]}/s); ${R_ATTEMPTS[$nodes]} attempts by ${R_NODEIDS[$nodes]} node(s), mean batch ${R_BATCH[$nodes]} (max ${R_BMAX[$nodes]}); due→claimed p50 ${R_P50[$nodes]} ms p99 ${R_P99[$nodes]} ms"
  if ((HAVE_PGSS)); then
    log "[$nodes node(s)] top statements during the drain (calls, rows, total ms, query):"
    sed 's/^/    /' "$TMP_ROOT/pgss-$nodes.txt"
  fi
}

declare -A R_LOAD R_WALL R_NODE_CPU R_API_CPU R_PG_CPU R_XACTS R_STMTS R_CLAIMED R_DONE R_CLAIM_S R_DONE_S R_P50 R_P99 R_MAXLAT \
  R_ATTEMPTS R_ROWS R_BATCH R_BMAX R_NODEIDS R_CLAIM_RATE R_DONE_RATE
for n in $NODE_COUNTS; do
  drain "$n"
done

# ---------------------------------------------------------------------------
# pgbench: the claim transaction, batch = the first run's mean batch
# ---------------------------------------------------------------------------
FIRST=${NODE_COUNTS%% *}
PGB_BATCH=$(calc %.0f "${R_BATCH[$FIRST]:-0}")
((PGB_BATCH >= 1)) || PGB_BATCH=$BATCH_MAX
PGB_RUNS_PER_CLIENT=$(((PAYOUTS / STORES + PGB_BATCH - 1) / PGB_BATCH))
((PGB_RUNS_PER_CLIENT >= 1)) || PGB_RUNS_PER_CLIENT=1
PGB_PER_STORE=$((PGB_RUNS_PER_CLIENT * PGB_BATCH))
log "bench_pgbench: applying src/Payouts.Storage/Migrations/Postgres/*.sql in order; $STORES stores × $PGB_PER_STORE AwaitingPayment payouts"
psql_db postgres -c "CREATE DATABASE bench_pgbench" >/dev/null
for migration in src/Payouts.Storage/Migrations/Postgres/[0-9][0-9][0-9][0-9]_*.sql; do
  psql_db bench_pgbench -1 -f "$migration" >/dev/null
done
psql_db bench_pgbench <<SQL >/dev/null
INSERT INTO stores (id, name, created_at_ms)
SELECT 'pgbstore' || lpad(s::text, 4, '0'), 'bench', (extract(epoch FROM now()) * 1000)::bigint FROM generate_series(0, $STORES - 1) s;
INSERT INTO processors (store_id, payout_method_id, processor_type, interval_seconds, process_new_payouts_instantly, threshold,
    created_at_ms, updated_at_ms, next_run_at_ms, lease_owner, lease_until_ms, epoch, policy)
SELECT 'pgbstore' || lpad(s::text, 4, '0'), 'BTC-CHAIN', 'OnChainAutomatedPayoutSenderFactory', 1, true, 0, 0, 0, 0, 'pgbench',
    (extract(epoch FROM now()) * 1000)::bigint + 86400000, 1, '{}' FROM generate_series(0, $STORES - 1) s;
INSERT INTO payouts (id, store_id, pull_payment_id, payout_method_id, destination, original_amount, original_currency,
    payout_currency, payout_amount, rate, state, revision, metadata, payment_proof, error_count, created_at_ms, updated_at_ms)
SELECT 'p' || lpad(s::text, 4, '0') || lpad(i::text, 17, '0'), 'pgbstore' || lpad(s::text, 4, '0'), NULL, 'BTC-CHAIN',
    'bcrt1q' || lpad(s::text, 4, '0') || lpad(i::text, 34, '0'), 0.0001, 'BTC', 'BTC', 0.0001, 1, 'AwaitingPayment', 1, NULL, NULL, 0,
    (extract(epoch FROM now()) * 1000)::bigint + i, (extract(epoch FROM now()) * 1000)::bigint + i
FROM generate_series(0, $STORES - 1) s, generate_series(1, $PGB_PER_STORE) i;
INSERT INTO payout_events (payout_id, store_id, revision, from_state, to_state, actor, processor_auto, at_ms, detail)
SELECT id, store_id, 1, NULL, 'AwaitingPayment', 'api-key:benchapikey00000000000', false, created_at_ms, 'created approved'
FROM payouts;
VACUUM ANALYZE;
SQL
PGBENCH_ARGS=(-n -c "$STORES" -j "$PGBENCH_THREADS" -t "$PGB_RUNS_PER_CLIENT" -D "batch=$PGB_BATCH" -f bench/pgbench-claim.sql)
PGBENCH_COMMAND="pgbench ${PGBENCH_ARGS[*]}"
COMMITS0=$(xact_commits bench_pgbench)
LOAD_PGB=$(cut -d' ' -f1 /proc/loadavg)
PG_T0=$(pg_ticks)
children_ticks GEN_T0
log "pgbench: $PGBENCH_COMMAND"
"$PGBENCH" "${PGBENCH_ARGS[@]}" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench_pgbench >"$TMP_ROOT/pgbench.out" 2>&1 </dev/null &
CHILD_PID=$!
PGB_RC=0
wait "$CHILD_PID" || PGB_RC=$?
CHILD_PID=
children_ticks GEN_T1
PG_TICKS_PGB=$(($(pg_ticks) - PG_T0))
((PGB_RC == 0)) || {
  cat "$TMP_ROOT/pgbench.out" >&2
  die "pgbench failed"
}
PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
PGB_LAT=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
PGB_XACTS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP_ROOT/pgbench.out" | head -n 1)
[[ -n $PGB_TPS ]] || {
  cat "$TMP_ROOT/pgbench.out" >&2
  die "could not read pgbench's tps"
}
PGB_CLAIMED=$(q bench_pgbench "select count(*) from payouts where state = 'InProgress'")
PGB_COMMITS=$(($(xact_commits bench_pgbench) - COMMITS0))
PGB_RATE=$(calc %.0f "$PGB_TPS * $PGB_BATCH")
PGB_CPU_PG=$(us_per "$PG_TICKS_PGB" "$PGB_CLAIMED")
PGB_CPU_CLIENT=$(us_per "$((GEN_T1 - GEN_T0))" "$PGB_CLAIMED")
((PGB_CLAIMED == PGB_XACTS * PGB_BATCH)) || warn "pgbench claimed $PGB_CLAIMED payouts, not $PGB_XACTS × $PGB_BATCH"
stop_pg

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
pass() { awk -v c="$1" 'BEGIN { print (c + 0 ? "PASS" : "MISS") }'; }
MISSED=0
LINES=""
for n in $NODE_COUNTS; do
  ratio=$(calc %.2f "${R_CLAIM_RATE[$n]} / $PGB_RATE")
  rate_v=$(pass "$(calc %d "${R_DONE_RATE[$n]} >= $TARGET_RATE && ${R_DONE[$n]} == $PAYOUTS")")
  p99_v=$(pass "$(calc %d "${R_P99[$n]:-1e12} < $TARGET_P99_MS")")
  [[ $n != 1 || ($rate_v == PASS && $p99_v == PASS) ]] || MISSED=1
  [[ $n == 1 ]] || rate_v="($rate_v; the target is for 1 node)"
  cpu_node=$(us_per "${R_NODE_CPU[$n]}" "${R_DONE[$n]}")
  cpu_pg=$(us_per "${R_PG_CPU[$n]}" "${R_DONE[$n]}")
  cpu_api=$(us_per "${R_API_CPU[$n]}" "${R_DONE[$n]}")
  stmts=""
  [[ -n ${R_STMTS[$n]:-} ]] && stmts="$(calc %.1f "${R_STMTS[$n]} / ${R_DONE[$n]}") statements (pg_stat_statements, BEGIN/COMMIT excluded) and "
  LINES+="$(printf '%s node%s  %s payouts (%s completed), drained in %s s (wall %s s, load %s)\n' "$n" "$([[ $n == 1 ]] && echo ' ' || echo 's')" \
    "$PAYOUTS" "${R_DONE[$n]}" "${R_DONE_S[$n]}" "${R_WALL[$n]}" "${R_LOAD[$n]}")
             claimed ${R_CLAIM_RATE[$n]}/s (last claim at ${R_CLAIM_S[$n]} s), completed ${R_DONE_RATE[$n]}/s   target ≥ $TARGET_RATE/s completed  $rate_v
             batch: ${R_ATTEMPTS[$n]} attempts by ${R_NODEIDS[$n]} node(s), mean ${R_BATCH[$n]} payouts per attempt (max ${R_BMAX[$n]})
             due→claimed p50 ${R_P50[$n]} ms, p99 ${R_P99[$n]} ms, max ${R_MAXLAT[$n]} ms   target p99 < $TARGET_P99_MS ms  $p99_v
             ratio claimed/s ÷ pgbench payouts/s = ${R_CLAIM_RATE[$n]} ÷ $PGB_RATE = $ratio
             per payout: ${stmts}$(calc %.1f "${R_XACTS[$n]} / ${R_DONE[$n]}") PostgreSQL transactions (pg_stat_database)
             CPU per payout $((cpu_node + cpu_pg)) µs = processor node(s) $cpu_node + PostgreSQL $cpu_pg  (idle API node $cpu_api)
"
done

cat <<EOF

==================== processors drain: sandbox processors vs pgbench claim ceiling ====================
machine      $CORES cores (${CPU_MODEL:-unknown CPU}), shared by nodes + PostgreSQL (then pgbench) and other sessions
             1-minute load average at each drain's start: $(for n in $NODE_COUNTS; do printf '%s node(s) %s  ' "$n" "${R_LOAD[$n]}"; done)pgbench $LOAD_PGB
PostgreSQL   $PG_VERSION, one throwaway server for all: $PG_EFFECTIVE
source       $SOURCE_STATE
drain        $PAYOUTS approved BTC-CHAIN payouts ($SIZE_NOTE) over $STORES stores, all due when the processors are enabled;
             batchSizeMax $BATCH_MAX, intervalSeconds 1, sandbox block 0.2 s, reconcile every 1 s; times from payout_events
$LINES
pgbench      $PGB_RATE payouts/s claimed = $PGB_TPS claims/s × batch $PGB_BATCH (the 1-node run's mean batch), $STORES clients
             ($PGB_CLAIMED payouts in $PGB_XACTS claims, latency average $PGB_LAT ms per claim, $(calc %.1f "$PGB_COMMITS / $PGB_XACTS") PostgreSQL transactions per claim)
             CPU per payout $((PGB_CPU_PG + PGB_CPU_CLIENT)) µs = PostgreSQL $PGB_CPU_PG + pgbench $PGB_CPU_CLIENT
commands     $COMMAND_LINE  (BENCH_PAYOUTS=$PAYOUTS BENCH_STORES=$STORES BENCH_NODES="$NODE_COUNTS" BENCH_BATCH_MAX=$BATCH_MAX)
             $NODE_COMMAND
             $PGBENCH_COMMAND
=======================================================================================================
EOF

if [[ ${BENCH_STRICT:-} == 1 && $MISSED == 1 ]]; then
  exit 1
fi
exit 0
