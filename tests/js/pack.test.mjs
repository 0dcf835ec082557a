// The package as a user gets it: `npm pack` of the staged build/package, installed with plain npm
// into an empty folder, imported by name, and used to rerank. Also records what the download weighs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fixturePath, packageDir } from './helpers.mjs';

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack -> npm install into an empty folder -> import tandem-rec -> rerank', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pack-'));
  try {
    const [packed] = JSON.parse(npm(['pack', packageDir, '--json', '--pack-destination', dir], dir));
    const files = packed.files.map((f) => f.path).sort();
    assert.deepEqual(files, [
      'CHANGELOG.md', 'LICENSE', 'README.md', 'autotrack.js', 'events.js', 'index.d.ts', 'index.js', 'loader.js', 'measure.js', 'package.json',
      'persist.js', 'presets.js', 'presets/ga4.json', 'react.d.ts', 'react.js', 'server.d.ts', 'server.js', 'tandem-wasm-inline.js', 'tandem-wasm.js', 'tandem.iife.js',
      'tandem.wasm', 'wasm-default.js',
    ]);
    const app = join(dir, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', join(dir, packed.filename)], app);
    writeFileSync(
      join(app, 'main.js'),
      `import { readFileSync } from 'node:fs';
import { Recommender } from 'tandem-rec';
const rec = await Recommender.create({ modelBuffer: readFileSync(process.argv[2]) });
const s = rec.session();
s.observe({ item: 'SKU-100007', type: 'cart', time: 1.7e12 });
const ranked = s.rerank(['SKU-100001', 'SKU-100007', 'SKU-100002']);
// tandem-rec/server installs without its optional peer better-sqlite3, and says so when the SQLite store is used.
const { createProfileHandler, sqliteStore } = await import('tandem-rec/server');
const store = sqliteStore('profiles.db');
const handler = createProfileHandler({ store, authenticate: () => 'u' });
let sqlite = null;
await store.get('u').catch((e) => { sqlite = e.message; });
console.log(JSON.stringify({ items: rec.itemCount, ranked: ranked.map((r) => r.item), keys: Object.keys(ranked[0]), handler: typeof handler, sqlite }));
rec.close();
`,
    );
    const out = JSON.parse(execFileSync('node', ['main.js', fixturePath()], { cwd: app, encoding: 'utf8' }));
    assert.equal(out.items, 300);
    assert.deepEqual([...out.ranked].sort(), ['SKU-100001', 'SKU-100002', 'SKU-100007']);
    assert.deepEqual(out.keys, ['item', 'score', 'longTerm', 'gate', 'position', 'recommendationId', 'arm']);
    assert.equal(out.handler, 'function');
    assert.match(out.sqlite, /^sqlite:profiles\.db: sqliteStore needs better-sqlite3 beside tandem-rec \(npm install better-sqlite3\): Cannot find module 'better-sqlite3'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('download size: wasm + JS, gzip (printed for the record; the wasm stays under 200 KB gzipped)', (t) => {
  const gz = (f) => gzipSync(readFileSync(join(packageDir, f)), { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const wasm = gz('tandem.wasm');
  const js = ['index.js', 'loader.js', 'wasm-default.js', 'persist.js', 'autotrack.js', 'events.js', 'measure.js', 'presets.js', 'tandem-wasm.js'].reduce((sum, f) => sum + gz(f), 0);
  t.diagnostic(`download size, gzip: wasm ${kb(wasm)} + JS ${kb(js)} = ${kb(wasm + js)}`);
  t.diagnostic(`download size, gzip: tandem.iife.js ${kb(gz('tandem.iife.js'))} (+ the same wasm); the wasm inside a bundle (tandem-wasm-inline.js) ${kb(gz('tandem-wasm-inline.js'))}`);
  assert.ok(wasm < 200 * 1024, `wasm gzip ${wasm} bytes`);
});
