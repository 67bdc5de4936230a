#!/usr/bin/env bash
# The full test suite: test servers, types, lint, then every test.
# Under CI=true a test that needs a server fails (never skips) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-servers.sh
echo "== types"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx biome check .
echo "== tests"
npx vitest run "$@"
