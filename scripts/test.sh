#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, unit tests and the end-to-end tests
# (which start their own emulator on free ports). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
echo "== sam validate --lint (template.yaml, with cfn-lint)"
.venv/bin/sam validate --lint --template-file template.yaml

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace 2>&1 | tee "$log" || status=$?
# One closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
