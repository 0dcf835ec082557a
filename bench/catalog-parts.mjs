// A large catalog in parts (issue #21): the download, the load and the full-catalog top 10 of a
// 10^6-item model in Node through the npm package (real wasm), and how often its int8 top 10 keeps
// the float32 one's.
//
//   node bench/catalog-parts.mjs [--items 1000000] [--dim 64] [--part-bytes 2000000] [--sessions 200] [--browser]
//
// Writes fixture models with seeded random weights (`tandem fixture`, float32 and int8, 20
// categories) into build/bench/, splits the int8 one with `tandem split` (model file and parts of at
// most --part-bytes), then:
//   - sizes: the model file and every part, raw and gzip (level 6, what web servers use), and the
//     whole int8 and float32 model files for comparison;
//   - load: the model file, then every part from bytes (addPart), timed;
//   - scan: recommend() top 10 over the whole catalog once every part is in, for --sessions random
//     sessions (5 random views each), per-call median and p95, and best of batches; the same
//     for the whole float32 model;
//   - agreement: per session, how many of the float32 top 10 the int8 top 10 (from parts) keeps;
//   - with --browser, in headless Chromium from 127.0.0.1 (bench/peers/serve.mjs): the page's
//     Recommender.create({ modelUrl }) (wasm included), loadParts({ values: 'all' }) of every
//     part over HTTP, and the same scan (its top 10s must be Node's).
// Needs scripts/build.sh. Prints the machine and its load.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { PACKAGE_PREFIX, startServer } from './peers/serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const items = arg('items', 1_000_000), dim = arg('dim', 64), partBytes = arg('part-bytes', 2_000_000), sessions = arg('sessions', 200);
const { Recommender } = await import(pathToFileURL(join(root, 'build/package/index.js')).href);
const cli = join(root, 'build/native/src/cli/tandem');
const dir = join(root, 'build/bench');
mkdirSync(dir, { recursive: true });

function fixture(int8) {
  const path = join(dir, `bench-${items}-${dim}${int8 ? '-int8' : ''}.tandem`);
  if (!existsSync(path) || statSync(path).mtimeMs < statSync(cli).mtimeMs) {
    execFileSync(cli, ['fixture', '--out', path, '--items', String(items), '--dim', String(dim), '--seed', '11', ...(int8 ? ['--int8'] : [])]);
  }
  return path;
}
const f32Path = fixture(false), int8Path = fixture(true);
const out = join(dir, `parts-${items}-${dim}`);
execFileSync(cli, ['split', '--model', int8Path, '--out', out, '--part-bytes', String(partBytes)]);
const catalog = JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8'));

const mb = (n) => (n / 1e6).toFixed(2);
const gz = (bytes) => gzipSync(bytes, { level: 6 }).length;
const stats = (samples) => {
  const s = Float64Array.from(samples).sort();
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)] };
};

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`catalog: ${items} items, d = ${dim}; int8 model split into model.tandem (${catalog.model_items} items) and ${catalog.parts.length} parts by ${catalog.feature}`);

// Sizes.
const base = readFileSync(join(out, 'model.tandem'));
const parts = catalog.parts.map((p) => readFileSync(join(out, p.file)));
const partGz = parts.map(gz);
console.log(`model.tandem: ${mb(base.length)} MB raw, ${mb(gz(base))} MB gzip`);
console.log(`parts: largest ${mb(Math.max(...parts.map((p) => p.length)))} MB raw, ${mb(Math.max(...partGz))} MB gzip; all parts ${mb(parts.reduce((a, p) => a + p.length, 0))} MB raw, ${mb(partGz.reduce((a, b) => a + b, 0))} MB gzip`);
for (const [name, path] of [['whole int8 model', int8Path], ['whole float32 model', f32Path]]) {
  const bytes = readFileSync(path);
  console.log(`${name}: ${mb(bytes.length)} MB raw, ${mb(gz(bytes))} MB gzip`);
}

// Load: the model file, then every part.
let t = performance.now();
const rec = await Recommender.create({ modelBuffer: base });
const baseMs = performance.now() - t;
const partMs = [];
t = performance.now();
for (const bytes of parts) {
  const t0 = performance.now();
  await rec.addPart({ partBuffer: bytes });
  partMs.push(performance.now() - t0);
}
const allMs = performance.now() - t;
if (rec.itemCount !== items) throw new Error(`${rec.itemCount} items after every part, expected ${items}`);
const p = stats(partMs);
console.log(`load: model.tandem ${baseMs.toFixed(0)} ms; addPart median ${p.median.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms; all ${parts.length} parts ${allMs.toFixed(0)} ms`);

// Scan: the same random sessions on the int8 catalog from parts and on the whole float32 model.
const whole = await Recommender.create({ modelBuffer: readFileSync(f32Path) });
let seed = 12345;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const T0 = 1_800_000_000_000;
const histories = Array.from({ length: sessions }, () => Array.from({ length: 5 }, () => `SKU-${100000 + Math.floor(next() * items)}`));
function run(r) {
  const tops = [], samples = [];
  for (const history of histories) {
    const s = r.session();
    history.forEach((item, i) => s.observe({ item, type: 'view', time: T0 + i * 10_000 }));
    s.recommend({ k: 10, time: T0 + 60_000 }); // warm
    const t0 = performance.now();
    const top = s.recommend({ k: 10, time: T0 + 60_000 });
    samples.push((performance.now() - t0) * 1000);
    tops.push(top.map((x) => x.item));
    s.close();
  }
  // Best of batches: one session, 20 batches of 5 calls.
  const s = r.session();
  histories[0].forEach((item, i) => s.observe({ item, type: 'view', time: T0 + i * 10_000 }));
  let best = Infinity;
  for (let b = 0; b < 20; b++) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) s.recommend({ k: 10, time: T0 + 60_000 });
    best = Math.min(best, ((performance.now() - t0) * 1000) / 5);
  }
  s.close();
  return { tops, ...stats(samples), best };
}
const q = run(rec), f = run(whole);
const us = (x) => `${(x / 1000).toFixed(2)} ms`;
console.log(`recommend top 10 of ${items}, int8 from parts: median ${us(q.median)}, p95 ${us(q.p95)}, best of batches ${us(q.best)}`);
console.log(`recommend top 10 of ${items}, float32 whole:   median ${us(f.median)}, p95 ${us(f.p95)}, best of batches ${us(f.best)}`);
let kept = 0, atLeast9 = 0;
for (let i = 0; i < sessions; i++) {
  const want = new Set(f.tops[i]);
  const same = q.tops[i].filter((id) => want.has(id)).length;
  kept += same;
  if (same >= 9) atLeast9++;
}
console.log(`top-10 agreement, int8 (parts) vs float32: ${(kept / sessions).toFixed(2)} of 10 on average; ${((100 * atLeast9) / sessions).toFixed(1)} % of ${sessions} sessions keep at least 9`);
rec.close();
whole.close();

if (process.argv.includes('--browser')) {
  const server = await startServer(root);
  // The launch flags of tests/browser/helpers.mjs (no sandbox as root, no background networking).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.origin}/bench/peers/page.html`);
  const folder = `/build/bench/parts-${items}-${dim}/`;
  const b = await page.evaluate(async ([prefix, folder, histories, T0]) => {
    const { Recommender } = await import(`${prefix}index.js`);
    const t0 = performance.now();
    const rec = await Recommender.create({ modelUrl: `${folder}model.tandem` });
    const t1 = performance.now();
    const loaded = await rec.loadParts({ catalogUrl: `${folder}catalog.json`, values: 'all' });
    const t2 = performance.now();
    const tops = [], samples = [];
    for (const history of histories) {
      const s = rec.session();
      history.forEach((item, i) => s.observe({ item, type: 'view', time: T0 + i * 10_000 }));
      s.recommend({ k: 10, time: T0 + 60_000 });
      const t = performance.now();
      const top = s.recommend({ k: 10, time: T0 + 60_000 });
      samples.push((performance.now() - t) * 1000);
      tops.push(top.map((x) => x.item));
      s.close();
    }
    rec.close();
    return { createMs: t1 - t0, partsMs: t2 - t1, loaded, tops, samples };
  }, [PACKAGE_PREFIX, folder, histories, T0]);
  await browser.close();
  await server.close();
  const same = b.tops.every((top, i) => top.join() === q.tops[i].join());
  const c = stats(b.samples);
  console.log(`Chromium: create from the URL (wasm included) ${b.createMs.toFixed(0)} ms; loadParts of ${b.loaded.parts} parts (${b.loaded.added} items) over HTTP ${b.partsMs.toFixed(0)} ms`);
  console.log(`Chromium: recommend top 10 of ${items}, int8 from parts: median ${us(c.median)}, p95 ${us(c.p95)}; the top 10s are Node's: ${same}`);
}
