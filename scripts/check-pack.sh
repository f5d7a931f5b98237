#!/usr/bin/env bash
# Checks the package as a user gets it: builds the library (the root package), packs it with `npm pack`,
# installs the tarball into an empty project outside this repository (with ioredis, tsyringe,
# reflect-metadata, typescript and @types/node from the npm cache or registry), writes a
# consumer of its own entity and in-memory repository, type-checks it with `tsc --strict`
# (library .d.ts included) and runs it with node: the shipped conformance suite under
# node:test, then a cached repository resolved from a tsyringe container on a redis-server
# started with cachedrepo/testing. Prints one line when it passes; on any failure it
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

step "build" npm run build
step "npm pack" npm pack --pack-destination "$work"
tarball=$(ls "$work"/cachedrepo-*.tgz)
# What a consumer gets: dist only (and package.json, README), never sources, tests or the example.
step "tarball holds dist only" bash -c "tar tzf '$tarball' | grep -vE '^package/(dist/|package.json$|README.md$)' | (! grep .)"

mkdir "$work/consumer"
cd "$work/consumer"
echo '{ "name": "consumer", "version": "1.0.0", "private": true }' >package.json
step "npm install of the tarball" npm install --prefer-offline --no-audit --no-fund "$tarball" \
  "ioredis@$(version ioredis)" "tsyringe@$(version tsyringe)" "reflect-metadata@$(version reflect-metadata)" \
  "typescript@$(version typescript)" "@types/node@$(version @types/node)"

# The consumer: its own entity, repository and strategy (under 40 lines).
cat >notes.ts <<'EOF'
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { container } from 'tsyringe';
import { CacheService, createRedisClient, defineCacheStrategy, defineKeySchema, isCached, registerRepositories, repositoryRegistration, type EntityChanges, type NewEntity, type Repository } from 'cachedrepo';
import { runStrategyConformance, startRedisServer } from 'cachedrepo/testing';

interface Note { readonly id: string; topic: string; text: string; pinned: boolean; at: Date }
interface NoteRepository extends Repository<Note> { findByTopic(topic: string): Promise<Note[]> }
class MemoryNotes implements NoteRepository {
  readonly rows = new Map<string, Note>(); topicReads = 0;
  async findById(id: string) { return this.rows.get(id) ?? null; }
  async findByIds(ids: readonly string[]) { return ids.flatMap((id) => this.rows.get(id) ?? []); }
  async findAll() { return [...this.rows.values()]; }
  async findByTopic(topic: string) { this.topicReads += 1; return [...this.rows.values()].filter((note) => note.topic === topic); }
  async save(input: NewEntity<Note>) { const note = { ...input, id: input.id ?? `n${this.rows.size + 1}` }; this.rows.set(note.id, note); return note; }
  async update(id: string, changes: EntityChanges<Note>) { const old = this.rows.get(id); if (!old) throw new Error(`no note ${id}`); const note = { ...old, ...changes }; this.rows.set(id, note); return note; }
  async delete(id: string) { const old = this.rows.get(id) ?? null; this.rows.delete(id); return old; }
}
const keys = defineKeySchema({ byId: 'note:{id}', byTopic: 'note:topic:{topic}', all: 'note:all' });
const strategy = defineCacheStrategy<Note, NoteRepository>({
  entityType: 'note', namespaces: [keys.$namespace], ttlSeconds: 60, entityKey: (id) => keys.byId({ id }),
  queries: { findAll: { key: () => keys.all() }, findByTopic: { key: (topic) => keys.byTopic({ topic }) } },
  keysOf: (note) => [keys.byId({ id: note.id }), keys.byTopic({ topic: note.topic })], alwaysAffected: [keys.all()],
});
runStrategyConformance({ describe, it }, { strategy, samples: [{ id: 'n1', topic: 'redis', text: 'hi', pinned: true, at: new Date(0) }], holding: { findAll: () => [], findByTopic: (note) => [note.topic] } });
it('serves a cached repository from the container', async () => {
  const server = await startRedisServer();
  const cache = new CacheService(createRedisClient({ url: server.url }));
  try {
    const plain = new MemoryNotes(); registerRepositories(container, cache, [repositoryRegistration({ entityType: 'note', token: 'NoteRepository', plain, strategy })]);
    const notes = container.resolve<NoteRepository>('NoteRepository');
    assert.ok(isCached(notes) && (await cache.waitUntilReady(5000)));
    await notes.save({ topic: 'redis', text: 'hi', pinned: false, at: new Date() });
    assert.equal((await notes.findByTopic('redis')).length, (await notes.findByTopic('redis')).length);
    assert.equal(plain.topicReads, 1);
  } finally { await cache.close(); await server.stop(); }
});
EOF
lines=$(wc -l <notes.ts)
[ "$lines" -lt 40 ] || { echo "check-pack: the consumer has $lines lines, not under 40" >&2; exit 1; }

# --skipLibCheck as `tsc --init` sets it: the package's .d.ts are tsc's own output, and
# checking every dependency's declarations (zod's alone are large) takes half a minute here.
step "tsc --strict in the consumer (node16 resolution)" npx --no-install tsc --strict --skipLibCheck --module node16 --moduleResolution node16 --target es2022 --types node notes.ts
step "tsc --strict in the consumer (node10 resolution, typesVersions)" npx --no-install tsc --strict --skipLibCheck --noEmit --esModuleInterop --module commonjs --moduleResolution node10 --target es2022 --types node notes.ts
step "node notes.js (conformance suite under node:test, cached repository through tsyringe)" node notes.js
passed=$(grep -cE '^# pass [1-9]' "$log" || true)
[ "$passed" = "1" ] && grep -qE '^# fail 0$' "$log" || { echo "check-pack: node:test did not report passing tests" >&2; tail -n 40 "$log" >&2; exit 1; }
echo "check-pack: $(basename "$tarball") installs into an empty project, type-checks (tsc --strict) and passes $(grep -E '^# pass' "$log" | cut -d' ' -f3) tests there"
