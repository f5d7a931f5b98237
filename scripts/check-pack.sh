#!/usr/bin/env bash
# Checks the package as a user gets it: packs the library (the root package) with `npm pack`, which builds it,
# installs the tarball into an empty project outside this repository (with ioredis, tsyringe,
# reflect-metadata, typescript and @types/node from the npm cache or registry), writes a
# consumer of its own entity and in-memory repository, type-checks it with `tsc --strict`
# (library .d.ts included) and runs it with node: the shipped conformance suite under
# node:test, then a cached repository resolved from a tsyringe container on a redis-server
# started with cachedrepo/testing. Then it follows REDIS_CACHE.md's "Use it in your own
# application" step by step in that project: the CacheOutbox model it copies is the shipped
# cachedrepo/outbox.prisma, and tests/pack/own-app.ts (the section's code blocks, with their
# test) type-checks and passes there. Prints one line when it passes; on any failure it
# prints the failing step's output and exits non-zero. Needs redis-server (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cachedrepo-pack-XXXXXX")
log="$work/step.log"
trap 'rm -rf "$work"' EXIT

step() {
  local name=$1 started=$SECONDS
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "check-pack: FAILED at: $name" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  [ -z "${CHECK_PACK_TIMES:-}" ] || echo "check-pack: $name: $((SECONDS - started)) s" >&2
}

# Versions the repository itself uses, so the install is served from the npm cache.
version() { node -p "require('$root/node_modules/$1/package.json').version"; }

# From no build at all, as a clean clone has it: `npm pack` builds the library itself (the prepack script).
rm -rf dist
step "npm pack (builds first: prepack)" npm pack --pack-destination "$work"
step "the tarball holds the built entry point" bash -c "tar tzf \"\$(ls '$work'/cachedrepo-*.tgz)\" | grep -qx package/dist/index.js"
tarball=$(ls "$work"/cachedrepo-*.tgz)
# What a consumer gets: dist only (and package.json, README), never sources, tests or the example.
shipped='^package/(dist/|package.json$|README.md$)'
step "tarball holds dist only" bash -c "tar tzf '$tarball' | grep -vE '$shipped' | (! grep .)"

mkdir "$work/consumer"
cd "$work/consumer"
echo '{ "name": "consumer", "version": "1.0.0", "private": true }' >package.json
step "npm install of the tarball" npm install --prefer-offline --no-audit --no-fund "$tarball" \
  "ioredis@$(version ioredis)" "tsyringe@$(version tsyringe)" "reflect-metadata@$(version reflect-metadata)" \
  "typescript@$(version typescript)" "@types/node@$(version @types/node)"

# The consumer (tests/pack/consumer.ts, type-checked with the repository too): its own entity,
# in-memory repository and strategy, the shipped conformance suite, and a container.
cp "$root/tests/pack/consumer.ts" notes.ts
# REDIS_CACHE.md "Use it in your own application": the guide installs what was installed above
# (cachedrepo ioredis, tsyringe reflect-metadata), copies the CacheOutbox model from
# node_modules/cachedrepo/dist/prisma/outbox.prisma (the file `cachedrepo/outbox.prisma` names;
# tests/unit/docs/own-app-guide.test.ts checks the guide's copy against the source), and its code
# is tests/pack/own-app.ts.
step "cachedrepo/outbox.prisma is shipped where the guide copies it from" \
  cmp "$(node -p "require.resolve('cachedrepo/outbox.prisma')")" "$root/src/prisma/outbox.prisma"
cp "$root/tests/pack/own-app.ts" own-app.ts

# --skipLibCheck as `tsc --init` sets it: the package's .d.ts are tsc's own output, and
# checking every dependency's declarations (zod's alone are large) takes half a minute here.
tsc=(npx --no-install tsc --strict --skipLibCheck --target es2022 --types node)
step "tsc --strict in the consumer (node16 resolution)" "${tsc[@]}" --module node16 --moduleResolution node16 \
  notes.ts own-app.ts
step "tsc --strict in the consumer (node10 resolution, typesVersions)" \
  "${tsc[@]}" --noEmit --esModuleInterop --module commonjs --moduleResolution node10 notes.ts own-app.ts

# Runs a compiled file under node:test and sets $passed to the tests that passed; fails unless
# node:test reported tests, all passing.
run_tests() {
  local name=$1 file=$2
  step "$name" node "$file"
  if ! grep -qE '^# pass [1-9]' "$log" || ! grep -qE '^# fail 0$' "$log"; then
    echo "check-pack: node:test did not report passing tests in $file" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  passed=$(grep -E '^# pass' "$log" | tail -n 1 | cut -d' ' -f3)
}
run_tests "node notes.js (conformance suite under node:test, cached repository through tsyringe)" notes.js
consumer=$passed
run_tests "node own-app.js (REDIS_CACHE.md \"Use it in your own application\")" own-app.js
echo "check-pack: $(basename "$tarball") installs into an empty project," \
  "type-checks (tsc --strict) and passes $consumer tests of tests/pack/consumer.ts and" \
  "$passed of the guide's \"Use it in your own application\" (tests/pack/own-app.ts) there"
