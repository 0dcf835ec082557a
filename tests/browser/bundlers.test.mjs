// The package as storefronts build it: the packed tarball installed into an empty project, a
// page importing 'tandem-rec' with no bundler configuration for it, built with esbuild (ESM and
// a classic-script IIFE), Vite and webpack from the devDependencies, each page loaded in headless
// Chromium under the demo's strict CSP. Every build must be free of warnings and every page must
// find the wasm by itself. Also the package's own classic-script build, tandem.iife.js, from a
// plain HTML page, with its wasm beside it and from a hosted folder (wasmPath).
// The builds are cached in build/bundlers/ and redone when the package, the pages, the bundlers or
// this file change. Needs build/demo (scripts/demo.sh --no-serve) and build/package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build as esbuild, version as esbuildVersion } from 'esbuild';
import { build as viteBuild, createLogger, createServer as viteServer, version as viteVersion } from 'vite';
import webpack from 'webpack';
import { launch, recordedPage, root, serve } from './helpers.mjs';
import { packageDir } from '../js/helpers.mjs';

const work = join(root, 'build/bundlers');
const app = join(work, 'app');
const out = join(work, 'out');
const pages = join(root, 'tests/browser/pages');
const entries = join(pages, 'bundler-app');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** What the builds depend on: the package's published files, the pages, the bundlers, this file. */
function inputsHash() {
  const hash = createHash('sha256');
  const { files } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  for (const f of [...files.filter((f) => !f.endsWith('/')), 'package.json', 'presets/ga4.json']) hash.update(f).update(readFileSync(join(packageDir, f)));
  for (const f of ['main.js', 'classic.js', 'index.html']) hash.update(readFileSync(join(entries, f)));
  hash.update(readFileSync(new URL(import.meta.url)));
  return hash.update(`${esbuildVersion} ${viteVersion} ${webpack.version}`).digest('hex');
}

const page = (script, type = 'module') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bundled</title><link rel="icon" href="data:,">` +
  `<script ${type === 'module' ? 'type="module" ' : ''}src="${script}"></script></head><body><p>running…</p></body></html>`;

/** The four builds; each returns its warnings (texts). */
const BUILDS = {
  async 'esbuild-esm'() {
    const r = await esbuild({ absWorkingDir: app, entryPoints: ['main.js'], bundle: true, format: 'esm', outfile: join(out, 'esbuild-esm/main.js'), logLevel: 'silent' });
    writeFileSync(join(out, 'esbuild-esm/index.html'), page('/esbuild-esm/main.js'));
    return r.warnings.map((w) => w.text);
  },
  async 'esbuild-iife'() {
    const r = await esbuild({ absWorkingDir: app, entryPoints: ['classic.js'], bundle: true, format: 'iife', outfile: join(out, 'esbuild-iife/classic.js'), logLevel: 'silent' });
    writeFileSync(join(out, 'esbuild-iife/index.html'), page('/esbuild-iife/classic.js', 'classic'));
    return r.warnings.map((w) => w.text);
  },
  async vite() {
    const warnings = [];
    const logger = createLogger('warn');
    logger.warn = (message) => warnings.push(message);
    logger.warnOnce = (message) => warnings.push(message);
    await viteBuild({ root: app, base: '/vite/', configFile: false, customLogger: logger, logLevel: 'warn', build: { outDir: join(out, 'vite'), emptyOutDir: true } });
    return warnings;
  },
  async webpack() {
    const compiler = webpack({ mode: 'production', context: app, entry: './main.js', output: { path: join(out, 'webpack'), filename: 'main.js', clean: true } });
    const stats = await new Promise((resolve, reject) => compiler.run((e, s) => (e ? reject(e) : compiler.close(() => resolve(s)))));
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    writeFileSync(join(out, 'webpack/index.html'), page('/webpack/main.js', 'classic'));
    return stats.toJson({ all: false, warnings: true }).warnings.map((w) => w.message);
  },
};

let browser, server, base, builds;

before(async () => {
  const hash = inputsHash();
  const stamp = join(work, 'builds.json');
  builds = existsSync(stamp) ? JSON.parse(readFileSync(stamp, 'utf8')) : null;
  if (builds?.hash !== hash) {
    // The project a storefront developer has: an empty package with the tarball installed.
    rmSync(work, { recursive: true, force: true });
    mkdirSync(app, { recursive: true });
    const [packed] = JSON.parse(npm(['pack', packageDir, '--json', '--pack-destination', work], work));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', join(work, packed.filename)], app);
    cpSync(entries, app, { recursive: true });
    builds = { hash, results: {} };
    for (const [name, run] of Object.entries(BUILDS)) {
      mkdirSync(join(out, name), { recursive: true });
      const start = performance.now();
      const warnings = await run();
      builds.results[name] = { warnings, seconds: (performance.now() - start) / 1000 };
    }
    writeFileSync(stamp, JSON.stringify(builds, null, 2));
  }
  const mounts = Object.fromEntries(Object.keys(BUILDS).map((name) => [`/${name}/`, join(out, name)]));
  // The package as a CDN serves it, and a second folder as a shop's own wasm host.
  mounts['/cdn/tandem-rec/'] = packageDir;
  mounts['/wasm-host/'] = packageDir;
  mounts['/test/'] = pages;
  ({ server, url: base } = await serve({ mounts }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens a page, waits for its result, and returns it with the page's requests, errors and CSP violations. */
async function run(path) {
  const context = await browser.newContext();
  const { page: p, log } = await recordedPage(context);
  await p.goto(`${base}${path}`);
  const result = JSON.parse(await (await p.waitForSelector('body[data-result]')).getAttribute('data-result'));
  const paths = log.requests.map((r) => new URL(r.url).pathname);
  const wasm = paths.filter((path) => path.endsWith('.wasm'));
  await context.close();
  return { result, wasm, inline: paths.filter((path) => path.includes('tandem-wasm-inline')), errors: log.errors, violations: log.violations };
}

const expected = { itemCount: 300, ranked: ['SKU-100001', 'SKU-100020', 'SKU-100150'], arm: 'tandem' };

/** Sizes of a build's files, raw and gzip, for the record. */
function sizes(t, name, files) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const parts = files.map((f) => {
    const bytes = readFileSync(join(out, name, f));
    return `${f} ${kb(bytes.length)} (gzip ${kb(gzipSync(bytes, { level: 9 }).length)})`;
  });
  t.diagnostic(`${name}: ${parts.join(', ')}; built in ${builds.results[name].seconds.toFixed(1)} s`);
}

test('esbuild, ESM bundle: no warning, and the page works with the wasm inside the bundle (esbuild copies no assets)', async (t) => {
  assert.deepEqual(builds.results['esbuild-esm'].warnings, []);
  const page = await run('/esbuild-esm/index.html');
  assert.deepEqual(page, { result: expected, wasm: [], inline: [], errors: [], violations: [] });
  sizes(t, 'esbuild-esm', ['main.js']);
});

test('esbuild, classic-script (IIFE) bundle: no warning, no import.meta needed, the page works', async (t) => {
  assert.deepEqual(builds.results['esbuild-iife'].warnings, []);
  const page = await run('/esbuild-iife/index.html');
  assert.deepEqual(page, { result: expected, wasm: [], inline: [], errors: [], violations: [] });
  sizes(t, 'esbuild-iife', ['classic.js']);
});

test('Vite: no warning, tandem.wasm emitted as a hashed asset and fetched from there (the inlined copy is never loaded)', async (t) => {
  assert.deepEqual(builds.results.vite.warnings, []);
  const page = await run('/vite/index.html');
  assert.deepEqual(page.result, expected);
  assert.deepEqual([page.errors, page.violations], [[], []]);
  assert.equal(page.wasm.length, 1);
  assert.match(page.wasm[0], /^\/vite\/assets\/tandem-[\w-]+\.wasm$/);
  assert.deepEqual(page.inline, [], 'the inlined copy is a chunk of its own, not loaded');
  const js = readFileSync(join(out, 'vite/index.html'), 'utf8').match(/src="\/vite\/(assets\/[^"]+\.js)"/)[1];
  sizes(t, 'vite', [js]);
});

test('webpack: no warning, tandem.wasm emitted as an asset and fetched from there', async (t) => {
  assert.deepEqual(builds.results.webpack.warnings, []);
  const page = await run('/webpack/index.html');
  assert.deepEqual(page.result, expected);
  assert.deepEqual([page.errors, page.violations], [[], []]);
  assert.equal(page.wasm.length, 1);
  assert.match(page.wasm[0], /^\/webpack\/[0-9a-f]+\.wasm$/);
  assert.ok(!existsSync(join(out, 'webpack/tandem-wasm-inline.js')), 'webpack leaves the inlined copy out');
  sizes(t, 'webpack', ['main.js']);
});

test('tandem.iife.js from a plain HTML page: window.tandem, the wasm fetched from beside the script', async () => {
  const page = await run('/test/script-tag.html');
  assert.deepEqual(page, {
    result: { ...expected, global: ['AUTOTRACK_EVENTS', 'Recommender', 'Session'] },
    wasm: ['/cdn/tandem-rec/tandem.wasm'],
    inline: [],
    errors: [],
    violations: [],
  });
});

test('tandem.iife.js with wasmPath: the wasm fetched from the hosted folder', async () => {
  const page = await run('/test/script-tag.html?wasmPath=/wasm-host');
  assert.deepEqual(page.result, { ...expected, global: ['AUTOTRACK_EVENTS', 'Recommender', 'Session'] });
  assert.deepEqual(page.wasm, ['/wasm-host/tandem.wasm']);
  assert.deepEqual([page.errors, page.violations], [[], []]);
});

test("Vite's dev server (dependencies pre-bundled into node_modules/.vite): the page works with the inlined copy", async () => {
  const warnings = [];
  const logger = createLogger('warn');
  logger.warn = (message) => warnings.push(message);
  logger.warnOnce = (message) => warnings.push(message);
  // The demo's files (the model) as the dev server's public folder.
  const dev = await viteServer({
    root: app, configFile: false, customLogger: logger, logLevel: 'warn', publicDir: join(root, 'build/demo'),
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  try {
    await dev.listen();
    const context = await browser.newContext();
    const { page: p, log } = await recordedPage(context);
    await p.goto(dev.resolvedUrls.local[0]);
    const result = JSON.parse(await (await p.waitForSelector('body[data-result]', { timeout: 60_000 })).getAttribute('data-result'));
    assert.deepEqual(result, expected);
    const paths = log.requests.map((r) => new URL(r.url).pathname);
    assert.ok(paths.some((path) => /^\/node_modules\/\.vite\/deps\/tandem-rec\.js$/.test(path)), 'tandem-rec was pre-bundled');
    assert.deepEqual(log.errors, []);
    await context.close();
  } finally {
    await dev.close();
  }
  assert.deepEqual(warnings, []);
});
