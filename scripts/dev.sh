#!/usr/bin/env bash
# Brings up the whole local API with demo data on http://localhost:8081 and prints how to
# log in. Ctrl-C stops it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --quiet -p proxima-infra --bin proxima-local
