import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'sample-app/dist/**', 'bench/dist/**', 'node_modules/**', 'coverage/**', '*.mjs', '*.js', '*.cjs', '.dependency-cruiser.cjs', 'test/reporters/**', 'test/compat/**', '.ci/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      // A package's internals move between majors (@nestjs/cqrs 12 exports no dist/ path):
      // import only what a package's `exports` names.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@[^/]+/)?[^./@][^/]*/(dist|lib|build|src|esm|cjs|internal)(/|$)',
              message: "Import only what the package exports, never its internal files.",
            },
            {
              regex: '^@nestjs/[^/]+/.+',
              message: 'Import @nestjs packages from their root; their subpaths are internal.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
