#!/usr/bin/env bash
# The project's test command.
#
#   scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Ledger]
#
# 1. Finds (or, on a fresh Debian machine, installs with apt-get) PostgreSQL server
#    binaries and starts a throwaway cluster in a temp dir on a free loopback port.
#    Tests get it as PAYOUTS_TEST_POSTGRES (a superuser connection string; tests create
#    their own databases from it). The cluster is stopped and the temp dir removed on
#    exit, failure or interrupt.
# 2. dotnet restore / build (Release) / test the whole solution, writing one .trx per
#    test project.
# 3. Sums the .trx counters of every test project and prints, as the very last line,
#    "N passed, M failed, K skipped". Exits non-zero if dotnet test failed, any test
#    failed, or a test project produced no results.
#
# Environment:
#   CI=true                      missing PostgreSQL is an error (otherwise a warning)
#   PAYOUTS_TEST_SH_ONLY_PG=1    only provision PostgreSQL, check it with psql, then stop
#   PAYOUTS_TEST_RESULTS_DIR     where the .trx files and logs are copied at the end
#                                (default: TestResults/test-sh, git-ignored)
set -euo pipefail

START_SECONDS=$SECONDS
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [[ ${CI:-} == true ]]; then
  # No MSBuild worker nodes left running after a CI run.
  export MSBUILDDISABLENODEREUSE=1
fi

SLN=Payouts.sln
RESULTS_COPY_DIR=${PAYOUTS_TEST_RESULTS_DIR:-$REPO_ROOT/TestResults/test-sh}

log() { printf '[test.sh] %s\n' "$*"; }
warn() { printf '[test.sh] WARNING: %s\n' "$*" >&2; }
die() {
  printf '\n[test.sh] ERROR: %s\n\n' "$*" >&2
  exit 1
}

duration() {
  local s=$((SECONDS - START_SECONDS))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# ---------------------------------------------------------------------------
# Temp dir + cleanup (runs on every exit path, including INT/TERM/HUP)
# ---------------------------------------------------------------------------
TMP_ROOT=$(mktemp -d /tmp/payouts-test.XXXXXXXX)
PG_DATA=$TMP_ROOT/data
PG_LOG=$TMP_ROOT/pg.log
PG_STARTED=0
PG_BINDIR=
CHILD_PID=
TAIL_PID=

# The PostgreSQL provisioning functions (as_pg, stop_pg, find_pg_bindir, install_pg, free_port,
# start_pg) and IS_ROOT; they use TMP_ROOT, PG_DATA, PG_LOG, PG_STARTED and PG_BINDIR above.
# shellcheck source=SCRIPTDIR/lib/postgres.sh
source "$REPO_ROOT/scripts/lib/postgres.sh"

# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  # A long-running child (dotnet build/test) is run in the background so that signals
  # reach this trap at once; stop it before the database goes away.
  # It runs in its own process group (setsid), so the whole tree (dotnet, MSBuild
  # nodes, test hosts) is signalled.
  if [[ -n $CHILD_PID ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM -- "-$CHILD_PID" 2>/dev/null || kill -TERM "$CHILD_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$CHILD_PID" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$CHILD_PID" 2>/dev/null || kill -KILL "$CHILD_PID" 2>/dev/null
  fi
  if [[ -n $TAIL_PID ]]; then
    kill "$TAIL_PID" 2>/dev/null
  fi
  # Cluster tests start node processes; a test host that died cannot stop its own, so stop any left over.
  pkill -KILL -f "$REPO_ROOT/tests/[^ ]*/Payouts.Server.dll" 2>/dev/null
  stop_pg
  rm -rf "$TMP_ROOT"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Runs "$@" in the background with stdout+stderr to LOG, echoing LOG to the console
# while it runs; returns the command's exit code. (Background + wait lets the INT/TERM
# traps run immediately instead of after the command has finished.)
run_logged() {
  local logfile=$1
  shift
  : >"$logfile"
  if command -v setsid >/dev/null 2>&1; then
    setsid -w "$@" >"$logfile" 2>&1 </dev/null &
  else
    "$@" >"$logfile" 2>&1 </dev/null &
  fi
  CHILD_PID=$!
  tail -n +1 -s 0.3 -f --pid="$CHILD_PID" "$logfile" &
  TAIL_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  wait "$TAIL_PID" 2>/dev/null || true
  TAIL_PID=
  return "$rc"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
# (functions in scripts/lib/postgres.sh, sourced above)
PG_PORT=
PG_BINDIR=$(find_pg_bindir || true)
if [[ -z $PG_BINDIR ]]; then
  install_pg || true
  PG_BINDIR=$(find_pg_bindir || true)
fi
if [[ -z $PG_BINDIR ]]; then
  if [[ ${CI:-} == true ]]; then
    die "PostgreSQL server binaries (initdb, pg_ctl) not found and could not be installed. The PostgreSQL tests cannot run; failing because CI=true."
  fi
  warn "********************************************************************"
  warn "PostgreSQL server binaries not found: continuing WITHOUT PostgreSQL."
  warn "PAYOUTS_TEST_POSTGRES is not set; PostgreSQL tests will be skipped."
  warn "********************************************************************"
fi

if [[ ${PAYOUTS_TEST_SH_ONLY_PG:-} != 1 ]]; then
  log "dotnet restore $SLN"
  run_logged "$TMP_ROOT/restore.log" dotnet restore "$SLN" ||
    die "dotnet restore failed (after $(duration))"
  log "dotnet build $SLN -c Release"
  run_logged "$TMP_ROOT/build.log" dotnet build "$SLN" -c Release --no-restore ||
    die "dotnet build failed (after $(duration))"
fi

if [[ -n $PG_BINDIR ]]; then
  if start_pg; then
    export PAYOUTS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
    log "PostgreSQL $("$PG_BINDIR/postgres" --version 2>/dev/null | awk '{print $3}') running on 127.0.0.1:$PG_PORT"
    log "PAYOUTS_TEST_POSTGRES=$PAYOUTS_TEST_POSTGRES"
  elif [[ ${CI:-} == true ]]; then
    die "could not start the throwaway PostgreSQL server; failing because CI=true"
  else
    warn "could not start the throwaway PostgreSQL server: continuing WITHOUT PostgreSQL"
  fi
fi

if [[ ${PAYOUTS_TEST_SH_ONLY_PG:-} == 1 ]]; then
  [[ $PG_STARTED -eq 1 ]] || die "PostgreSQL is not running"
  PSQL=$PG_BINDIR/psql
  [[ -x $PSQL ]] || PSQL=psql
  "$PSQL" "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" -X -q -t -A -c 'select version()'
  log "PAYOUTS_TEST_SH_ONLY_PG=1: PostgreSQL check passed; stopping ($(duration))"
  exit 0
fi

# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
RESULTS_DIR=$TMP_ROOT/results
mkdir -p "$RESULTS_DIR"
TEST_LOG=$TMP_ROOT/test-output.log

log "dotnet test $SLN -c Release $*"
TEST_RC=0
run_logged "$TEST_LOG" dotnet test "$SLN" -c Release --no-build \
  --logger trx --results-directory "$RESULTS_DIR" "$@" || TEST_RC=$?

# Stop the server now (the EXIT trap would too) so nothing prints after the summary.
stop_pg

# Keep the results of the last run for inspection (git-ignored).
rm -rf "$RESULTS_COPY_DIR" 2>/dev/null || true
if mkdir -p "$RESULTS_COPY_DIR" 2>/dev/null; then
  cp "$TMP_ROOT"/*.log "$RESULTS_COPY_DIR"/ 2>/dev/null || true
  cp "$RESULTS_DIR"/*.trx "$RESULTS_COPY_DIR"/ 2>/dev/null || true
fi

# Test projects: csproj files under tests/ that are test projects (helper libraries
# under tests/ produce no .trx and are not counted).
TEST_PROJECTS=()
for p in tests/*/*.csproj; do
  [[ -f $p ]] || continue
  if grep -qE 'Microsoft\.NET\.Test\.Sdk|<IsTestProject>[[:space:]]*true' "$p"; then
    TEST_PROJECTS+=("$(basename "$p" .csproj)")
  fi
done

TRX_FILES=()
while IFS= read -r -d '' f; do TRX_FILES+=("$f"); done \
  < <(find "$RESULTS_DIR" -maxdepth 2 -name '*.trx' -print0 2>/dev/null)

# Per .trx: "passed failed skipped crashed name" from <ResultSummary outcome> and <Counters>.
summarize_trx() {
  awk '
    function attr(line, name,    s) {
      if (match(line, "[ \t]" name "=\"[0-9]+\"")) {
        s = substr(line, RSTART, RLENGTH)
        gsub(/[^0-9]/, "", s)
        return s + 0
      }
      return 0
    }
    /<ResultSummary/ {
      if (match($0, /outcome="[A-Za-z]+"/)) outcome = substr($0, RSTART + 9, RLENGTH - 10)
    }
    /<Counters/ {
      total = attr($0, "total"); passed = attr($0, "passed")
      failed = attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
      seen = 1
    }
    /Discovering: / && name == "" {
      s = $0; sub(/.*Discovering: +/, "", s); sub(/[ \t\r]+$/, "", s); name = s
    }
    END {
      crashed = 0
      if (!seen) crashed = 1
      else if (failed == 0 && (outcome == "Failed" || outcome == "Aborted" || outcome == "Error" || outcome == "Timeout")) crashed = 1
      skipped = total - passed - failed
      if (skipped < 0) skipped = 0
      if (name == "") name = "?"
      printf "%d %d %d %d %s\n", passed, failed, skipped, crashed, name
    }
  ' "$1"
}

SUM_PASSED=0
SUM_FAILED=0
SUM_SKIPPED=0
CRASHED=0
echo
log "results per test project:"
for f in ${TRX_FILES[@]+"${TRX_FILES[@]}"}; do
  read -r tp tf ts tc tn < <(summarize_trx "$f")
  SUM_PASSED=$((SUM_PASSED + tp))
  SUM_FAILED=$((SUM_FAILED + tf))
  SUM_SKIPPED=$((SUM_SKIPPED + ts))
  note=
  if [[ $tc -eq 1 ]]; then
    CRASHED=$((CRASHED + 1))
    note="  <-- RUN ABORTED (test host crashed?), counted as 1 failure"
  fi
  printf '  %-40s %5d passed, %d failed, %d skipped%s\n' "$tn" "$tp" "$tf" "$ts" "$note"
done

MISSING=0
if [[ ${#TRX_FILES[@]} -lt ${#TEST_PROJECTS[@]} ]]; then
  MISSING=$((${#TEST_PROJECTS[@]} - ${#TRX_FILES[@]}))
  warn "${#TEST_PROJECTS[@]} test projects but only ${#TRX_FILES[@]} .trx files: $MISSING test project(s) produced no results (crashed or not run)"
  for n in ${TEST_PROJECTS[@]+"${TEST_PROJECTS[@]}"}; do
    re=${n//./\\.}
    found=0
    for f in ${TRX_FILES[@]+"${TRX_FILES[@]}"}; do
      if grep -qiE "Discovering: +${re}[[:space:]]*\$|/${re}\.dll\"" "$f"; then
        found=1
        break
      fi
    done
    [[ $found -eq 1 ]] || warn "  no results for: $n"
  done
fi

SUM_FAILED=$((SUM_FAILED + CRASHED + MISSING))

RC=0
if [[ $TEST_RC -ne 0 ]]; then
  warn "dotnet test exited with code $TEST_RC"
  RC=$TEST_RC
fi
if [[ $SUM_FAILED -gt 0 && $RC -eq 0 ]]; then
  RC=1
fi
if [[ -z ${PAYOUTS_TEST_POSTGRES:-} ]]; then
  warn "tests ran WITHOUT PostgreSQL (PAYOUTS_TEST_POSTGRES unset)"
fi
log "trx files and logs: $RESULTS_COPY_DIR"
log "duration: $(duration)"
echo "$SUM_PASSED passed, $SUM_FAILED failed, $SUM_SKIPPED skipped"
exit "$RC"
