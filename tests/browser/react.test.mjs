// tandem-rec/react: the hooks cost a shop that does not use React nothing (its bundle is the same
// bytes with and without them, and installing the package installs no React), and a component
// using them renders in Chromium, re-renders after events (under StrictMode's double mount) and
// closes its session when unmounted. Needs build/demo and build/package.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { launch, recordedPage, root, serve } from './helpers.mjs';
import { packageDir, tempDir } from '../js/helpers.mjs';

const out = join(root, 'build/react-app');
let browser, server, base;

before(async () => {
  await build({
    entryPoints: [join(root, 'tests/browser/pages/react-app.js')],
    bundle: true,
    format: 'esm',
    outfile: join(out, 'react-app.js'),
    alias: { 'tandem-rec': packageDir },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  ({ server, url: base } = await serve({ mounts: { '/test/': join(root, 'tests/browser/pages'), '/react/': out } }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('a shop without React pays nothing for the hooks: the same bundle bytes without them, no React installed', async (t) => {
  const dir = tempDir(t, 'tandem-react-size-');
  const without = join(dir, 'without');
  cpSync(packageDir, without, { recursive: true });
  rmSync(join(without, 'react.js'));
  rmSync(join(without, 'react.d.ts'));
  const manifest = JSON.parse(readFileSync(join(without, 'package.json'), 'utf8'));
  delete manifest.exports['./react'];
  delete manifest.peerDependencies;
  delete manifest.peerDependenciesMeta;
  writeFileSync(join(without, 'package.json'), JSON.stringify(manifest));
  const bundle = async (pkg) =>
    (await build({
      entryPoints: [join(root, 'tests/browser/pages/bundler-app/main.js')],
      bundle: true, format: 'esm', minify: true, write: false, alias: { 'tandem-rec': pkg }, logLevel: 'silent',
    })).outputFiles[0].contents;
  const [withHooks, withoutHooks] = [await bundle(packageDir), await bundle(without)];
  assert.ok(Buffer.from(withHooks).equals(Buffer.from(withoutHooks)), 'byte-for-byte the same bundle');
  assert.ok(!Buffer.from(withHooks).toString().includes('useSyncExternalStore') && !Buffer.from(withHooks).toString().includes('useRecommendations'));
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  const hooks = ['react.js', 'react.d.ts'].map((f) => readFileSync(join(packageDir, f)));
  t.diagnostic(`react hooks: non-React bundle ${kb(withHooks.length)} with and without them; the tarball carries ${kb(hooks.reduce((n, b) => n + b.length, 0))} more (gzip ${kb(hooks.reduce((n, b) => n + gzipSync(b).length, 0))})`);
  // React is an optional peer dependency: `npm install tandem-rec` brings no React (the install
  // tested in bundlers.test.mjs and pack.test.mjs has node_modules/tandem-rec alone); nor
  // better-sqlite3, which only tandem-rec/server's SQLite store uses.
  assert.deepEqual(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).peerDependenciesMeta, { 'better-sqlite3': { optional: true }, react: { optional: true } });
});

test('useTandem + useRecommendations: a React strip renders, follows the shopper\'s clicks, and closes its session on unmount', async () => {
  const context = await browser.newContext();
  const { page, log } = await recordedPage(context);
  await page.goto(`${base}/test/react.html`);
  await page.waitForSelector('#strip li, #error');
  assert.equal(await page.$('#error'), null);
  const items = () => page.$$eval('#strip li', (els) => els.map((e) => e.dataset.tandemItem));
  const before = await items();
  assert.equal(before.length, 6);
  assert.match(await page.getAttribute('#strip', 'data-tandem-rec'), /^[0-9a-f]{16}$/);
  const catalog = await page.evaluate(async () => (await (await fetch('/catalog.json')).json()).products);
  const category = catalog.find((p) => !before.includes(p.id)).category;
  const clicked = catalog.filter((p) => p.category === category).slice(0, 4).map((p) => p.id);
  await page.evaluate((ids) => window.app.click(ids), clicked);
  await page.waitForFunction((was) => JSON.stringify([...document.querySelectorAll('#strip li')].map((e) => e.dataset.tandemItem)) !== was, JSON.stringify(before));
  const afterClicks = await items();
  const inCategory = (ids) => ids.filter((id) => catalog.find((p) => p.id === id).category === category).length;
  assert.ok(inCategory(afterClicks) > inCategory(before), `${category}: ${inCategory(before)} -> ${inCategory(afterClicks)} of 6`);
  assert.equal(await page.evaluate(() => window.app.unmount()), 'tandem: this session is closed');
  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.violations, []);
  await context.close();
});
