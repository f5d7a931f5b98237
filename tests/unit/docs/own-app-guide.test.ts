import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// REDIS_CACHE.md "Use it in your own application" shows code that scripts/check-pack.sh runs in an empty project
// (tests/pack/own-app.ts): this keeps the two the same, so the guide cannot drift from what was run.

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The section's fenced blocks, in order, with the language each names. */
function sectionBlocks(): { language: string; code: string }[] {
  const guide = read('REDIS_CACHE.md');
  const start = guide.indexOf('\n## Use it in your own application\n');
  if (start < 0) throw new Error('REDIS_CACHE.md has no "Use it in your own application" section');
  const end = guide.indexOf('\n## ', start + 1);
  const section = guide.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, language = '', code = '']) => ({
    language,
    code: code.replace(/\n$/, ''),
  }));
}

describe('REDIS_CACHE.md "Use it in your own application"', () => {
  const blocks = sectionBlocks();

  it('shows only shell, Prisma and TypeScript blocks, the steps it promises', () => {
    expect(blocks.map((block) => block.language)).toEqual(['sh', 'prisma', 'ts', 'ts', 'ts', 'ts', 'ts', 'ts']);
  });

  it('shows TypeScript that is tests/pack/own-app.ts, block by block and in its order', () => {
    const test = read('tests/pack/own-app.ts');
    let from = 0;
    for (const { code } of blocks.filter((block) => block.language === 'ts')) {
      const at = test.indexOf(code, from);
      expect({ block: code.split('\n')[0], found: at >= 0 }).toEqual({ block: code.split('\n')[0], found: true });
      from = at + code.length;
    }
  });

  it('shows the CacheOutbox model as the package ships it (cachedrepo/outbox.prisma)', () => {
    const [prisma] = blocks.filter((block) => block.language === 'prisma');
    expect(prisma?.code).toBe(read('src/prisma/outbox.prisma').replace(/\n$/, ''));
  });

  it('installs what check-pack.sh installs into its empty project, besides the Prisma packages', () => {
    const install = blocks.find((block) => block.language === 'sh')?.code ?? '';
    const packages = [...install.matchAll(/npm install (?:--save-dev )?([^&\n]+)/g)].flatMap(([, names = '']) =>
      names.trim().split(/\s+/),
    );
    const checkPack = read('scripts/check-pack.sh');
    for (const name of packages.filter((name) => !/^@?prisma/.test(name) && name !== 'cachedrepo'))
      expect({ name, installed: checkPack.includes(`"${name}@$(version ${name})"`) }).toEqual({
        name,
        installed: true,
      });
    expect(packages).toEqual(expect.arrayContaining(['cachedrepo', 'ioredis', 'tsyringe', 'reflect-metadata']));
  });
});
