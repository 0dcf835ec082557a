// Limits, against the real wasm package and the native CLI: a session's memory stays flat however
// many events it sees, a thousand sessions fit a stated budget, close() (and the garbage collector,
// for what a page forgets to close) gives every byte back, and the log reader streams a log in
// memory that does not depend on the bytes per row. The numbers are in docs/reliability.md
// ("Limits"); each test prints its measurements as a diagnostic.
//
// Wasm memory is measured as live bytes (liveBytes below): what the allocator has handed out and
// not had back. Unlike the heap size, which only grows and in steps of 20 %, it goes down when
// memory is freed and sees a leak of a few bytes.
//
// The large-log test runs on a 7 MB / 87 MB pair of logs by default; TANDEM_LARGE_LOG_MB=1024 adds
// the run over a generated 1 GiB Taobao-layout log (about two minutes; see docs/reliability.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Recommender, cli, fixtureBytes, fixturePath, root, unseal } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const T0 = 1.7e12; // ms
const KiB = 1024, MiB = 1024 * 1024;

/**
 * Bytes of the wasm heap in use: malloc'd and not freed, plus malloc's own bookkeeping (every
 * block's header): emmalloc's heap (every region it took from the wasm memory) minus its free
 * blocks, exactly. Reading it allocates nothing.
 */
function liveBytes(module) {
  return module._emmalloc_dynamic_heap_size() - module._emmalloc_free_dynamic_memory();
}

const kb = (bytes) => `${(bytes / KiB).toFixed(1)} KiB`;

test('liveBytes sees what is allocated and freed, to within a few bytes, without growing the heap', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const m = rec._module;
  const size = m.HEAPU8.length;
  const base = liveBytes(m);
  assert.equal(liveBytes(m), base, 'the same answer twice');
  const leaked = Array.from({ length: 100 }, () => m._malloc(200));
  const grown = liveBytes(m) - base;
  assert.ok(grown >= 100 * 200 && grown <= 100 * 200 + 100 * 16 + 4104, `100 blocks of 200 bytes measured as ${grown} bytes`);
  for (const p of leaked) m._free(p);
  assert.equal(liveBytes(m), base, 'back to the same number once freed');
  assert.equal(m.HEAPU8.length, size, 'measuring did not grow the heap');
  rec.close();
});

test('a session observing 10^6 events keeps a flat wasm heap, the model\'s window and a steady time per event', async (t) => {
  const bytes = fixtureBytes();
  const { window } = unseal(bytes).header.config;
  assert.equal(window, 50);
  const rec = await Recommender.create({ modelBuffer: bytes });
  const m = rec._module;
  const s = rec.session();
  const types = rec.eventTypes;
  let n = 0;
  // One event a minute, a new visit (a gap over the 30-minute timeout) every 1,000 events; items
  // cycle through 90 of the catalog and a few unknown ids.
  const observe = (count) => {
    for (let i = 0; i < count; i++, n++) {
      const item = n % 97 < 90 ? `SKU-1000${10 + (n % 90)}` : `gone-${n % 7}`;
      s.observe({ item, type: types[n % 4], time: T0 + n * 60_000 + Math.floor(n / 1000) * 3_600_000 });
    }
  };
  observe(10_000); // warm-up: the window is full, scratch buffers have their size
  const stateSize = s.saveState().length; // (the handle keeps the last saved state's buffer)
  const heap = m.HEAPU8.length, live = liveBytes(m);
  const ms = [];
  for (let chunk = 0; chunk < 10; chunk++) {
    const start = performance.now();
    observe(99_000);
    ms.push((performance.now() - start) / 99_000);
  }
  assert.equal(n, 1_000_000);
  const unknown = Array.from({ length: n }, (_, i) => i % 97 >= 90).filter(Boolean).length;
  assert.deepEqual(s.counters, { events: n - unknown, unknownItems: unknown, sessions: 1000 });
  assert.equal(s.recentEvents().length, window, 'the window holds the model\'s window, no more');
  // The window by name (item ids differ in length) is all that may differ.
  assert.ok(Math.abs(s.saveState().length - stateSize) <= window * 4, 'the saved state does not grow');
  assert.equal(m.HEAPU8.length, heap, 'the wasm heap did not grow');
  const drift = liveBytes(m) - live;
  assert.ok(Math.abs(drift) <= 4 * KiB, `live wasm bytes moved by ${drift} bytes over 990,000 events`);
  // Per-event time: the last 10 % against the faster of the first two tenths, with a factor that
  // no load spike reaches but any cost growing with the number of events would.
  const first = Math.min(ms[0], ms[1]), last = ms[9];
  t.diagnostic(`10^6 events: ${(first * 1000).toFixed(2)} µs/event in the first tenth, ${(last * 1000).toFixed(2)} µs/event in the last; wasm heap ${heap / MiB} MiB throughout, live bytes moved ${drift} B; state ${stateSize} B`);
  assert.ok(last < 10 * first, `per-event time grew from ${first} ms to ${last} ms`);
  rec.close();
});

test('1,000 sessions on one model (dim 64) stay under 64 KiB of wasm memory each, in use included', async (t) => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes({ items: 2000, dim: 64 }) });
  const m = rec._module;
  const candidates = Array.from({ length: 40 }, (_, i) => `SKU-${100000 + i * 37}`);
  // The Recommender's own scratch block reaches its size first, so it is not counted per session.
  const probe = rec.session();
  probe.rerank(candidates);
  probe.recommend({ k: 10 });
  probe.close();
  const heap0 = m.HEAPU8.length, live0 = liveBytes(m);
  const sessions = Array.from({ length: 1000 }, () => rec.session());
  const created = (liveBytes(m) - live0) / 1000;
  sessions.forEach((s, i) => {
    for (let e = 0; e < 60; e++) s.observe({ item: candidates[(i + e) % 40], type: e % 7 ? 'view' : 'cart', time: T0 + e * 30_000 });
    s.rerank(candidates);
    s.recommend({ k: 10 });
    s.saveState();
  });
  const used = (liveBytes(m) - live0) / 1000;
  const heapGrowth = m.HEAPU8.length - heap0;
  t.diagnostic(`per session: ${kb(created)} when created, ${kb(used)} after 60 events, a rerank, a recommend and a saveState; the heap grew ${(heapGrowth / MiB).toFixed(1)} MiB for 1,000 sessions`);
  assert.ok(created >= 2 * 64 * 4, `at least the LSTM state h and c (${created} bytes): the measure sees the sessions`);
  assert.ok(used < 64 * KiB, `${used} bytes per session in use`);
  assert.ok(heapGrowth < 1000 * 64 * KiB, `the heap grew by ${heapGrowth} bytes`);
  rec.close();
});

/**
 * One round of everything a page does: a Recommender on the shared module (as Recommender.create
 * would, without a new module), sessions with persistence and profiles, every call, failed calls,
 * and close() on some sessions and then on the Recommender.
 */
function round(module, bytes, badBytes) {
  assert.throws(() => Recommender._fromModule(module, badBytes), /^Error: tandem: model file checksum mismatch/);
  const rec = Recommender._fromModule(module, bytes);
  const profile = Float32Array.from({ length: rec.profileLength }, (_, i) => Math.sin(i));
  const candidates = [...Array.from({ length: 48 }, (_, i) => `SKU-${100000 + i * 5}`), 'gone-1', 'gone-2'];
  const storage = memoryStorage();
  // The catalog changes too: new items (the model's tables grow), new prices, a delisted item, a
  // failing call; and rankings at the page's prices.
  rec.addItems(Array.from({ length: 40 }, (_, i) => ({ id: `NEW-${i}`, category: `category-${i % 5}`, price: 10 + i })));
  rec.addItems([{ id: 'SKU-100005', price: 99, discount: 0.3 }, { id: 'SKU-100010', available: false }]);
  rec.removeItems(['SKU-100015']);
  assert.throws(() => rec.addItems([{ id: 'NEW-X' }, { id: 'NEW-Y', category: 'a//b' }]), /empty level/);
  const offers = candidates.map((id, i) => (i % 3 ? id : { item: id, price: 5 + i, discount: (i % 5) / 10 }));
  const sessions = Array.from({ length: 100 }, (_, i) => rec.session({ profile, persist: storage, storageKey: `k${i % 10}` }));
  sessions.forEach((s, i) => {
    for (let e = 0; e < 60; e++) s.observe({ item: candidates[(i + e) % 50], type: rec.eventTypes[e % 4], time: T0 + e * 30_000, price: e % 2 ? 20 : undefined });
    s.observe({ item: `NEW-${i % 40}`, time: T0 + 61 * 30_000 });
    s.rerank(candidates);
    s.rerank([...offers, `NEW-${i % 40}`]);
    s.rerank(candidates.slice(0, 20 + (i % 20)), { top: 5 });
    s.recommend({ k: 10, exclude: i % 2 ? 'seen' : candidates.slice(0, 10) });
    const state = s.saveState();
    const other = rec.session();
    other.restoreState(state);
    const broken = state.slice();
    broken[20] ^= 1;
    assert.throws(() => other.restoreState(broken), /checksum mismatch/);
    assert.throws(() => other.setProfile(new Float32Array(3)), /this model expects/);
    other.setProfile(profile);
    other.foldSession();
    other.profile();
    other.recentEvents();
    other.reset();
    other.forget();
    other.close();
    if (i % 3 === 0) s.close();
  });
  rec.close();
}

test('close() gives every byte back: identical rounds of Recommender + catalog changes + 100 sessions + every call leave the wasm heap as they found it', async (t) => {
  const bytes = fixtureBytes();
  const badBytes = bytes.slice();
  badBytes[badBytes.length - 20] ^= 1;
  const keeper = await Recommender.create({ modelBuffer: bytes }); // owns the module the rounds share
  const m = keeper._module;
  const before = liveBytes(m);
  round(m, bytes, badBytes); // warm-up: the heap reaches its size
  const heap1 = m.HEAPU8.length, live1 = liveBytes(m);
  for (let r = 0; r < 5; r++) round(m, bytes, badBytes);
  const heap6 = m.HEAPU8.length, live6 = liveBytes(m);
  t.diagnostic(`live wasm bytes: ${before} before, ${live1} after the first round, ${live6} after six (${live6 - live1} B); heap ${heap1} B -> ${heap6} B`);
  assert.equal(heap6, heap1, 'the heap did not grow after the first round');
  assert.ok(Math.abs(live6 - live1) <= 2 * KiB, `five more rounds changed the live bytes by ${live6 - live1}`);
  assert.ok(Math.abs(live1 - before) <= 8 * KiB, `a closed round left ${live1 - before} bytes`);
  // The same measure on a round that leaks one 100-byte block per session would fail.
  const leaks = Array.from({ length: 100 }, () => m._malloc(100));
  assert.ok(liveBytes(m) - live6 >= 100 * 100, 'a 10 KB leak is visible');
  leaks.forEach((p) => m._free(p));
  keeper.close();
});

/** Creates sessions and drops them without close(). */
function forget(rec, count) {
  for (let i = 0; i < count; i++) rec.session().observe({ item: 'SKU-100001', time: T0 });
}

/** A Recommender with two sessions, dropped without close(): a weak reference to its wasm module. */
async function forgottenModule() {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  forget(rec, 2);
  rec.session().rerank(['SKU-100001', 'SKU-100002']);
  return new WeakRef(rec._module);
}

/**
 * Collects garbage until `until()` holds (50 tries). Each collection runs in a task of its own:
 * a WeakRef's deref() keeps its target alive until the end of the task that called it, and
 * FinalizationRegistry callbacks run as tasks after a collection.
 */
async function collect(until) {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < 50; i++) {
    await tick();
    gc();
    await tick();
    if (until()) return;
  }
}

test('sessions and Recommenders a page forgets to close are freed by the garbage collector, wasm memory and module included', async (t) => {
  const keeper = await Recommender.create({ modelBuffer: fixtureBytes() });
  const m = keeper._module;
  const live0 = liveBytes(m);
  forget(keeper, 1000);
  const held = liveBytes(m) - live0;
  assert.ok(held > 1000 * 2 * 16 * 4, `1,000 forgotten sessions hold ${held} bytes until collected`);
  await collect(() => liveBytes(m) - live0 <= 4 * KiB);
  const left = liveBytes(m) - live0;
  t.diagnostic(`1,000 forgotten sessions held ${held} B of wasm memory; after garbage collection ${left} B`);
  assert.ok(left <= 4 * KiB, `the forgotten sessions' wasm memory was freed (${left} bytes left)`);

  // A forgotten Recommender with a forgotten session: its whole wasm module goes. (Before the
  // finalizer's functions were made outside the constructors, the session's function kept the
  // session, and with it the Recommender and the module, alive forever.)
  const modules = [await forgottenModule(), await forgottenModule(), await forgottenModule()];
  await collect(() => modules.every((w) => w.deref() === undefined));
  assert.deepEqual(modules.map((w) => w.deref() === undefined), [true, true, true], 'every forgotten module was collected');
  keeper.close();
});

test('the Recommender keeps no entry for a session once it is closed or collected: its set of open sessions does not grow', async (t) => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const kept = rec.session();
  for (let i = 0; i < 100; i++) rec.session().close();
  assert.equal(rec._sessions.size, 1, 'closed sessions left the set');
  forget(rec, 1000);
  // (A new WeakRef keeps its target alive until the end of the task: none is collected yet.)
  assert.equal(rec._sessions.size, 1001);
  await collect(() => rec._sessions.size === 1);
  t.diagnostic(`after 1,000 forgotten sessions and garbage collection, the set holds ${rec._sessions.size}`);
  assert.equal(rec._sessions.size, 1, 'forgotten sessions left the set when collected');
  // What stays is the open session, which close() still reaches.
  kept.observe({ item: 'SKU-100001', time: T0 });
  rec.close();
  assert.throws(() => kept.counters, { message: 'tandem: this session is closed' });
});

// ---------------------------------------------------------------- the CLI: large logs

/**
 * Writes a Taobao UserBehavior-layout log of about `bytes` bytes (users of 500 to 1,500 events over
 * 2,000 fixture ids, in time order; views, carts and purchases) to `path`, and the same rows with
 * `pad` appended (extra columns) to `paddedPath` if given. Returns { rows, users, bytes, paddedBytes }.
 */
function writeLog(path, bytes, paddedPath, pad = '') {
  const fd = openSync(path, 'w'), padded = paddedPath ? openSync(paddedPath, 'w') : null;
  let written = 0, paddedBytes = 0, rows = 0, users = 0, seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const kinds = ['pv', 'pv', 'pv', 'pv', 'pv', 'pv', 'pv', 'cart', 'buy'];
  try {
    while (written < bytes) {
      users++;
      let time = 1511500000 + Math.floor(rand() * 600000);
      const n = 500 + Math.floor(rand() * 1000);
      const lines = [];
      for (let k = 0; k < n; k++) {
        const item = Math.floor(rand() * 2000);
        time += 1 + Math.floor(rand() * 120);
        lines.push(`${users},SKU-${100000 + item},cat-${item % 20},${kinds[Math.floor(rand() * kinds.length)]},${time}`);
      }
      written += writeSync(fd, lines.join('\n') + '\n');
      if (padded !== null) paddedBytes += writeSync(padded, lines.join(`${pad}\n`) + `${pad}\n`);
      rows += n;
    }
  } finally {
    closeSync(fd);
    if (padded !== null) closeSync(padded);
  }
  return { rows, users, bytes: written, paddedBytes };
}

/**
 * `tandem eval` of the fixture model on a log (the reader, preprocessing, the split and the
 * evaluation: the trainer's data path without the training), under /usr/bin/time for the peak RSS.
 * The log is read as `delimited` with the Taobao mapping (the same reader as --format taobao, which
 * would also need the model to know 'fav').
 */
function evalLog(log) {
  const timeFile = join(root, 'build/limits-time.txt');
  const args = ['-o', timeFile, '-f', '%M %e', cli, 'eval', '--model', fixturePath({ items: 2000, dim: 16 }), '--data', log,
    '--format', 'delimited', '--user-col', '0', '--item-col', '1', '--category-col', '2', '--event-col', '3', '--time-col', '4',
    '--time-unit', 's', '--event-map', 'pv=view,cart=cart,buy=purchase'];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  assert.equal(r.status, 0, r.stderr);
  const [kbytes, seconds] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { rss: kbytes * KiB, seconds, stdout: r.stdout };
}

const hasTime = existsSync('/usr/bin/time');

test('CLI: the log reader streams: the peak memory of a run does not depend on the bytes per row', { skip: !hasTime && 'needs /usr/bin/time (Debian package time)' }, (t) => {
  const dir = join(root, 'build/limits');
  mkdirSync(dir, { recursive: true });
  // The same 200,000-odd rows, bare (35 bytes a row) and with 400 bytes of extra columns a row (a
  // user agent and a landing URL, as exports carry them): 7 MB and 87 MB.
  const pad = ',Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'.repeat(2) +
    ',https://shop.example/p?ref=home&utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale&session=0123456789abcdef'.repeat(2);
  const narrow = writeLog(join(dir, 'narrow.csv'), 7 * MiB, join(dir, 'wide.csv'), pad);
  const a = evalLog(join(dir, 'narrow.csv')), b = evalLog(join(dir, 'wide.csv'));
  for (const [run, log] of [[a, 'narrow'], [b, 'wide']]) {
    assert.match(run.stdout, new RegExp(`${log}\\.csv \\(delimited\\): ${narrow.rows} rows, ${narrow.users} users, 2000 items, 20 categories, ${narrow.rows} events`));
  }
  t.diagnostic(`${narrow.rows} rows: ${(narrow.bytes / MiB).toFixed(0)} MiB log -> peak RSS ${(a.rss / MiB).toFixed(1)} MiB (${a.seconds} s); ${(narrow.paddedBytes / MiB).toFixed(0)} MiB log -> ${(b.rss / MiB).toFixed(1)} MiB (${b.seconds} s)`);
  assert.ok(narrow.paddedBytes > narrow.bytes + 60 * MiB);
  assert.ok(Math.abs(b.rss - a.rss) < 8 * MiB, `the 80 MiB larger log peaked at ${b.rss - a.rss} more bytes`);
  assert.ok(a.rss < 64 * MiB, `peak RSS ${a.rss} for ${narrow.rows} rows`);
});

const largeMB = Number(process.env.TANDEM_LARGE_LOG_MB ?? 0);

test(`CLI: a ${largeMB || 1024} MiB Taobao-layout log runs in under 96 bytes a row + 64 MiB (set TANDEM_LARGE_LOG_MB to run)`, { skip: !(largeMB > 0 && hasTime) && 'set TANDEM_LARGE_LOG_MB=1024 (about two minutes)' }, (t) => {
  const dir = join(root, 'build/limits');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `large-${largeMB}.csv`);
  const meta = `${path}.json`;
  let log;
  if (existsSync(meta) && existsSync(path) && statSync(path).size === JSON.parse(readFileSync(meta, 'utf8')).bytes) {
    log = JSON.parse(readFileSync(meta, 'utf8'));
  } else {
    log = writeLog(path, largeMB * MiB);
    writeFileSync(meta, JSON.stringify(log));
  }
  const run = evalLog(path);
  assert.match(run.stdout, new RegExp(`\\(delimited\\): ${log.rows} rows, ${log.users} users, 2000 items, 20 categories, ${log.rows} events`));
  t.diagnostic(`${(log.bytes / MiB).toFixed(0)} MiB, ${log.rows} rows, ${log.users} users: peak RSS ${(run.rss / MiB).toFixed(0)} MiB (${(run.rss / log.rows).toFixed(1)} B a row), ${run.seconds} s`);
  assert.ok(run.rss < 96 * log.rows + 64 * MiB, `peak RSS ${run.rss} bytes for ${log.rows} rows`);
});
