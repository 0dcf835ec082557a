// Side by side (issues #5, #21): tandem vs TensorFlow.js (tfjs-core + tfjs-backend-wasm, SIMD,
// one thread) vs ONNX Runtime Web (wasm EP, one thread, SIMD) on the same workload and the same
// weights, in Node and in headless Chromium, each peer driven as a tuned page would drive it
// (bench/peers/ort.mjs, tfjs.mjs). Checks first that every runtime returns tandem's top-10 ids
// (exit 1 if not), then times observe, rerank K=100 / K=1000 of 64 random lists of fresh id strings
// in turn, the ids -> rows lookup, rerank by rows resolved once per list, full-catalog top 10 and
// the cold start, and says what a page downloads. The workload: bench/peers/run.mjs.
//
// Usage: node bench/compare.mjs [--items 1000,50000] [--node | --browser | --env node|browser|both]
//                               [--budget MS per operation, default 1500] [--cold REPEATS, default 5]
//                               [--runtimes tandem,tfjs,ort] [--package DIR, default build/package]
// --package: the staged tandem package directory to measure (what scripts/build.sh stages into
// build/package: index.js, loader.js, tandem-wasm.js, tandem.wasm, ...), e.g. a copy of an older
// build for a before/after comparison.
// Needs scripts/build.sh (build/package and the native CLI, which writes the fixture models into
// build/bench/). The peers are installed into bench/peers/node_modules by this command (npm ci
// --prefix bench/peers) when missing: they are no dependency of the SDK or of the tests.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const sizes = String(arg('items', '1000,50000')).split(',').map(Number);
const envArg = argv.includes('--node') ? 'node' : argv.includes('--browser') ? 'browser' : arg('env', 'both');
if (!['node', 'browser', 'both'].includes(envArg)) throw new Error(`--env must be node, browser or both, got ${envArg}`);
const envs = envArg === 'both' ? ['node', 'browser'] : [envArg];
const budgetMs = Number(arg('budget', 1500));
const coldRepeats = Number(arg('cold', 5));
const RUNTIME_NAMES = { tandem: 'tandem', tfjs: 'TF.js wasm', ort: 'ORT Web wasm' };
const packageArg = arg('package', null);
const packageDir = resolve(packageArg ?? join(root, 'build/package'));
const packageLabel = packageArg ? relativeOr(packageDir) : 'build/package';
function relativeOr(dir) {
  const rel = relative(root, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

// ---- setup ---------------------------------------------------------------------------------------

const peersDir = join(root, 'bench/peers');
const installed = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-web'].every((p) => existsSync(join(peersDir, 'node_modules', p, 'package.json')));
if (!installed) {
  console.log('installing the peer runtimes: npm ci --prefix bench/peers');
  execFileSync('npm', ['ci', '--prefix', peersDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

// build/package may be mid-rebuild (scripts/build.sh restages it): wait for it a little.
const packageFiles = ['index.js', 'loader.js', 'tandem-wasm.js', 'tandem.wasm'].map((f) => join(packageDir, f));
for (let i = 0; !packageFiles.every(existsSync); i++) {
  if (i === 60) throw new Error(packageArg ? `--package ${packageArg}: no staged package there (index.js, loader.js, tandem-wasm.js, tandem.wasm)` : 'build/package is missing: run bash scripts/build.sh first');
  if (i === 0) console.log('waiting for build/package ...');
  await new Promise((r) => setTimeout(r, 2000));
}

const cli = join(root, 'build/native/src/cli/tandem');
mkdirSync(join(root, 'build/bench'), { recursive: true });
const modelPath = (n) => join(root, `build/bench/compare-${n}.tandem`);
for (const n of sizes) {
  const path = modelPath(n);
  if (!existsSync(path) || (existsSync(cli) && statSync(cli).mtimeMs > statSync(path).mtimeMs)) {
    execFileSync(cli, ['fixture', '--out', path, '--items', String(n), '--dim', '64', '--seed', '11'], { stdio: 'ignore' });
  }
}

const { readModel } = await import('./peers/model.mjs');
const { runEnv, workloadFor, RUNTIMES: ALL_RUNTIMES } = await import('./peers/run.mjs');
// --runtimes tandem,ort: a subset (tandem, the reference, always runs)
const RUNTIMES = ['tandem', ...String(arg('runtimes', ALL_RUNTIMES.join(','))).split(',').filter((r) => r !== 'tandem')];
for (const r of RUNTIMES) if (!ALL_RUNTIMES.includes(r)) throw new Error(`--runtimes: unknown runtime ${r} (${ALL_RUNTIMES.join(', ')})`);
const { startServer } = await import('./peers/serve.mjs');
const server = await startServer(root, packageDir);
// How each environment loads tandem: the package's index.js (Node: a file URL; the page: served as /tandem-package/).
const { PACKAGE_PREFIX } = await import('./peers/serve.mjs');
const nodeOptions = { tandem: { module: pathToFileURL(join(packageDir, 'index.js')).href, label: packageLabel } };
const pageTandemOptions = { module: `${PACKAGE_PREFIX}index.js`, label: packageLabel };
const modelUrl = (n) => `${server.origin}/build/bench/compare-${n}.tandem`;
const catalogs = Object.fromEntries(sizes.map((n) => [n, readModel(new Uint8Array(readFileSync(modelPath(n)))).ids]));

/** Which tandem is measured: the package's staging time, the commit, and whether the engine sources differ from it. */
function tandemBuild() {
  const wasm = join(packageDir, 'tandem.wasm');
  const git = (...a) => {
    try {
      return execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src/core', 'bindings', 'js/src');
  const staged = `${packageLabel} staged ${new Date(statSync(wasm).mtimeMs).toISOString().replace('T', ' ').slice(0, 19)} UTC, tandem.wasm ${statSync(wasm).size.toLocaleString('en-US')} bytes`;
  if (packageArg) return staged; // the work tree says nothing about where another directory came from
  return `${staged}; work tree at ${git('rev-parse', '--short', 'HEAD') || '?'}${dirty ? ' with uncommitted changes in src/core, bindings or js/src' : ''}`;
}

// ---- machine -------------------------------------------------------------------------------------

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const machine = { cpu: os.cpus()[0].model.trim(), cores: os.cpus().length, node: process.version, loadStart: load() };
let browser = null;
if (envs.includes('browser')) {
  const { chromium } = await import('playwright-core');
  // The launch flags of tests/browser/helpers.mjs (no sandbox as root, no background networking).
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  machine.chromium = browser.version();
}
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${machine.chromium ? `, Chromium ${machine.chromium}` : ''}`);
console.log(`load average at start (1, 5, 15 min): ${machine.loadStart}`);
console.log(`tandem: ${tandemBuild()}`);

// ---- the runs ------------------------------------------------------------------------------------

const fail = [];
const log = (m) => process.stderr.write(`  ${m}\n`);

function checkResults(env, n, check) {
  for (const c of check.filter((x) => !x.same)) {
    const ref = check.find((x) => x.runtime === 'tandem' && x.operation === c.operation);
    fail.push(`${env}, ${n} items, ${c.operation}: ${c.runtime} returned ${c.ids.join(',')}; tandem ${ref?.ids.join(',')}`);
  }
  const worst = Math.max(...check.map((c) => c.maxScoreDiff));
  const ok = check.every((c) => c.same);
  console.log(`${env}, ${n.toLocaleString('en-US')} items: top-10 ids ${ok ? 'identical in every runtime' : 'DIFFER'} (rerank K=1000 and K=100 of a fixed and a random list of fresh ids, K=1000 by rows resolved once, full catalog; largest score difference to tandem ${worst.toExponential(1)})`);
  return ok;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const worst = (xs) => Math.max(...xs);

/** Waits while build/package is being restaged (scripts/build.sh), up to two minutes. */
async function packageReady() {
  for (let i = 0; !packageFiles.every(existsSync); i++) {
    if (i === 60) throw new Error('build/package is missing: run bash scripts/build.sh first');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** fn(), tried again (up to three times) after build/package is back when it failed. */
async function retried(what, fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt === 3) throw e;
      log(`${what} failed (${String(e.message).split('\n')[0].slice(0, 160)}); trying again`);
      await new Promise((r) => setTimeout(r, 3000));
      await packageReady();
    }
  }
}

/** Runs node with args (asynchronously: the bench server must answer meanwhile); resolves stdout. */
function runChild(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill(), 120000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`node ${args.join(' ').slice(0, 200)} failed (${code ?? signal}): ${err}`));
    });
  });
}

async function coldNode(n) {
  const out = [];
  const { c100 } = workloadFor(catalogs[n]);
  for (const mode of ['bytes', 'url']) {
    const ms = Object.fromEntries(RUNTIMES.map((k) => [k, []]));
    // round robin over the runtimes, so that a busy spell of the machine is shared among them
    for (let r = 0; r < coldRepeats; r++) {
      for (const runtime of RUNTIMES) {
        const spec = JSON.stringify({ runtime, mode, path: modelPath(n), url: modelUrl(n), c100, options: nodeOptions });
        const res = await retried(`cold start of ${runtime}`, async () => JSON.parse((await runChild([join(peersDir, 'cold.mjs'), spec])).trim().split('\n').pop()));
        ms[runtime].push(res.ms);
        out.push({ runtime, mode, ids: res.ids });
      }
    }
    for (const runtime of RUNTIMES) out.push({ runtime, mode, ms: ms[runtime] });
  }
  return out;
}

/** A fresh page of the bench (import map, cross-origin isolated) in `context`. */
async function openPage(context) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log(`page error: ${e}`));
  await page.exposeFunction('__log', (m) => log(m));
  await page.goto(`${server.origin}/bench/peers/page.html`);
  if (!(await page.evaluate(() => crossOriginIsolated))) log('warning: the page is not cross-origin isolated (coarse timer)');
  return page;
}

const TFJS_WASM_DIR = '/bench/peers/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

async function timingsBrowser(n) {
  const context = await browser.newContext();
  const page = await openPage(context);
  const result = await page.evaluate(async ({ url, budgetMs, wasmDir, runtimes, tandem }) => {
    const { readModel } = await import('/bench/peers/model.mjs');
    const { runEnv } = await import('/bench/peers/run.mjs');
    const modelBytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const ids = readModel(modelBytes).ids;
    return runEnv({ modelBytes, ids, runtimes, budgetMs, options: { tfjs: { wasmDir }, tandem }, log: (m) => globalThis.__log(m) });
  }, { url: modelUrl(n), budgetMs, wasmDir: TFJS_WASM_DIR, runtimes: RUNTIMES, tandem: pageTandemOptions });
  await context.close();
  return result;
}

async function coldBrowser(n) {
  const out = [];
  const downloads = {};
  const { c100 } = workloadFor(catalogs[n]);
  for (const mode of ['bytes', 'url']) {
    const ms = Object.fromEntries(RUNTIMES.map((k) => [k, []]));
    for (let r = 0; r < coldRepeats; r++) {
      for (const runtime of RUNTIMES) {
        const res = await retried(`cold start of ${runtime} in Chromium`, async () => {
          const context = await browser.newContext();
          try {
            const page = await openPage(context);
            server.requests.length = 0;
            const result = await page.evaluate(async ({ runtime, mode, url, c100, wasmDir, tandem }) => {
              const { coldStart } = await import('/bench/peers/run.mjs');
              const source = mode === 'bytes' ? { bytes: new Uint8Array(await (await fetch(url)).arrayBuffer()) } : { url };
              return coldStart({ runtime, source, c100, options: { tfjs: { wasmDir }, tandem } });
            }, { runtime, mode, url: modelUrl(n), c100, wasmDir: TFJS_WASM_DIR, tandem: pageTandemOptions });
            if (mode === 'url' && r === 0) downloads[runtime] = [...server.requests];
            return result;
          } finally {
            await context.close();
          }
        });
        ms[runtime].push(res.ms);
        out.push({ runtime, mode, ids: res.ids });
      }
    }
    for (const runtime of RUNTIMES) out.push({ runtime, mode, ms: ms[runtime] });
  }
  return { cold: out, downloads };
}

/** The cold starts' first results must agree too (K=100 with no events). */
function checkCold(env, n, cold) {
  const ref = cold.find((c) => c.runtime === 'tandem' && c.ids)?.ids;
  for (const c of cold.filter((x) => x.ids)) {
    if (c.ids.join() !== ref.join()) fail.push(`${env}, ${n} items, cold start (${c.mode}): ${c.runtime} returned ${c.ids.join(',')}; tandem ${ref.join(',')}`);
  }
}

// ---- tables --------------------------------------------------------------------------------------

const us = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const msFmt = (x) => `${Math.round(x).toLocaleString('en-US')} ms`;

const OP_ORDER = ['observe', 'rerank100', 'rerank1000', 'resolve1000', 'rerank1000resolved', 'full'];

function table(env, perSize) {
  const lines = [
    `| runtime | operation | median | p95 | tight-loop mean | tandem ratio |`,
    `| --- | --- | ---: | ---: | ---: | ---: |`,
  ];
  for (const [n, { timings, cold }] of perSize) {
    const N = Number(n).toLocaleString('en-US');
    for (const op of OP_ORDER) {
      const base = timings.find((t) => t.runtime === 'tandem' && t.op === op);
      for (const t of timings.filter((x) => x.op === op)) {
        const ratio = t.runtime === 'tandem' ? '1' : `${(t.mean / base.mean).toFixed(1)}×`;
        lines.push(`| ${RUNTIME_NAMES[t.runtime]} | N=${N}: ${t.operation} | ${us(t.median)} µs | ${us(t.p95)} µs | ${us(t.mean)} µs | ${ratio} |`);
      }
    }
    for (const mode of ['bytes', 'url']) {
      const rows = cold.filter((c) => c.ms && c.mode === mode);
      const base = median(rows.find((c) => c.runtime === 'tandem').ms);
      for (const c of rows) {
        const ratio = c.runtime === 'tandem' ? '1' : `${(median(c.ms) / base).toFixed(1)}×`;
        const what = mode === 'bytes' ? 'model bytes in memory' : 'model URL on 127.0.0.1';
        lines.push(`| ${RUNTIME_NAMES[c.runtime]} | N=${N}: cold start to first rerank (${what}; median, worst of ${c.ms.length}) | ${msFmt(median(c.ms))} | ${msFmt(worst(c.ms))} | — | ${ratio} |`);
      }
    }
  }
  return lines.join('\n');
}

const gz = new Map();
function gzipSize(path) {
  const file = path.startsWith(PACKAGE_PREFIX) ? join(packageDir, path.slice(PACKAGE_PREFIX.length)) : join(root, path);
  if (!gz.has(path)) gz.set(path, gzipSync(readFileSync(file)).length);
  return gz.get(path);
}

function downloadsTable(perSize) {
  const kind = (p) =>
    p.startsWith('/build/bench/') ? 'model' : p.startsWith('/bench/peers/node_modules/') || p.startsWith(PACKAGE_PREFIX) ? (p.endsWith('.wasm') ? 'wasm' : 'JS') : 'bench';
  const kb = (b) => `${(b / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 })} KiB`;
  const lines = [
    '| runtime | N | JS raw / gzip | wasm raw / gzip | model raw / gzip | total raw / gzip | bench glue (not counted) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [n, { downloads }] of perSize) {
    for (const runtime of RUNTIMES) {
      const sum = {}, sumGz = {};
      const files = new Map(downloads[runtime].map((r) => [r.path, r.bytes]));
      for (const [path, bytes] of files) {
        const k = kind(path);
        sum[k] = (sum[k] ?? 0) + bytes;
        sumGz[k] = (sumGz[k] ?? 0) + gzipSize(path);
      }
      const cell = (k) => `${kb(sum[k] ?? 0)} / ${kb(sumGz[k] ?? 0)}`;
      const total = ['JS', 'wasm', 'model'].reduce((a, k) => a + (sum[k] ?? 0), 0);
      const totalGz = ['JS', 'wasm', 'model'].reduce((a, k) => a + (sumGz[k] ?? 0), 0);
      lines.push(`| ${RUNTIME_NAMES[runtime]} | ${Number(n).toLocaleString('en-US')} | ${cell('JS')} | ${cell('wasm')} | ${cell('model')} | ${kb(total)} / ${kb(totalGz)} | ${kb(sum.bench ?? 0)} |`);
    }
  }
  return lines.join('\n');
}

const output = [];
let downloadsPerSize = null;
for (const env of envs) {
  const perSize = new Map();
  const envLoadStart = load();
  for (const n of sizes) {
    log(`${env}, ${n} items: correctness and timings`);
    let res;
    if (env === 'node') {
      const modelBytes = new Uint8Array(readFileSync(modelPath(n)));
      res = await runEnv({ modelBytes, ids: catalogs[n], runtimes: RUNTIMES, budgetMs, options: nodeOptions, log });
    } else {
      res = await timingsBrowser(n);
    }
    const ok = checkResults(env, n, res.check);
    if (!ok) break;
    log(`${env}, ${n} items: cold starts (${coldRepeats} each)`);
    let cold, downloads;
    if (env === 'node') cold = await coldNode(n);
    else ({ cold, downloads } = await coldBrowser(n));
    checkCold(env, n, cold);
    perSize.set(n, { timings: res.timings, cold, downloads, versions: res.versions });
  }
  if (fail.length) break;
  const versions = [...perSize.values()][0].versions;
  output.push(`\n### ${env === 'node' ? `Node ${process.version}` : `Chromium ${machine.chromium} (headless)`}\n`);
  output.push(`runtimes: ${Object.values(versions).join('; ')}; load average ${envLoadStart} at the start of this environment, ${load()} at its end\n`);
  output.push(table(env, perSize));
  if (env === 'browser') downloadsPerSize = perSize;
}
machine.loadEnd = load();
if (browser) await browser.close();
await server.close();

if (fail.length) {
  console.error('\nFAILED: the runtimes do not return the same top 10:');
  for (const f of fail) console.error(`  ${f}`);
  process.exit(1);
}
console.log(output.join('\n'));
if (downloadsPerSize) {
  console.log('\n### What a page downloads (cold start with the model URL, Chromium; gzip -6 sizes computed here)\n');
  console.log(downloadsTable(downloadsPerSize));
}
console.log(`\nload average at end (1, 5, 15 min): ${machine.loadEnd}`);
console.log('tandem ratio: the runtime\'s tight-loop mean (cold start: median) divided by tandem\'s; above 1 tandem is faster.');
