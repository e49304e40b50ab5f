#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, unit tests and the end-to-end tests
# (which start their own emulator on free ports). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase is announced with the seconds since the start (where the time goes).
phase() { echo "== $1 (${SECONDS}s)"; }
phase "setup"
scripts/setup.sh

export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
# Clippy, the tests and the check `sam build` below share one build: the host triple named
# explicitly, as `cargo lambda` names it, so that `sam build` (in debug mode) only links.
CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_BUILD_TARGET
phase "sam validate --lint (template.yaml, with cfn-lint)"
.venv/bin/sam validate --lint --template-file template.yaml

phase "emulator: the launcher's query shortcut answers exactly as moto does"
.venv/bin/python infra/emulator_check/query_differential.py
phase "cargo fmt --check"
cargo fmt --all -- --check
phase "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The workspace build turns the shared crate's `einvoice` feature on (fn-einvoice needs it);
# every other function is deployed without it: lint that build too.
cargo clippy -p proxima-shared --lib --quiet -- -D warnings
phase "cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --show-output: the suites that measure (races, contract fuzzing) print their figures.
cargo test --workspace --no-fail-fast -- --show-output 2>&1 | tee "$log" || status=$?
phase "figures"
grep -E '^(concurrency \||schemathesis:)' "$log" || true
# One closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
if [ "$status" -ne 0 ]; then exit "$status"; fi

# The deployment build: every function through SAM's rust-cargolambda builder, checked in
# SAM's debug mode (`SAM_BUILD_MODE=debug`: cargo's dev profile, built by plain cargo for
# x86_64) so that it reuses the test build above and only links (about 95 s instead of
# 250 s for a separate optimized build). What is checked is that SAM builds every function;
# `sam build` for deployment (docs/deployment.md) uses the release profile and cargo lambda's
# zig linker for Lambda's glibc. SKIP_SAM_BUILD=1 skips it while iterating locally.
if [ "${SKIP_SAM_BUILD:-0}" != "1" ]; then
  phase "sam build (all functions)"
  PATH="$PWD/.venv/bin:$PATH" SAM_BUILD_MODE=debug CARGO_LAMBDA_COMPILER=cargo \
    .venv/bin/sam build --beta-features --parameter-overrides Architecture=x86_64 > target/sam-build.log 2>&1 \
    || { tail -40 target/sam-build.log; exit 1; }
  for f in HealthFunction AuthFunction ClientsFunction InvoicesFunction EInvoiceFunction MonthEndFunction MonthEndWorkerFunction RemindersFunction RatesFunction EventsRelayFunction ImportFunction; do
    test -x ".aws-sam/build/$f/bootstrap" || { echo "sam build produced no bootstrap for $f"; exit 1; }
  done
  echo "sam build: all eleven functions built (${SECONDS}s)"
fi
# The closing count again, last.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
