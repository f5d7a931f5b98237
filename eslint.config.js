// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * Import boundaries of the library (DESIGN.md, "Dependency direction": the library imports no
 * entity of the example and no Prisma client). `no-restricted-imports` matches import strings,
 * not resolved files, so leaving src/ by a relative path is spotted by counting `../`: a file
 * `depth` directories below src/ leaves it with `depth + 1` of them. Imports resolved through
 * tsconfig's baseUrl (`example/...`) are refused too.
 * @param {string} packageDir e.g. 'src'
 * @param {string[]} packages package names the package must not import (with their subpaths)
 * @param {string} why the end of the error message
 */
function importBoundaries(packageDir, packages, why) {
  const message = `${packageDir} ${why}`;
  return [0, 1, 2, 3, 4, 5].map((depth) => ({
    files: [`${packageDir}/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: packages.flatMap((name) => [name, `${name}/*`]), message },
            {
              regex: `^(\\./)?(\\.\\./){${depth}}\\.\\.(/|$)`,
              message: `${message}: this relative path leaves ${packageDir}`,
            },
            {
              regex: '^(example|bench|tests|scripts|prisma|generated)(/|$)',
              message: `${message}: this path leaves the library`,
            },
          ],
        },
      ],
    },
  }));
}

module.exports = tseslint.config(
  { ignores: ['generated/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Prettier lays code out within 120 columns; this catches what it cannot (comments, long strings).
      'max-len': ['error', { code: 120, tabWidth: 2 }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs', '*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...importBoundaries(
    'src',
    ['@prisma/*', 'cachedrepo'],
    'is the library: it imports no Prisma client, no example entity and not itself by name',
  ),
);
