// A page's model load in headless Chromium: in a fresh browser context, the package's loader
// instantiates the wasm (not timed), then `Recommender` is made from the model's bytes (self-test
// on) and reranks once: the time from the bytes in hand to the first ranking. With --against, a
// second staged package is loaded in turn with the first (A, B, A, B, ...), each from its own
// server, so both see the same machine. Prints the median and p95 per package and the load average.
// Usage: node bench/model-load.mjs [--items 50000] [--dim 64] [--int8] [--repeats 10]
//                                  [--package DIR] [--against DIR]
// (needs scripts/build.sh; writes its fixture model with the native CLI into build/bench/, as
// bench/engine-node.mjs does; the whole path from a URL, wasm included, is bench/compare.mjs's
// cold-start rows)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PACKAGE_PREFIX, startServer } from './peers/serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const items = Number(arg('items', 50000)), dim = Number(arg('dim', 64)), int8 = process.argv.includes('--int8');
const repeats = Number(arg('repeats', 10));
const packages = [resolve(arg('package', join(root, 'build/package')))];
if (arg('against') !== undefined) packages.push(resolve(arg('against')));
for (const dir of packages) {
  if (!existsSync(join(dir, 'index.js'))) throw new Error(`no staged package in ${dir} (index.js): run bash scripts/build.sh`);
}

mkdirSync(join(root, 'build/bench'), { recursive: true });
const name = `bench-${items}-${dim}${int8 ? '-int8' : ''}.tandem`;
const model = join(root, 'build/bench', name);
const cli = join(root, 'build/native/src/cli/tandem');
if (!existsSync(model) || statSync(model).mtimeMs < statSync(cli).mtimeMs) {
  const args = ['fixture', '--out', model, '--items', String(items), '--dim', String(dim), '--seed', '11'];
  if (int8) args.push('--int8');
  execFileSync(cli, args);
}

const servers = await Promise.all(packages.map((dir) => startServer(root, dir)));
// The launch flags of tests/browser/helpers.mjs (no sandbox as root, no background networking).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const loadStart = os.loadavg();
const times = packages.map(() => []);
for (let r = 0; r < repeats; r++) {
  for (let p = 0; p < packages.length; p++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${servers[p].origin}/bench/peers/page.html`);
    const ms = await page.evaluate(async ([prefix, modelPath]) => {
      const bytes = new Uint8Array(await (await fetch(modelPath)).arrayBuffer());
      const { Recommender } = await import(`${prefix}index.js`);
      const { instantiate, wasmSource } = await import(`${prefix}loader.js`);
      const module = await instantiate(wasmSource({}));
      const t0 = performance.now();
      const rec = Recommender._fromModule(module, bytes);
      rec.session().rerank(['a', 'b']);
      const elapsed = performance.now() - t0;
      rec.close();
      return elapsed;
    }, [PACKAGE_PREFIX, `/build/bench/${name}`]);
    times[p].push(ms);
    await context.close();
  }
}
await browser.close();
await Promise.all(servers.map((s) => s.close()));

const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
console.log(`machine: ${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, Chromium ${browser.version()}`);
console.log(`model: ${name} (${(statSync(model).size / 1e6).toFixed(2)} MB); ${repeats} loads per package, alternating`);
console.log(`load average: ${loadStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end\n`);
console.log('| package | median ms | p95 ms | every load (ms) |');
console.log('| --- | ---: | ---: | --- |');
packages.forEach((dir, p) => {
  const sorted = [...times[p]].sort((a, b) => a - b);
  console.log(`| ${dir} | ${at(sorted, 0.5).toFixed(1)} | ${at(sorted, 0.95).toFixed(1)} | ${times[p].map((x) => x.toFixed(0)).join(' ')} |`);
});
