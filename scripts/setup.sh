#!/usr/bin/env bash
# Installs what the local stack and the tests need beyond the Rust toolchain:
# a project-local virtualenv (.venv) with the AWS emulator (moto server).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SPEC='moto[server]>=5.1,<6'
marker=.venv/.proxima-setup-v1

if [ ! -f "$marker" ] || [ ! -x .venv/bin/moto_server ]; then
  echo "setup: creating .venv with $MOTO_SPEC"
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC"
  touch "$marker"
fi
