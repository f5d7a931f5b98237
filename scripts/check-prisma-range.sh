#!/usr/bin/env bash
# Checks cachedrepo/prisma against each Prisma version of a list (the arguments; by default the lowest and the
# newest of each major in the peerDependencies range): builds and packs the library once, then for each version
# makes an empty project outside this repository, installs the tarball with prisma@V, @prisma/client@V and the
# newest @prisma/adapter-better-sqlite3 of V's minor line not newer than V (7.10.1 has no adapter of its own),
# writes a schema (an Int id model, a String id model and the shipped cachedrepo/outbox.prisma) as that major wants
# it, runs `prisma generate`, type-checks tests/pack/prisma-range.ts with the generated client (tsc --strict;
# CommonJS for Prisma 6, an ES module for Prisma 7) and runs it under node:test on a redis-server started with
# cachedrepo/testing. Prints one line per version, passed or failed with the failing step (and that step's
# output); exits non-zero if any failed. Needs redis-server (scripts/setup.sh). About 65 s a version with the npm
# cache warm, up to 2.5 minutes cold, most of it `npm install` (REDIS_CACHE.md, section 9).
#
#   bash scripts/check-prisma-range.sh                 # 6.19.0 6.19.3 7.0.0 7.10.1
#   bash scripts/check-prisma-range.sh 7.5.0           # any versions
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(6.19.0 6.19.3 7.0.0 7.10.1)
work=$(mktemp -d "${TMPDIR:-/tmp}/cachedrepo-prisma-range-XXXXXX")
# CHECK_PRISMA_RANGE_KEEP=1 keeps the projects (to look into a failure).
[ -n "${CHECK_PRISMA_RANGE_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
# better-sqlite3 has no prebuilt binary reachable here and compiles from source (minutes): a build is kept per
# version and Node ABI, and the repository's own is used when the versions match.
binaries="${XDG_CACHE_HOME:-$HOME/.cache}/cachedrepo-prisma-range"
abi=$(node -p process.versions.modules)
export CHECKPOINT_DISABLE=1 # Prisma's update check: no network here, and it keeps the CLI waiting

log="$work/step.log"
# Runs a step; on failure writes its name to $work/failed-step and returns non-zero. Steps run where `set -e` does
# not apply (a condition), so the functions below chain their commands with && themselves.
step() {
  local name=$1 started=$SECONDS
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "$name" >"$work/failed-step"
    return 1
  fi
  [ -z "${CHECK_PRISMA_RANGE_TIMES:-}" ] || echo "check-prisma-range: $name: $((SECONDS - started)) s" >&2
}
fail_build() {
  echo "check-prisma-range: FAILED at: $(cat "$work/failed-step")" >&2
  tail -n 60 "$log" >&2
  exit 1
}

# Versions the repository itself uses, so the install is served from the npm cache.
version() { node -p "require('$root/node_modules/$1/package.json').version"; }

step "build" npm run build || fail_build
step "npm pack" npm pack --pack-destination "$work" || fail_build
tarball=$(ls "$work"/cachedrepo-*.tgz)

# The declared range, and whether a version is in it (semver: in node_modules through the dev tools).
range=$(node -p "require('./package.json').peerDependencies['@prisma/client']")
in_range() { node -e "process.exit(require('$root/node_modules/semver').satisfies('$1', '$range') ? 0 : 1)"; }

# A version outside the declared range is installed past npm's peer check: the check tells whether to widen it.
install() {
  local v=$1 minor peers=()
  minor=$(echo "$v" | cut -d. -f1-2)
  in_range "$v" || peers=(--legacy-peer-deps)
  npm install --prefer-offline --no-audit --no-fund "${peers[@]}" "$tarball" "prisma@$v" "@prisma/client@$v" \
    "@prisma/adapter-better-sqlite3@>=$minor.0 <=$v" "ioredis@$(version ioredis)" \
    "typescript@$(version typescript)" "@types/node@$(version @types/node)"
}

# npm here runs no dependency install script (package.json "allowScripts"): better-sqlite3 gets its binary here.
sqlite_binary() {
  local bv target cached own
  bv=$(node -p "require('better-sqlite3/package.json').version")
  target=node_modules/better-sqlite3/build/Release
  cached="$binaries/better-sqlite3-$bv-abi$abi.node"
  own="$root/$target/better_sqlite3.node"
  if [ "$(version better-sqlite3)" = "$bv" ] && [ -f "$own" ]; then
    mkdir -p "$target" && cp "$own" "$target/"
  elif [ -f "$cached" ]; then
    mkdir -p "$target" && cp "$cached" "$target/better_sqlite3.node"
  else
    npm rebuild better-sqlite3 --foreground-scripts && mkdir -p "$binaries" &&
      cp "$target/better_sqlite3.node" "$cached"
  fi &&
    node -e "new (require('better-sqlite3'))(':memory:').close()"
}

# The schema and prisma.config.ts as each major wants them. Prisma 6: the `prisma-client` generator with the
# JavaScript engine, CommonJS output, the adapter in prisma.config.ts (the CLI then downloads no engine) and a url
# kept in the datasource, as in this repository. Prisma 7: its defaults (an ES module client whose imports name .ts
# files), no engineType, the url in prisma.config.ts only. So both module systems are checked.
write_schema() {
  local major=$1
  mkdir -p prisma || return 1
  if [ "$major" -ge 7 ]; then
    printf '%s\n' 'generator client {' '  provider = "prisma-client"' '  output   = "../generated/prisma"' '}' '' \
      'datasource db {' '  provider = "sqlite"' '}' >prisma/schema.prisma &&
      cat >prisma.config.ts <<'EOF'
import { defineConfig } from 'prisma/config';
export default defineConfig({ schema: 'prisma/schema.prisma', datasource: { url: 'file:./test.db' } });
EOF
  else
    printf '%s\n' 'generator client {' '  provider            = "prisma-client"' '  engineType          = "client"' \
      '  output              = "../generated/prisma"' '  moduleFormat        = "cjs"' \
      '  importFileExtension = ""' '}' '' 'datasource db {' '  provider = "sqlite"' '  url      = "file:./test.db"' \
      '}' >prisma/schema.prisma &&
      cat >prisma.config.ts <<'EOF'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  async adapter() {
    return new PrismaBetterSQLite3({ url: 'file:./test.db' });
  },
});
EOF
  fi || return 1
  cat >>prisma/schema.prisma <<'EOF' &&

model Counter {
  id    Int    @id @default(autoincrement())
  label String
  value Int
}

model Tag {
  id   String @id
  name String
}

EOF
  cat "$(node -p "require.resolve('cachedrepo/outbox.prisma')")" >>prisma/schema.prisma
}

# Prisma 7's CLI fetches its native schema engine before any command, generate included, and this machine cannot
# download it; `generate` never runs it, so it is pointed at a file that exists (the tables are created by the test).
generate() {
  local major=$1
  if [ "$major" -ge 7 ]; then
    PRISMA_SCHEMA_ENGINE_BINARY=$(type -P false) npx --no-install prisma generate
  else
    npx --no-install prisma generate
  fi
}

# The entry: the generated client (with query events: the test checks which SQL ran) handed to the test. An ES
# module (Prisma 7) names the files it imports, .ts as Prisma 7's generated client does (tsc rewrites them to .js).
write_main() {
  local adapter=PrismaBetterSqlite3 ext=.ts
  [ "$1" -ge 7 ] || { adapter=PrismaBetterSQLite3 && ext=""; } # the adapter was renamed in 7
  cp "$root/tests/pack/prisma-range.ts" prisma-range.ts &&
    cat >main.ts <<EOF
import { $adapter as Adapter } from '@prisma/adapter-better-sqlite3';
import { PrismaClient, type Prisma } from './generated/prisma/client$ext';
import { runPrismaRangeTests } from './prisma-range$ext';

const client = new PrismaClient({
  adapter: new Adapter({ url: 'file:./test.db' }),
  log: [{ emit: 'event', level: 'query' }],
});
runPrismaRangeTests<Prisma.TransactionClient>(client);
EOF
}

run_tests() {
  node main.js || return 1
  grep -qE '^# pass [1-9]' "$log" && grep -qE '^# fail 0$' "$log"
}

check_version() {
  local v=$1 major dir type=commonjs tsc_esm=()
  major=${v%%.*}
  [ "$major" -lt 7 ] || { type=module && tsc_esm=(--rewriteRelativeImportExtensions); }
  dir="$work/prisma-$v"
  mkdir "$dir" && cd "$dir"
  echo "{ \"name\": \"prisma-range\", \"version\": \"1.0.0\", \"private\": true, \"type\": \"$type\" }" >package.json
  step "npm install" install "$v" || return 1
  step "better-sqlite3 binary" sqlite_binary || return 1
  step "schema" write_schema "$major" || return 1
  step "prisma generate" generate "$major" || return 1
  step "entry" write_main "$major" || return 1
  step "tsc --strict (the test against the generated client's types)" npx --no-install tsc --strict \
    --skipLibCheck --target es2022 --types node --module node16 --moduleResolution node16 "${tsc_esm[@]}" main.ts ||
    return 1
  step "node main.js (tests/pack/prisma-range.ts under node:test)" run_tests || return 1
}

status=0
for v in "${versions[@]}"; do
  started=$SECONDS
  rm -f "$work/failed-step"
  if (check_version "$v"); then
    installed=$(cd "$work/prisma-$v/node_modules" && for name in @prisma/client @prisma/adapter-better-sqlite3 \
      better-sqlite3; do printf '%s %s, ' "$name" "$(node -p "require('./$name/package.json').version")"; done)
    in_range "$v" || installed="${installed}outside the declared range $range, "
    echo "check-prisma-range: prisma $v: passed $(grep -E '^# pass' "$log" | cut -d' ' -f3) tests" \
      "(${installed%, }; $((SECONDS - started)) s)"
  else
    status=1
    echo "check-prisma-range: prisma $v: FAILED at: $(cat "$work/failed-step" 2>/dev/null) ($((SECONDS - started)) s)"
    tail -n 60 "$log" >&2
  fi
  [ -n "${CHECK_PRISMA_RANGE_KEEP:-}" ] || rm -rf "$work/prisma-$v"
done
[ -z "${CHECK_PRISMA_RANGE_KEEP:-}" ] || echo "check-prisma-range: projects kept in $work"
exit $status
