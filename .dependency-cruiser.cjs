// @ts-check
/**
 * Dependency rules over every folder (DESIGN.md, "Dependency direction"), checked by `npm run lint`
 * and `npm test`: the library never imports the example, the tests or the benchmarks; the user's side
 * (src/repository) never sees Redis; Prisma stays in its subpath; the example and the benchmarks use
 * the library through its public entry points, as an application would.
 */
const ENTRY_POINTS = '^src/(index|(testing|prisma|capture|ids|settings|tsyringe|decorators|redis/cluster)/index)\\.ts$';
const OUTSIDE_THE_LIBRARY = '^(example|tests|bench|prisma|generated|scripts)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'library-never-imports-the-application',
      comment: 'src/ is what npm pack ships: it imports no example entity, test, benchmark or generated client.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: OUTSIDE_THE_LIBRARY },
    },
    {
      name: 'prisma-stays-in-its-subpath',
      comment: 'Only src/prisma (the cachedrepo/prisma subpath) knows Prisma; the core never imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/prisma/' },
      to: { path: ['^src/prisma/', 'node_modules/@prisma/', 'node_modules/prisma/'] },
    },
    {
      name: 'prisma-subpath-uses-the-public-api',
      comment: 'cachedrepo/prisma is built on the public API (root, ids, capture), as any integration a user writes.',
      severity: 'error',
      from: { path: '^src/prisma/' },
      to: { path: '^src/', pathNot: ['^src/prisma/', '^src/((ids|capture)/)?index\\.ts$'] },
    },
    {
      name: 'repository-never-sees-redis',
      comment: 'The user side (cached repository, strategies, key schemas) talks to the protocol, never to Redis.',
      severity: 'error',
      from: { path: '^src/repository/' },
      to: { path: ['^src/redis/', 'node_modules/ioredis/'] },
    },
    {
      name: 'protocol-reaches-redis-through-the-store',
      comment: 'The protocol may name ioredis types, but only src/redis (the store) runs ioredis code.',
      severity: 'error',
      from: { path: '^src/(protocol|repository|decorators|trust|observability)/' },
      to: { path: 'node_modules/ioredis/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'opentelemetry-stays-in-tracing',
      comment:
        '@opentelemetry/api is an optional peer, loaded only when tracing is on: only src/tracing names it, and only ' +
        'cache-tracer.ts loads it (a require in loadOpenTelemetry); elsewhere in src/tracing its types alone.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/tracing/' },
      to: { path: 'node_modules/@opentelemetry/' },
    },
    {
      name: 'opentelemetry-types-only-outside-its-loader',
      comment: 'Only the loader runs @opentelemetry/api code; the spans are built from the module it loaded.',
      severity: 'error',
      from: { path: '^src/tracing/', pathNot: '^src/tracing/cache-tracer\\.ts$' },
      to: { path: 'node_modules/@opentelemetry/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'The breaker, logging/stats, the error classes and the defaults depend on nothing else of the library.',
      severity: 'error',
      from: { path: '^src/(trust/|observability/|errors\\.ts$|defaults\\.ts$)' },
      to: { path: '^src/', pathNot: '^src/(trust/|observability/|errors\\.ts$|defaults\\.ts$)' },
    },
    {
      name: 'example-uses-the-public-api',
      comment: 'The example reads as the way to use the library: only its package entry points.',
      severity: 'error',
      from: { path: '^example/' },
      to: { path: '^src/', pathNot: ENTRY_POINTS },
    },
    {
      name: 'bench-uses-the-public-api',
      comment: 'Benchmarks measure what users run; bench/cluster.ts alone times internals (slot grouping, validation).',
      severity: 'error',
      from: { path: '^bench/', pathNot: '^bench/cluster\\.ts$' },
      to: { path: '^src/', pathNot: ENTRY_POINTS },
    },
    {
      name: 'nothing-imports-the-tests-or-benchmarks',
      comment: 'Tests and benchmarks are leaves: the example and the library never depend on them.',
      severity: 'error',
      from: { path: '^(src|example)/' },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'no-circular',
      comment:
        'No runtime import cycle inside the library: each module loads without its importers. A cycle made only of ' +
        'type imports (a part naming its owner type) is erased by the compiler and allowed.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves (a moved file leaves no dangling import behind).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(generated|node_modules|dist)/' },
    // Package subpaths (bentocache/drivers/redis) resolve through their `exports`, as Node does.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
  },
};
