#!/usr/bin/env bash
# The full test suite: test servers, types, lint, then every test.
# Under CI (any value but false or 0) a test that needs a server fails (never skips) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-servers.sh
[ -f dashboards/dist/index.html ] || npm run --silent build:web  # the pages the browser tests open
echo "== types"
npm run --silent typecheck
echo "== lint"
npx biome check .
echo "== tests"
npx vitest run --exclude 'tests/bench/**' "$@"
if [ $# -eq 0 ]; then
  # cluster mode's store: every test that sees the store only through the gateway runs again with the
  # gateway on PostgreSQL; those that open the SQLite file themselves cannot (docs/testing.md)
  echo "== the gateway on PostgreSQL"
  mapfile -t on_postgres < <(grep -rl --include='*.test.ts' 'startWorld' tests |
    xargs grep -L -e 'DatabaseSync' -e '\.db()' -e 'seedDistrict' | sort)
  CARE_TEST_STORE=postgres npx vitest run "${on_postgres[@]}"
fi
# the benchmark smoke run loads the machine, so it runs alone, after the rest
if [ $# -eq 0 ]; then
  echo "== mutation sample (the full run: npm run test:mutation)"
  npm run --silent test:mutation:sample
  echo "== bench smoke"
  npx vitest run tests/bench
fi
