import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Names exported by an entry point of the package (values and types), read from its source. */
function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause))
      throw new Error(`${file}: \`export *\` hides what the entry point exports; name each export`);
    for (const element of statement.exportClause.elements) names.push(element.name.text);
  }
  return names;
}

const SRC = join(__dirname, '..', '..', '..', 'src');

describe('the public API', () => {
  it('keeps the root to at most 30 names; the rest lives in subpaths', () => {
    const names = exportedNames(join(SRC, 'index.ts'));
    expect(names.length).toBeLessThanOrEqual(30);
    expect(new Set(names).size).toBe(names.length);
  });

  it('exports no process-wide registry and no configuration schema from the root', () => {
    const names = exportedNames(join(SRC, 'index.ts'));
    expect(names).not.toContain('registerSecret');
    expect(names.filter((name) => /Env|Settings|Shape/.test(name))).toEqual([]);
  });
});
