// Bad input through the JS API (against the real wasm package) and the CLI: every case has one
// defined outcome, asserted here and listed in docs/reliability.md ("Bad input (JS API and CLI)").
// Wrong types throw a TypeError, wrong values an Error, both with a message that starts "tandem: "
// and says what; nothing aborts the wasm module, and a failed call changes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { Recommender, cli, doctorState, fixtureBytes, packageDir, profileFile, ranking, tempDir, warnings } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

const T0 = 1.7e12; // ms

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

async function open(options) {
  return Recommender.create({ modelBuffer: fixtureBytes(options) });
}

/** A session with a few events, and what it answers, to check that a failed call changed nothing. */
function snapshot(s) {
  return { counters: s.counters, recent: s.recentEvents(), profile: s.profile(), state: s.saveState(), ranked: ranking(s.rerank(['SKU-100001', 'SKU-100002', 'SKU-100042'])) };
}

function browsed(rec) {
  const s = rec.session();
  s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
  s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
  return s;
}

/** A 1 MiB string of distinct content (a flat string, not a rope over a shared one). */
function hugeId(tag) {
  const bytes = new Uint8Array(1 << 20).fill(0x61);
  bytes.set(new TextEncoder().encode(`huge-${tag}-`));
  return new TextDecoder().decode(bytes);
}

// ---------------------------------------------------------------- item ids

test('item ids: non-strings and the empty string throw TypeErrors naming the value; nothing is recorded', async () => {
  const rec = await open();
  const s = browsed(rec);
  const before = snapshot(s);
  for (const [item, shown] of [[42, '42'], ['', '""'], [null, 'null'], [undefined, 'undefined'], [{ id: 'SKU-100001' }, 'an object'],
    [['SKU-100001'], 'an array'], [new String('SKU-100001'), 'an object'], [Symbol('SKU'), 'Symbol(SKU)'], [7n, '7n (a BigInt)']]) {
    assert.throws(() => s.observe({ item, type: 'view', time: T0 + 30_000 }), { name: 'TypeError', message: `tandem: event.item must be a non-empty string, got ${shown}` });
  }
  assert.throws(() => s.rerank(['SKU-100001', 42]), { name: 'TypeError', message: 'tandem: rerank candidate 1 must be an item id or { item, price, discount }, got 42' });
  assert.throws(() => s.rerank(['SKU-100001', , 'SKU-100002']), { name: 'TypeError', message: 'tandem: rerank candidate 1 must be an item id or { item, price, discount }, got undefined' }); // eslint-disable-line no-sparse-arrays
  assert.throws(() => rec.hasItem(42), { name: 'TypeError', message: 'tandem: item ids are strings' });
  assert.throws(() => s.recommend({ exclude: ['SKU-100001', 5] }), { name: 'TypeError', message: 'tandem: excluded ids must be strings' });
  assert.deepEqual(snapshot(s), before);
  rec.close();
});

test('item ids: the empty string and look-alikes of catalog ids in rerank are unknown ids, ranked at the fallback score', async () => {
  const rec = await open();
  const s = browsed(rec);
  // Ids are compared byte for byte: no trimming, no case folding, no cut at an embedded NUL.
  const lookalikes = ['', ' SKU-100001', 'SKU-100001 ', 'sku-100001', 'SKU-100001\0', 'SKU-100001\0evil', 'ＳＫＵ-100001', 'SKU-1000010'];
  for (const id of lookalikes) assert.equal(rec.hasItem(id), false, JSON.stringify(id));
  assert.equal(rec.hasItem('SKU-100001'), true);
  const ranked = s.rerank(['SKU-100001', ...lookalikes, 'not-in-model']);
  const fallback = ranked.find((r) => r.item === 'not-in-model').score;
  for (const id of lookalikes) assert.equal(ranked.find((r) => r.item === id).score, fallback, JSON.stringify(id));
  assert.notEqual(ranked.find((r) => r.item === 'SKU-100001').score, fallback);
  for (const id of lookalikes.filter((x) => x !== '')) s.observe({ item: id, time: T0 + 60_000 });
  assert.deepEqual(s.counters, { events: 2, unknownItems: lookalikes.length - 1, sessions: 1 });
  rec.close();
});

test('item ids: 1 MiB ids are unknown ids in observe and rerank, and the SDK does not keep them', async () => {
  const rec = await open();
  const s = browsed(rec);
  const huge = hugeId('x');
  s.observe({ item: huge, type: 'view', time: T0 + 30_000 });
  assert.deepEqual(s.counters, { events: 2, unknownItems: 1, sessions: 1 });
  assert.equal(rec.hasItem(huge), false);
  const ranked = s.rerank([huge, 'SKU-100001', 'not-in-model']);
  assert.equal(ranked.length, 3);
  const byId = new Map(ranked.map((r) => [r.item, r.score]));
  assert.equal(byId.get(huge), byId.get('not-in-model'), 'scored as the fallback item');
  assert.equal(ranked.find((r) => r.item.length === huge.length).item, huge, 'returned as given');

  // 64 distinct 1 MiB unknown ids: the id cache keeps catalog ids only, so the JS heap does not
  // grow by 64 MiB (it did before the cache left unknown ids out), and the wasm heap stays put.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const wasmBefore = rec._module.HEAPU8.length;
  for (let i = 0; i < 64; i++) s.observe({ item: hugeId(i), type: 'view', time: T0 + 40_000 + i });
  s.rerank([hugeId('last'), 'SKU-100001']);
  gc();
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 16 * 2 ** 20, `the JS heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB after 64 distinct 1 MiB ids`);
  assert.equal(rec._module.HEAPU8.length, wasmBefore, 'the wasm heap did not grow');
  assert.deepEqual(s.counters, { events: 2, unknownItems: 65, sessions: 1 });
  rec.close();
});

// ---------------------------------------------------------------- timestamps

test('timestamps: NaN, ±Infinity and non-numbers throw a TypeError; the session is unchanged', async () => {
  const rec = await open();
  const s = browsed(rec);
  const before = snapshot(s);
  for (const [time, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], ['1700000000000', '"1700000000000"'],
    [new Date(T0), 'an object'], [null, 'null'], [1700000000000n, '1700000000000n (a BigInt)'], [true, 'true']]) {
    assert.throws(() => s.observe({ item: 'SKU-100001', type: 'view', time }), {
      name: 'TypeError',
      message: `tandem: event.time must be a finite number of milliseconds, got ${shown}`,
    });
  }
  assert.deepEqual(snapshot(s), before);
  rec.close();
});

test('timestamps: negative, far-future and out-of-order times within a Date\'s range are accepted as given', async () => {
  const rec = await open();
  const s = rec.session();
  // A negative time (before 1970) starts the first short-term session.
  s.observe({ item: 'SKU-100001', type: 'view', time: -5000 });
  assert.deepEqual(s.counters, { events: 1, unknownItems: 0, sessions: 1 });
  // The latest Date (+275760): a gap beyond the 30-minute timeout, so a new short-term session.
  s.observe({ item: 'SKU-100002', type: 'view', time: 8.64e15 });
  assert.deepEqual(s.counters, { events: 2, unknownItems: 0, sessions: 2 });
  // Back to the present: an event older than the last one continues the session (the gap counts as 0).
  s.observe({ item: 'SKU-100003', type: 'click', time: T0 });
  assert.deepEqual(s.counters, { events: 3, unknownItems: 0, sessions: 2 });
  // The earliest Date (-271821): an event older than the last one, in the same session.
  s.observe({ item: 'SKU-100004', type: 'view', time: -8.64e15 });
  assert.deepEqual(s.counters, { events: 4, unknownItems: 0, sessions: 2 });
  // The window keeps arrival order and the times as given (kept in seconds: integer milliseconds come back exactly).
  assert.deepEqual(s.recentEvents().map((e) => e.time), [-5000, 8.64e15, T0, -8.64e15]);
  const ranked = s.rerank(['SKU-100001', 'SKU-100004', 'SKU-100200'], { time: 8.64e15 });
  assert.ok(ranked.every((r) => Number.isFinite(r.score) && Number.isFinite(r.longTerm)), JSON.stringify(ranked));
  // Such a state saves and restores like any other.
  const t = rec.session();
  t.restoreState(s.saveState());
  assert.deepEqual(t.recentEvents(), s.recentEvents());
  assert.deepEqual(ranking(t.rerank(['SKU-100001', 'SKU-100004', 'SKU-100200'])), ranking(s.rerank(['SKU-100001', 'SKU-100004', 'SKU-100200'])));
  rec.close();
});

test('timestamps beyond a Date\'s range throw a RangeError in milliseconds from every method that takes a time, before anything changes', async () => {
  const rec = await open();
  const s = browsed(rec);
  const before = snapshot(s);
  for (const time of [8.64e15 + 1, -8.64e15 - 1, 1e20, Number.MAX_VALUE, -Number.MAX_VALUE]) {
    const calls = [
      ['event.time', () => s.observe({ item: 'SKU-100001', type: 'view', time })],
      ['time', () => s.resume(time)],
      ['time', () => s.rerank(['SKU-100001'], { time })],
      ['time', () => s.recommend({ time })],
    ];
    for (const [name, call] of calls) {
      assert.throws(call, { name: 'RangeError', message: `tandem: ${name} must lie within ±8.64e15 ms (the range of a Date), got ${time}` });
    }
  }
  assert.deepEqual(snapshot(s), before);
  rec.close();
});

// ---------------------------------------------------------------- event types

test('event types: unknown names, other cases and non-strings throw a TypeError listing the model\'s types; undefined is the first type', async () => {
  const rec = await open();
  const s = browsed(rec);
  const before = snapshot(s);
  for (const [type, shown] of [['wishlist', '"wishlist"'], ['View', '"View"'], ['', '""'], ['pv', '"pv"'], [null, 'null'], [0, '0'], [{}, 'an object']]) {
    assert.throws(() => s.observe({ item: 'SKU-100001', type, time: T0 + 30_000 }), {
      name: 'TypeError',
      message: `tandem: unknown event type ${shown}; this model knows view, click, cart, purchase`,
    });
  }
  assert.deepEqual(snapshot(s), before);
  s.observe({ item: 'SKU-100001', time: T0 + 30_000 });
  assert.equal(s.recentEvents().at(-1).type, 'view');
  rec.close();
});

// ---------------------------------------------------------------- candidate lists

test('rerank: 10^6 candidates come back complete, sorted, each with its own score, the best first', async () => {
  const rec = await open({ items: 5000, dim: 32, seed: 5 });
  const s = rec.session();
  s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
  s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
  const catalog = Array.from({ length: 5000 }, (_, i) => `SKU-${100000 + i}`);
  const own = new Map(s.rerank(catalog).map((r) => [r.item, r.score]));
  // 200 copies of the catalog, in a seeded shuffle.
  const candidates = [];
  for (let c = 0; c < 200; c++) candidates.push(...catalog);
  let seed = 7;
  for (let i = candidates.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  assert.equal(candidates.length, 1_000_000);
  const ranked = s.rerank(candidates);
  assert.equal(ranked.length, 1_000_000);
  const copies = new Map();
  for (let i = 0; i < ranked.length; i++) {
    const r = ranked[i];
    if (i > 0) assert.ok(ranked[i - 1].score >= r.score, `sorted at ${i}`);
    assert.equal(r.score, own.get(r.item), `${r.item} at ${i} scores as in the catalog-sized list`);
    copies.set(r.item, (copies.get(r.item) ?? 0) + 1);
  }
  assert.equal(copies.size, 5000);
  assert.ok([...copies.values()].every((n) => n === 200), 'every candidate exactly as often as given');
  // The top: the catalog's best item, 200 times, then the second best (they do not tie).
  const best = s.recommend({ k: 2, exclude: 'none' }).map((r) => r.item);
  assert.ok(own.get(best[0]) > own.get(best[1]));
  assert.deepEqual(ranked.slice(0, 201).map((r) => r.item), [...Array(200).fill(best[0]), best[1]]);
  assert.deepEqual(ranking(s.rerank(candidates, { top: 10 })), ranking(ranked.slice(0, 10)));
  rec.close();
});

test('rerank: duplicate candidates are all kept, next to each other, with equal scores; ties keep input order', async () => {
  const rec = await open();
  const s = browsed(rec);
  const candidates = ['SKU-100003', 'unknown-a', 'SKU-100007', 'SKU-100003', 'unknown-b', 'SKU-100007', 'SKU-100003', 'unknown-a'];
  const ranked = s.rerank(candidates);
  assert.equal(ranked.length, candidates.length);
  assert.deepEqual(ranked.map((r) => r.item).sort(), [...candidates].sort());
  const single = new Map(s.rerank(['SKU-100003', 'SKU-100007', 'unknown-a']).map((r) => [r.item, r.score]));
  for (const r of ranked) assert.equal(r.score, single.get(r.item) ?? single.get('unknown-a'));
  for (const id of ['SKU-100003', 'SKU-100007']) {
    const at = ranked.flatMap((r, i) => (r.item === id ? [i] : []));
    assert.equal(at.at(-1) - at[0], at.length - 1, `${id}: adjacent at ${at}`);
  }
  // The unknown ids all tie at the fallback score: they come out in the order given.
  assert.deepEqual(ranked.filter((r) => r.item.startsWith('unknown')).map((r) => r.item), ['unknown-a', 'unknown-b', 'unknown-a']);
  rec.close();
});

// ---------------------------------------------------------------- profiles

test('profiles: a wrong length, NaN, Infinity or a wrong type throws, and the session keeps its profile and ranking', async () => {
  const rec = await open();
  const s = browsed(rec);
  const good = Float32Array.from({ length: rec.profileLength }, (_, i) => Math.cos(i));
  s.setProfile(good);
  const before = snapshot(s);
  const withValue = (i, v) => Object.assign(good.slice(), { [i]: v });
  const cases = [
    [new Float32Array(16), Error, 'tandem: profile has 16 values, this model expects 17 (dim 16 + 1)'],
    [new Float32Array(18), Error, 'tandem: profile has 18 values, this model expects 17 (dim 16 + 1)'],
    [new Float32Array(0), Error, 'tandem: profile has 0 values, this model expects 17 (dim 16 + 1)'],
    [withValue(3, NaN), Error, 'tandem: profile value 3 is not a finite number'],
    [withValue(0, -Infinity), Error, 'tandem: profile value 0 is not a finite number'],
    [withValue(16, Infinity), Error, 'tandem: profile value 16 (log mass) must be finite or -Infinity'],
    [withValue(16, NaN), Error, 'tandem: profile value 16 (log mass) must be finite or -Infinity'],
    [new Uint8Array(40), Error, 'tandem: profile: bad magic bytes, not a tandem profile'],
    [new Float64Array(17), TypeError, "tandem: profile must be a Float32Array of 17 values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got a Float64Array"],
    [Array.from(good), TypeError, "tandem: profile must be a Float32Array of 17 values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got an array"],
    [undefined, TypeError, "tandem: profile must be a Float32Array of 17 values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got undefined"],
    [17, TypeError, "tandem: profile must be a Float32Array of 17 values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got 17"],
  ];
  for (const [profile, type, message] of cases) {
    assert.throws(() => s.setProfile(profile), (e) => e.constructor === type && e.message === message, message);
    assert.deepEqual(snapshot(s), before, `unchanged after: ${message}`);
    // The same profile as a session option (where undefined means none): the constructor throws.
    if (profile !== undefined) assert.throws(() => rec.session({ profile }), { message });
  }
  // A -Infinity log mass is the empty history: accepted.
  s.setProfile(withValue(16, -Infinity));
  assert.equal(s.profile()[16], -Infinity);
  // A string is a URL: a bad one rejects (asynchronously) and changes nothing either.
  s.setProfile(good);
  await assert.rejects(s.setProfile('no such scheme://x'), { message: /^tandem: cannot fetch the profile at no such scheme:\/\/x: / });
  assert.deepEqual(snapshot(s), before);
  rec.close();
});

// ---------------------------------------------------------------- closed objects

test('after close(), every call on the session and the Recommender throws a clear Error', async () => {
  const rec = await open();
  const closed = browsed(rec);
  closed.close();
  closed.close(); // closing twice is harmless
  const calls = {
    observe: (s) => s.observe({ item: 'SKU-100001', type: 'view', time: T0 }),
    rerank: (s) => s.rerank(['SKU-100001']),
    recommend: (s) => s.recommend(),
    setProfile: (s) => s.setProfile(null),
    setProfileUrl: (s) => s.setProfile('http://127.0.0.1:9/p.profile'),
    profile: (s) => s.profile(),
    foldSession: (s) => s.foldSession(),
    gate: (s) => s.gate,
    counters: (s) => s.counters,
    recentEvents: (s) => s.recentEvents(),
    reset: (s) => s.reset(),
    forget: (s) => s.forget(), // throws at once, not a rejected promise
    saveState: (s) => s.saveState(),
    restoreState: (s) => s.restoreState(new Uint8Array(8)),
  };
  for (const [name, call] of Object.entries(calls)) {
    assert.throws(() => call(closed), { name: 'Error', message: 'tandem: this session is closed' }, name);
  }
  // Closing the Recommender closes its sessions, persisted or not.
  const storage = memoryStorage();
  const open1 = browsed(rec), open2 = rec.session({ persist: storage });
  open2.observe({ item: 'SKU-100004', time: T0 });
  rec.close();
  for (const s of [open1, open2]) {
    for (const [name, call] of Object.entries(calls)) assert.throws(() => call(s), { message: 'tandem: this session is closed' }, name);
  }
  assert.throws(() => rec.session(), { name: 'Error', message: 'tandem: this Recommender is closed' });
  assert.throws(() => rec.hasItem('SKU-100001'), { message: 'tandem: this Recommender is closed' });
  assert.throws(() => rec.autoTrack({}, {}), { message: 'tandem: this Recommender is closed' });
  rec.close();
  // What was read from the model stays readable; the saved state stays for the next page load.
  assert.equal(rec.itemCount, 300);
  assert.equal(rec.eventTypeFor('cart'), 'cart');
  assert.equal(typeof storage.getItem('tandem-session'), 'string');
});

// ---------------------------------------------------------------- model and wasm downloads

/** Serves the given routes (path -> (req, res) => void) on 127.0.0.1 for the duration of fn(base). */
async function serving(routes, fn) {
  const server = createServer((req, res) => {
    const route = routes[req.url];
    if (route) return route(req, res);
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('model URLs that answer with HTML, 404, 500, an empty body, a short file or a broken-off download reject naming the problem', async () => {
  const model = fixtureBytes();
  const wasm = readFileSync(join(packageDir, 'tandem.wasm'));
  const ok = (body, type = 'application/octet-stream') => (req, res) => {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  };
  const routes = {
    '/m.tandem': ok(model),
    '/shop.html': ok(Buffer.from('<!doctype html><title>Shop</title><p>Welcome'), 'text/html'),
    '/empty.tandem': ok(Buffer.alloc(0)),
    '/short.tandem': ok(model.subarray(0, model.length - 100)),
    '/error.tandem': (req, res) => {
      res.writeHead(500);
      res.end('Internal Server Error');
    },
    // Announces the whole file, sends 1000 bytes, then the connection drops.
    '/cut.tandem': (req, res) => {
      res.writeHead(200, { 'content-length': model.length });
      res.write(model.subarray(0, 1000));
      setTimeout(() => res.destroy(), 20);
    },
    '/t.wasm': ok(wasm, 'application/wasm'),
    '/html.wasm': ok(Buffer.from('<!doctype html><title>Not found</title>'), 'text/html'),
  };
  await serving(routes, async (base) => {
    const rejects = (source, message, options) =>
      assert.rejects(Recommender.create(source, options), (e) => {
        assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), `a tandem Error, not ${e}`);
        if (message instanceof RegExp) assert.match(e.message, message);
        else assert.equal(e.message, message);
        return true;
      });
    await rejects({ modelUrl: `${base}/shop.html` }, /^tandem: not a tandem model file: bad magic bytes at offset 0 \(found 3c 21 64 6f 63 74 79 70/);
    await rejects({ modelUrl: `${base}/missing.tandem` }, `tandem: cannot fetch the model at ${base}/missing.tandem: HTTP 404`);
    await rejects({ modelUrl: `${base}/error.tandem` }, `tandem: cannot fetch the model at ${base}/error.tandem: HTTP 500`);
    await rejects({ modelUrl: `${base}/empty.tandem` }, 'tandem: model file is empty (0 bytes)');
    await rejects({ modelUrl: `${base}/short.tandem` }, new RegExp(`^tandem: model file is truncated: ${model.length - 100} bytes, the header describes ${model.length} `));
    await rejects({ modelUrl: `${base}/cut.tandem` }, `tandem: cannot fetch the model at ${base}/cut.tandem: the download failed part-way (terminated: other side closed)`);
    // The same with progress reporting (the body goes through a counting stream).
    await rejects({ modelUrl: `${base}/cut.tandem` }, /^tandem: cannot fetch the model at .*\/cut\.tandem: the download failed part-way \(terminated/, { onProgress() {} });
    // The wasm module: missing, or not wasm.
    await rejects({ modelUrl: `${base}/m.tandem` }, `tandem: cannot fetch the tandem wasm module at ${base}/nope.wasm: HTTP 404`, { wasmUrl: `${base}/nope.wasm` });
    await rejects({ modelUrl: `${base}/m.tandem` }, /^tandem: cannot instantiate http:\/\/127\.0\.0\.1:\d+\/html\.wasm: .*magic word/, { wasmUrl: `${base}/html.wasm` });
    await rejects({ modelBuffer: model }, /^tandem: cannot instantiate the tandem wasm module from wasmBinary: CompileError: .*expected magic word 00 61 73 6d/, { wasmBinary: new Uint8Array(64) });
    // And after all that, the same server loads.
    const rec = await Recommender.create({ modelUrl: `${base}/m.tandem` }, { wasmUrl: `${base}/t.wasm` });
    assert.equal(rec.itemCount, 300);
    rec.close();
  });
});

// ---------------------------------------------------------------- wrong types

test('wrong types from JavaScript throw TypeErrors with tandem messages, before anything changes', async () => {
  const model = fixtureBytes();
  const creates = [
    [undefined, undefined, 'tandem: Recommender.create needs { modelUrl } or { modelBuffer }'],
    ['https://shop/m.tandem', undefined, 'tandem: Recommender.create needs { modelUrl } or { modelBuffer }'],
    [{}, undefined, 'tandem: give exactly one of modelUrl and modelBuffer'],
    [{ modelUrl: 42 }, undefined, 'tandem: modelUrl must be a string or a URL, got 42'],
    [{ modelUrl: { href: 'x' } }, undefined, 'tandem: modelUrl must be a string or a URL, got an object'],
    [{ modelBuffer: [1, 2, 3] }, undefined, 'tandem: modelBuffer must be an ArrayBuffer or a typed array'],
    [{ modelBuffer: 'bytes' }, undefined, 'tandem: modelBuffer must be an ArrayBuffer or a typed array'],
    [{ modelBuffer: model }, 'fast', 'tandem: options must be an object'],
    [{ modelBuffer: model }, { onProgress: 'yes' }, 'tandem: onProgress must be a function'],
    [{ modelBuffer: model }, { wasmUrl: 'a', wasmBinary: new Uint8Array(1) }, 'tandem: give at most one of wasmUrl, wasmPath and wasmBinary (got wasmUrl and wasmBinary)'],
    [{ modelBuffer: model }, { wasmPath: 'https://cdn.example/tandem/', wasmUrl: 'a' }, 'tandem: give at most one of wasmUrl, wasmPath and wasmBinary (got wasmUrl and wasmPath)'],
    [{ modelBuffer: model }, { wasmPath: 7 }, 'tandem: wasmPath must be a string or a URL, got 7'],
  ];
  for (const [source, options, message] of creates) {
    await assert.rejects(Recommender.create(source, options), { name: 'TypeError', message }, message);
  }

  const rec = await Recommender.create({ modelBuffer: model });
  const s = browsed(rec);
  const before = snapshot(s);
  const storage = memoryStorage();
  const calls = [
    [() => rec.session('shopper-1'), 'tandem: session options must be an object'],
    [() => rec.session(null), 'tandem: session options must be an object'],
    [() => rec.session({ persist: 'cookies' }), "tandem: persist must be 'localStorage', 'indexedDB', 'afterConsent' or an object with getItem, setItem and removeItem"],
    [() => rec.session({ persist: { getItem() {} } }), "tandem: persist must be 'localStorage', 'indexedDB', 'afterConsent' or an object with getItem, setItem and removeItem"],
    [() => rec.session({ persist: storage, storageKey: 7 }), 'tandem: storageKey must be a non-empty string'],
    [() => rec.session({ persist: storage, storageKey: '' }), 'tandem: storageKey must be a non-empty string'],
    [() => s.observe('SKU-100001'), 'tandem: observe needs an event object { item, type, time }'],
    [() => s.observe(), 'tandem: observe needs an event object { item, type, time }'],
    [() => s.rerank('SKU-100001'), 'tandem: rerank needs an array of item ids (or { item, price, discount } objects)'],
    [() => s.rerank({ 0: 'SKU-100001', length: 1 }), 'tandem: rerank needs an array of item ids (or { item, price, discount } objects)'],
    [() => s.rerank(new Set(['SKU-100001'])), 'tandem: rerank needs an array of item ids (or { item, price, discount } objects)'],
    [() => s.rerank(['SKU-100001'], null), 'tandem: rerank options must be an object, got null'],
    [() => s.rerank(['SKU-100001'], 3), 'tandem: rerank options must be an object, got 3'],
    [() => s.rerank(['SKU-100001'], { top: '3' }), 'tandem: top must be a non-negative integer, got "3"'],
    [() => s.rerank(['SKU-100001'], { top: -1 }), 'tandem: top must be a non-negative integer, got -1'],
    [() => s.rerank(['SKU-100001'], { top: 1.5 }), 'tandem: top must be a non-negative integer, got 1.5'],
    [() => s.rerank(['SKU-100001'], { top: Infinity }), 'tandem: top must be a non-negative integer, got Infinity'],
    [() => s.recommend(null), 'tandem: recommend options must be an object, got null'],
    [() => s.recommend(10), 'tandem: recommend options must be an object, got 10'],
    [() => s.recommend({ k: '10' }), 'tandem: k must be a non-negative integer, got "10"'],
    [() => s.recommend({ k: NaN }), 'tandem: k must be a non-negative integer, got NaN'],
    [() => s.recommend({ exclude: { seen: true } }), "tandem: exclude must be 'none', 'purchased', 'seen' or an array of ids, got an object"],
    [() => s.recommend({ exclude: 'toString' }), `tandem: exclude must be 'none', 'purchased', 'seen' or an array of ids, got "toString"`],
    [() => s.restoreState('c3RhdGU='), 'tandem: state must be an ArrayBuffer or a typed array'],
    [() => s.restoreState([1, 2, 3]), 'tandem: state must be an ArrayBuffer or a typed array'],
    [() => rec.autoTrack('#grid', { session: s }), 'tandem: autoTrack needs a DOM element to watch'],
  ];
  for (const [call, message] of calls) assert.throws(call, { name: 'TypeError', message }, message);
  assert.deepEqual(snapshot(s), before, 'the session is as it was');
  // Large but valid counts are clamped, not errors.
  assert.equal(s.recommend({ k: 2 ** 40, exclude: 'none' }).length, 300);
  assert.equal(s.rerank(['SKU-100001'], { top: 2 ** 40 }).length, 1);
  rec.close();
});

// ---------------------------------------------------------------- a failed call changes nothing

const LATER = T0 + 2 * 3600_000; // two hours after browsed()'s events: past the 30-minute session timeout

test('a rerank or recommend asked for at a later time that fails on another argument has not ended the visit', async () => {
  const rec = await open();
  const storage = memoryStorage();
  const reference = browsed(rec); // never makes the failing call
  const calls = [
    [(s) => s.rerank(['SKU-100001'], { time: LATER, top: -1 }), 'tandem: top must be a non-negative integer, got -1'],
    [(s) => s.rerank(['SKU-100001', 7], { time: LATER }), 'tandem: rerank candidate 1 must be an item id or { item, price, discount }, got 7'],
    [(s) => s.recommend({ time: LATER, k: 1.5 }), 'tandem: k must be a non-negative integer, got 1.5'],
    [(s) => s.recommend({ time: LATER, exclude: 'bought' }), `tandem: exclude must be 'none', 'purchased', 'seen' or an array of ids, got "bought"`],
    [(s) => s.recommend({ time: LATER, exclude: ['SKU-100001', null] }), 'tandem: excluded ids must be strings'],
  ];
  for (const [call, message] of calls) {
    const s = rec.session({ persist: storage, storageKey: message });
    s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
    s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
    const saved = storage.data.get(message);
    assert.throws(() => call(s), { name: 'TypeError', message });
    assert.deepEqual(snapshot(s), snapshot(reference), `the session is as if never called: ${message}`);
    assert.equal(storage.data.get(message), saved, `the saved state is the same: ${message}`);
  }
  // The same calls without the bad argument do end the visit: what the failed ones must not do.
  const s = browsed(rec);
  s.rerank(['SKU-100001'], { time: LATER });
  assert.notDeepEqual(snapshot(s), snapshot(reference));
  rec.close();
});

test('a session whose profile is refused changes nothing: the saved state is neither restored nor discarded, nothing is warned', async () => {
  const rec = await open();
  const original = browsed(rec);
  const storage = memoryStorage({ initial: [['good', Buffer.from(original.saveState()).toString('base64')], ['corrupt', 'bm90IGEgc3RhdGU=']] });
  const sessions = rec._sessions.size;
  const bad = new Float32Array(3);
  const message = 'tandem: profile has 3 values, this model expects 17 (dim 16 + 1)';
  const messages = await warnings(() => {
    // Before, a restored state made the session ignore its (bad) profile, and a corrupt one was
    // discarded (with a warning) before the profile was refused.
    assert.throws(() => rec.session({ persist: storage, storageKey: 'good', profile: bad }), { message });
    assert.throws(() => rec.session({ persist: storage, storageKey: 'corrupt', profile: bad }), { message });
    assert.throws(() => rec.session({ persist: 'localStorage', profile: bad }), { message }); // none in Node: no warning either
  });
  assert.deepEqual(messages, []);
  assert.deepEqual(storage.calls, [], 'the storage was not touched');
  assert.equal(rec._sessions.size, sessions);
  const restored = rec.session({ persist: storage, storageKey: 'good' });
  assert.deepEqual(snapshot(restored), snapshot(original));
  rec.close();
});

test('a wasm allocation that fails throws a tandem Error, changes nothing, and later calls allocate again (nothing written at address 0)', async () => {
  const rec = await open();
  const s = browsed(rec);
  const reference = browsed(rec);
  const module = rec._module;
  const malloc = module._malloc;
  module._malloc = (size) => (size > 1 << 20 ? 0 : malloc(size));
  try {
    const many = Array.from({ length: 70_000 }, (_, i) => `SKU-${100000 + (i % 300)}`);  // 16 bytes a candidate: past the 1 MiB this malloc refuses
    assert.throws(() => s.rerank(many, { time: LATER }), { name: 'Error', message: /^tandem: out of wasm memory \(asked for \d+ bytes\)$/ });
    const low = module.HEAPU8.slice(0, 1024);
    assert.deepEqual(snapshot(s), snapshot(reference));
    assert.deepEqual(module.HEAPU8.slice(0, 1024), low, 'the next calls did not use a null block');
  } finally {
    module._malloc = malloc;
  }
  rec.close();
});

// ---------------------------------------------------------------- every error says tandem

/** Detaches the buffer of `data` (an ArrayBuffer or a view) as transferring it to a worker does; returns `data`. */
function detach(data) {
  const buffer = ArrayBuffer.isView(data) ? data.buffer : data;
  structuredClone(buffer, { transfer: [buffer] });
  return data;
}

test('detached ArrayBuffers (transferred to a worker or by structuredClone) throw tandem TypeErrors and change nothing', async () => {
  const model = fixtureBytes();
  const detachedError = (what, view) => ({
    name: 'TypeError',
    message: `tandem: ${what} is ${view ? `a ${view} over a detached ArrayBuffer` : 'a detached ArrayBuffer'} (its bytes were transferred elsewhere)`,
  });
  await assert.rejects(Recommender.create({ modelBuffer: detach(model.slice().buffer) }), detachedError('modelBuffer'));
  await assert.rejects(Recommender.create({ modelBuffer: detach(model.slice()) }), detachedError('modelBuffer', 'Uint8Array'));
  // Transferred while the wasm module is instantiated: refused when used.
  const moving = model.slice();
  const creating = Recommender.create({ modelBuffer: moving });
  detach(moving);
  await assert.rejects(creating, detachedError('modelBuffer', 'Uint8Array'));
  const wasm = new Uint8Array(readFileSync(join(packageDir, 'tandem.wasm')));
  await assert.rejects(Recommender.create({ modelBuffer: model }, { wasmBinary: detach(wasm) }), detachedError('wasmBinary', 'Uint8Array'));

  const rec = await open();
  const s = browsed(rec);
  const before = snapshot(s);
  const sessions = rec._sessions.size;
  const vector = () => new Float32Array(rec.profileLength);
  const file = () => profileFile(rec, vector());
  const cases = [
    [() => s.setProfile(detach(vector())), detachedError('profile', 'Float32Array')],
    [() => s.setProfile(detach(file())), detachedError('profile', 'Uint8Array')],
    [() => s.setProfile(detach(file().buffer)), detachedError('profile')],
    [() => rec.session({ profile: detach(vector()) }), detachedError('profile', 'Float32Array')],
    [() => s.restoreState(detach(s.saveState())), detachedError('state', 'Uint8Array')],
    [() => s.restoreState(detach(s.saveState().buffer)), detachedError('state')],
    [() => s.restoreState(detach(new DataView(new ArrayBuffer(8)))), detachedError('state', 'DataView')],
  ];
  if (typeof ArrayBuffer.prototype.transfer === 'function') {
    cases.push([() => { const v = vector(); v.buffer.transfer(); return s.setProfile(v); }, detachedError('profile', 'Float32Array')]);
  }
  for (const [call, error] of cases) {
    assert.throws(call, error, error.message);
    assert.deepEqual(snapshot(s), before, `unchanged after: ${error.message}`);
  }
  assert.equal(rec._sessions.size, sessions);
  // A buffer of 0 bytes that is not detached is still the engine's to judge.
  assert.throws(() => s.restoreState(new ArrayBuffer(0)), { name: 'Error', message: 'tandem: session state: truncated (0 bytes)' });
  rec.close();
});

test('a wasmUrl that is not a URL (a relative one outside a page, a number) throws a tandem TypeError before any download', async () => {
  const model = fixtureBytes();
  await assert.rejects(Recommender.create({ modelBuffer: model }, { wasmUrl: 'tandem.wasm' }), {
    name: 'TypeError',
    message: 'tandem: wasmUrl "tandem.wasm" is not a valid URL (without a page, a URL must be absolute)',
  });
  await assert.rejects(Recommender.create({ modelBuffer: model }, { wasmUrl: 'http://[shop' }), {
    name: 'TypeError',
    message: 'tandem: wasmUrl "http://[shop" is not a valid URL (without a page, a URL must be absolute)',
  });
  await assert.rejects(Recommender.create({ modelBuffer: model }, { wasmUrl: 42 }), { name: 'TypeError', message: 'tandem: wasmUrl must be a string or a URL, got 42' });
  // Nothing is fetched for a call that fails: the model URL (a server nobody listens on) is not asked for.
  let asked = 0;
  await serving({ '/m.tandem': () => asked++ }, async (base) => {
    await assert.rejects(Recommender.create({ modelUrl: `${base}/m.tandem` }, { wasmUrl: 'tandem.wasm' }), { message: /^tandem: wasmUrl "tandem.wasm" is not a valid URL/ });
    await assert.rejects(Recommender.create({ modelUrl: `${base}/m.tandem` }, { wasmBinary: detach(new Uint8Array(8)) }), { message: /^tandem: wasmBinary is a Uint8Array over a detached ArrayBuffer/ });
  });
  assert.equal(asked, 0);
});

// ---------------------------------------------------------------- values the model cannot produce

/** A profile the engine accepts: a browsed session's, folded. */
function foldedProfile(rec) {
  const s = browsed(rec);
  s.foldSession();
  const profile = s.profile();
  s.close(); // (left open, it would leave the Recommender's set whenever it is collected)
  return profile;
}

/** Float indices in a saved state's vectors (see doctorState): h[0], c[0], the profile's pooled[3]. */
const stateFloats = (dim) => ({ 'h[0]': 0, 'c[0]': dim, 'pooled[3]': 2 * dim + 3 });

const OUT_OF_RANGE = /^tandem: (profile|session state: ).*out of range/;

test('a profile or saved state with finite values the model cannot produce (3e38) throws a tandem Error and changes nothing', async (t) => {
  const rec = await open();
  const s = browsed(rec);
  const good = foldedProfile(rec);
  s.setProfile(good);
  const before = snapshot(s);
  const state = s.saveState();
  // The surgery is sound: an in-range change to h restores and changes the ranking.
  const probe = rec.session();
  probe.restoreState(doctorState(state, 0, 0.5));
  assert.notDeepEqual(ranking(probe.rerank(['SKU-100001', 'SKU-100002'])), before.ranked);
  probe.close();

  const huge = Object.assign(good.slice(), { 3: 3e38 });
  const dir = tempDir(t, 'tandem-huge-profile-');
  const hugeFile = join(dir, 'huge.profile');
  writeFileSync(hugeFile, profileFile(rec, huge));
  const sessions = rec._sessions.size;
  const calls = [
    ['setProfile(vector)', () => s.setProfile(huge)],
    ['setProfile(file)', () => s.setProfile(profileFile(rec, huge))],
    ['session({ profile })', () => rec.session({ profile: huge })],
    ['session({ profile: file })', () => rec.session({ profile: profileFile(rec, huge) })],
    ...Object.entries(stateFloats(rec.dim)).map(([what, index]) => [`restoreState(${what} = 3e38)`, () => s.restoreState(doctorState(state, index, 3e38))]),
  ];
  for (const [what, call] of calls) {
    assert.throws(call, (e) => e.constructor === Error && OUT_OF_RANGE.test(e.message), what);
    assert.deepEqual(snapshot(s), before, `unchanged after ${what}`);
  }
  await assert.rejects(s.setProfile(pathToFileURL(hugeFile)), { message: OUT_OF_RANGE });
  assert.deepEqual(snapshot(s), before, 'unchanged after a profile URL');
  assert.equal(rec._sessions.size, sessions, 'no session was left behind');
  rec.close();
});

test('a saved state with values the model cannot produce is discarded from storage with one warning, the session starts fresh, and it is not saved again', async () => {
  const rec = await open();
  const profile = foldedProfile(rec);
  const original = browsed(rec);
  original.setProfile(profile);
  const fresh = rec.session({ profile });
  for (const async of [false, true]) {
    for (const [what, index] of Object.entries(stateFloats(rec.dim))) {
      const label = `${what} = 3e38 in ${async ? 'an asynchronous' : 'a synchronous'} storage`;
      const bad = Buffer.from(doctorState(original.saveState(), index, 3e38)).toString('base64');
      const storage = memoryStorage({ async, initial: [['tandem-session', bad]] });
      let s;
      const messages = await warnings(async () => {
        s = rec.session({ persist: storage, profile });
        await s.ready;
      });
      assert.equal(messages.length, 1, `${label}: ${messages}`);
      assert.match(messages[0], /^tandem: discarding the saved session state \(.*out of range.*\); starting a fresh session$/, label);
      assert.deepEqual(snapshot(s), snapshot(fresh), `${label}: a fresh session with the profile option`);
      assert.ok(s.rerank(['SKU-100001', 'SKU-100002']).every((r) => Number.isFinite(r.score) && Number.isFinite(r.gate)), label);
      s.observe({ item: 'SKU-100003', time: T0 });
      await new Promise((resolve) => setImmediate(resolve));
      const text = storage.data.get('tandem-session');
      assert.ok(text !== undefined && text !== bad, `${label}: the fresh state replaced the bad one`);
      const next = rec.session({ persist: storage });
      await next.ready;
      assert.deepEqual(next.counters, { events: 1, unknownItems: 0, sessions: 1 }, label);
    }
  }
  rec.close();
});

// ---------------------------------------------------------------- the CLI's log reader

// 12 shoppers over 30 items (as in cli.test.mjs, smaller): rows of the Taobao UserBehavior layout.
function taobaoRows() {
  const rows = [];
  for (let u = 0; u < 12; u++) {
    let t = 1_700_000_000 + u * 10_000;
    for (let k = 0; k < 10; k++) {
      const item = (u * 5 + k * 7) % 30;
      rows.push([String(u), `SKU-${item}`, `cat-${item % 3}`, k % 6 === 5 ? 'cart' : 'pv', String((t += 60))]);
    }
  }
  return rows;
}

const csv = (rows, eol = '\n') => rows.map((r) => r.join(',')).join(eol) + eol;

function train(dir, name, text, ...extra) {
  const log = join(dir, name);
  writeFileSync(log, text);
  const r = spawnSync(cli, ['train', '--data', log, '--format', 'taobao', '--out', join(dir, `${name}.tandem`), '--dim', '8', '--epochs', '1', '--quiet', ...extra], { encoding: 'utf8' });
  r.fingerprint = /fingerprint ([0-9a-f]{16})/.exec(r.stdout)?.[1];
  r.log = log;
  return r;
}

test('CLI: an empty log, a log of blank lines and a log of only malformed rows fail with exit code 1 and say so', (t) => {
  const dir = tempDir(t, 'tandem-bad-log-');
  let r = train(dir, 'empty.csv', '');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tandem: ${r.log} is empty\n`);
  r = train(dir, 'blank.csv', '\n  \n\t\r\n');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tandem: ${r.log} is empty\n`);
  r = train(dir, 'bom-only.csv', '\ufeff');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tandem: ${r.log} is empty\n`);
  r = train(dir, 'allbad.csv', '1,SKU-1,c,pv\n2,SKU-2\n');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tandem: ${r.log} has no valid rows (2 malformed, the first: line 1: expected 5 fields, found 4)\n`);
  assert.equal(r.stdout, '');
});

test('CLI: rows with missing columns or bad numbers are skipped and reported (first five), or are the error with --strict', (t) => {
  const dir = tempDir(t, 'tandem-bad-log-');
  const good = taobaoRows();
  const clean = train(dir, 'clean.csv', csv(good));
  assert.equal(clean.status, 0, clean.stderr);
  const bad = [
    '99,SKU-1,c,pv', // a missing column
    '98,SKU-2,c,pv,soon', // a time that is not a number
    '97,SKU-3,c,pv,nan',
    '96,SKU-4,c,pv,1e400', // overflows to infinity
    '95,,c,pv,1700000000', // an empty item id
    '94,SKU-5,c,wink,1700000000', // an event the format does not have
    '93,SKU-6,c,pv, 1700000000', // a space is not part of a number
    '92,"SKU-7,c,pv,1700000000', // an unterminated quote
  ];
  const mixed = train(dir, 'mixed.csv', csv(good) + bad.join('\n') + '\n');
  assert.equal(mixed.status, 0, mixed.stderr);
  assert.match(mixed.stdout, /mixed\.csv \(taobao\): 120 rows, 12 users, 30 items, 3 categories, 120 events\n {11}8 malformed rows skipped, 0 duplicates dropped, 0 filtered by minimum counts\n {11}line 121: expected 5 fields, found 4\n {11}line 122: bad time 'soon'\n {11}line 123: time 'nan' is not finite\n {11}line 124: bad time '1e400'\n {11}line 125: empty item id\nprotocol/);
  assert.equal(mixed.fingerprint, clean.fingerprint, 'the skipped rows add nothing');
  const strict = train(dir, 'strict.csv', csv(good) + bad.slice(1).join('\n') + '\n', '--strict');
  assert.equal(strict.status, 1);
  assert.equal(strict.stderr, `tandem: ${strict.log}: line 121: bad time 'soon'\n`);
  // Times within a Date's range (±8.64e12 s) are taken as given, negative ones too; beyond it a
  // time is a malformed row.
  const odd = train(dir, 'odd-times.csv', csv(good) + '91,SKU-8,c,pv,-5\n90,SKU-9,c,pv,8640000000000\n89,SKU-9,c,pv,17000000000000000000000\n');
  assert.equal(odd.status, 0, odd.stderr);
  assert.match(odd.stdout, /odd-times\.csv \(taobao\): 122 rows, 14 users, 30 items, 3 categories, 122 events\n {11}1 malformed rows skipped, 0 duplicates dropped, 0 filtered by minimum counts\n {11}line 123: time '17000000000000000000000' is out of range/);
});

test('CLI: a byte order mark, CRLF line ends and quoted fields read as the plain file does (the same model)', async (t) => {
  const dir = tempDir(t, 'tandem-bad-log-');
  const rows = taobaoRows();
  const plain = train(dir, 'plain.csv', csv(rows));
  assert.equal(plain.status, 0, plain.stderr);
  assert.ok(plain.fingerprint);
  const bomCrlf = train(dir, 'bom-crlf.csv', '\ufeff' + csv(rows, '\r\n'));
  assert.equal(bomCrlf.status, 0, bomCrlf.stderr);
  assert.match(bomCrlf.stdout, /bom-crlf\.csv \(taobao\): 120 rows, 12 users, 30 items, 3 categories, 120 events\n/);
  assert.equal(bomCrlf.fingerprint, plain.fingerprint);
  const quoted = train(dir, 'quoted.csv', rows.map((r) => r.map((f) => `"${f}"`).join(',')).join('\n') + '\n');
  assert.equal(quoted.status, 0, quoted.stderr);
  assert.equal(quoted.fingerprint, plain.fingerprint);
  // A comma and a doubled quote inside quotes are part of the id, all the way into the browser.
  const special = rows.map((r) => (r[1] === 'SKU-7' ? [r[0], '"SKU,7 ""x"""', ...r.slice(2)] : r));
  const withComma = train(dir, 'comma.csv', csv(special));
  assert.equal(withComma.status, 0, withComma.stderr);
  assert.match(withComma.stdout, /comma\.csv \(taobao\): 120 rows, 12 users, 30 items/);
  const rec = await Recommender.create({ modelBuffer: readFileSync(join(dir, 'comma.csv.tandem')) });
  assert.equal(rec.hasItem('SKU,7 "x"'), true);
  assert.equal(rec.hasItem('SKU-7'), false);
  rec.close();
});
