#!/usr/bin/env bash
# Idempotent setup for a fresh machine, run before the example, the tests and the benchmarks:
# installs redis-server and PostgreSQL (and, with --browser, for `npm test`, Chromium: Debian packages, needs root)
# when they are missing, installs node_modules from the lockfile when they are missing or stale, and generates the
# Prisma clients (SQLite, and PostgreSQL from the same schema).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: redis-server not found; installing Debian's redis-server with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
  else
    echo "setup: redis-server is required and could not be installed automatically." >&2
    echo "       Install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_SERVER_BIN." >&2
    exit 1
  fi
fi

# PostgreSQL: the tests' second pass and `DATABASE_URL=postgresql://...` need its binaries (the
# tests start a throwaway cluster themselves; the package's own cluster is not used).
if [ -z "${PG_BIN_DIR:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: PostgreSQL not found; installing Debian's postgresql with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "setup: PostgreSQL is required for the tests' PostgreSQL pass and could not be installed automatically." >&2
    echo "       Install it (Debian/Ubuntu: sudo apt-get install postgresql)" >&2
    echo "       or set PG_BIN_DIR to the directory of initdb." >&2
    exit 1
  fi
fi

# Chromium, for `npm test` only (`setup.sh --browser`): the test of the live dashboard page (GET /dashboard) drives it
# headless through playwright-core, which cannot download a browser of its own here. CHROMIUM_BIN names another
# binary. The walkthrough and the benchmarks do not need it, so a cold `npm run example` does not download it.
if [ "${1:-}" = "--browser" ] && [ -z "${CHROMIUM_BIN:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: chromium not found; installing Debian's chromium with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is required for the dashboard test and could not be installed automatically." >&2
    echo "       Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_BIN." >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node_modules from package-lock.json (better-sqlite3 compiles from source: about 2 minutes)..."
  npm ci --no-audit --no-fund
fi

# The Prisma client is generated (not committed): again whenever the schema changed since the
# last generation, so a changed schema never leaves stale types behind.
schema_hash=$(sha256sum prisma/schema.prisma | cut -d' ' -f1)
stamp=generated/prisma/.schema-sha256
if [ ! -f generated/prisma/client.ts ] || [ "$(cat "$stamp" 2>/dev/null)" != "$schema_hash" ]; then
  node scripts/prisma.cjs generate >/dev/null
  echo "$schema_hash" > "$stamp"
fi

# The PostgreSQL variant of the schema and its client, derived from the same schema.prisma
# (skipped when the schema did not change; see prisma/postgresql/derive.cjs).
node prisma/postgresql/derive.cjs
