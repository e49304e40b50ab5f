#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, unit tests and the end-to-end tests
# (which start their own emulator on free ports). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --quiet
