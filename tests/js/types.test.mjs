// The type declarations: every public name of the runtime classes is declared in index.d.ts, and
// a storefront's typical use type-checks under tsc --strict (tests/js/types/usage.ts), the React
// hooks' too (react.d.ts names only its own types, so it checks without React's).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Recommender, packageDir, root } from './helpers.mjs';

test('every public method, getter and static of Recommender and Session is declared', async () => {
  const dts = readFileSync(join(packageDir, 'index.d.ts'), 'utf8');
  const { Session } = await import(join(packageDir, 'index.js'));
  const block = (name) => dts.slice(dts.indexOf(`export declare class ${name}`), dts.indexOf('\n}', dts.indexOf(`export declare class ${name}`)));
  for (const [name, cls] of [['Recommender', Recommender], ['Session', Session]]) {
    const declared = block(name);
    const publicNames = [...Object.getOwnPropertyNames(cls.prototype), ...Object.getOwnPropertyNames(cls)].filter(
      (n) => !n.startsWith('_') && !['constructor', 'length', 'name', 'prototype'].includes(n),
    );
    assert.ok(publicNames.length > 5);
    for (const n of publicNames) assert.match(declared, new RegExp(`\\b${n}\\b[(:?<]`), `${name}.${n} is declared`);
  }
});

test('a storefront\'s typical use type-checks under tsc --strict, and misuse is rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-types-'));
  try {
    const config = {
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'es2022', moduleResolution: 'bundler',
        lib: ['es2022', 'dom'], types: [],
        paths: { 'tandem-rec': [join(packageDir, 'index.d.ts')], 'tandem-rec/react': [join(packageDir, 'react.d.ts')], 'tandem-rec/server': [join(packageDir, 'server.d.ts')] },
      },
      files: [join(root, 'tests/js/types/usage.ts')],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const tsc = join(root, 'node_modules/.bin/tsc');
    let output = '';
    try {
      execFileSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      output = `${e.stdout}${e.stderr}`;
    }
    assert.equal(output, '', 'tsc reports nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
