#!/usr/bin/env bash
# Runs the end-to-end tests at the instants where "today" differs between the demo clients'
# time zones (New York, London, Berlin, Tashkent) and UTC: a test that takes UTC's date for a
# client's date passes most of the day and fails in these windows (a CI run at 20:00 UTC once
# did). The whole process tree (tests, emulator) runs under libfaketime, starting at each
# instant; monotonic clocks are left real so timeouts keep their length.
#
#   bash scripts/test-at-clock-edges.sh                 # the six instants below
#   bash scripts/test-at-clock-edges.sh "2027-03-31 22:00:00" [test filter]
#
# About 6 minutes per instant on 2 cores; not part of scripts/test.sh (it would triple it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
if ! command -v faketime >/dev/null; then
  echo "installing faketime (apt)"
  apt-get install -y faketime >/dev/null
fi
instants=(
  "2026-12-31 20:30:00" # Tashkent is in the next day, month and year; UTC is not
  "2027-01-01 02:30:00" # New York is still in the last year; UTC is not
  "2026-12-04 23:30:00" # Berlin is in the next day
  "2026-12-05 03:00:00" # New York is in the day before
  "2026-12-31 23:30:00" # Berlin is in the next year; London (UTC in winter) is not
  "2027-06-30 23:30:00" # summer time: London and Berlin are in the next day and month
)
filter=""
if [ $# -gt 0 ]; then
  instants=("$1")
  filter="${2:-}"
fi
CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_BUILD_TARGET
binary=$(cargo test -q -p proxima-tests --test e2e --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
failed=0
for at in "${instants[@]}"; do
  echo "== e2e at $at UTC"
  log=target/clock-edge.log
  status=0
  (cd tests && FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$at" "$binary" -q ${filter:+"$filter"}) \
    >"$log" 2>&1 || status=$?
  # The failing tests, where they failed, and the result line.
  grep -a -E '^test result:|^    [a-z_]+::|panicked at' "$log" || true
  if [ "$status" -ne 0 ]; then failed=1; fi
done
exit "$failed"
