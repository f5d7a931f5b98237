import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { moduleStateViolations } from './module-state';

// No module-level mutable state in the library (issue 16): a registry in a module is shared by
// every CacheService of the process, so one service's writes, secrets or sequence numbers leak
// into another's. State lives on the instance that owns it (REDIS_CACHE.md, "Near cache").

const SRC = join(__dirname, '..', '..', '..', 'src');

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const found = (text: string): string[] => moduleStateViolations('snippet.ts', text).map((v) => v.what);

describe('module-level state in src/', () => {
  it('no file under src/ declares mutable state at its top level', () => {
    const files = typeScriptFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((file) =>
      moduleStateViolations(relative(SRC, file), readFileSync(file, 'utf8')).map(
        (violation) => `src/${violation.file}:${violation.line}: ${violation.what}`,
      ),
    );
    expect(violations).toEqual([]);
  });
});

describe('the module-state rules', () => {
  it.each([
    ['let sequence = 0;', 'let sequence = 0'],
    ['export let current: string | undefined;', 'let current: string | undefined'],
    ['var legacy = 1;', 'var legacy = 1'],
    ['const groups = new Set<Group>();', 'const groups = new Set(...)'],
    ['const owners = new WeakMap<object, number>();', 'const owners = new WeakMap(...)'],
    ['const seen = new WeakSet<object>();', 'const seen = new WeakSet(...)'],
    ['const byName = new Map<string, number>();', 'const byName = new Map(...)'],
    ['const queue: string[] = [];', 'const queue = a mutable array literal'],
    ['const options = { retries: 3 };', 'const options = a mutable object literal'],
    ['const forever: ReadonlyMap<object, number> = new WeakMap();', 'const forever = new WeakMap(...)'],
    ['const hidden = Object.freeze({ cache: new Map() });', 'const hidden = a read-only shell holding new Map(...)'],
    ['const frozenMap = Object.freeze(new Map());', 'const frozenMap = a read-only shell over new Map(...)'],
    ['const tuple = [new Set()] as const;', 'const tuple = a read-only shell holding new Set(...)'],
    ['class Registry { static shared = new Map(); }', 'static Registry.shared (not readonly)'],
    ['class Counter { private static count = 0; }', 'static Counter.count (not readonly)'],
    [
      'class Tracking { private static readonly shared = new WeakMap<object, Tracking>(); }',
      'static readonly Tracking.shared = new WeakMap(...)',
    ],
    ['const next = (() => { let n = 0; return () => ++n; })();', 'let n = 0'],
    ['globalThis.registry = [];', 'assignment to globalThis.registry'],
  ])('fails %s', (text, what) => {
    expect(found(text)).toEqual([what]);
  });

  it.each([
    "const PLAIN: ReadonlySet<string> = new Set(['String', 'Int']);",
    'const LIMITS: ReadonlyMap<string, number> = new Map([["a", 1]]);',
    "const LEVELS = ['debug', 'info'] as const;",
    "const MASKS: readonly string[] = ['*', '#'];",
    "const PAIRS: ReadonlyArray<[string, number]> = [['a', 1]];",
    "const SHAPE: Readonly<{ kind: string }> = { kind: 'value' };",
    "const FROZEN = Object.freeze({ kind: 'value', list: [1, 2] });",
    "const CONFIG = { retries: 3, names: ['a'] } as const;",
    'const LIMIT = 10; const NAME = `x`; const KEY = Symbol("k"); const RE = /a/;',
    'export const schema = z.string().transform((text) => text.trim());',
    'class Tracking { private static readonly RETRY_MS = 500; private readonly byKey = new Map(); }',
    'function perCall(): number { let n = 0; const seen = new Set(); seen.add(n); return (n += 1); }',
    'export class Service { private readonly groups = new Set<object>(); }',
  ])('passes %s', (text) => {
    expect(found(text)).toEqual([]);
  });
});
