// The JS API end to end against the real wasm: loading, scores equal to the native build's,
// ranking, recommendations, state, profiles, and errors raised as Errors with clear messages.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Recommender, assertClose, fixtureBytes, fixturePath, ranking, unseal } from './helpers.mjs';

const T0 = 1.7e12; // ms

async function open(options) {
  return Recommender.create({ modelBuffer: fixtureBytes(options) });
}

for (const int8 of [false, true]) {
  test(`wasm scores equal the native self-test scores (${int8 ? 'int8' : 'float32'} item table, 1e-5 relative)`, async () => {
    const bytes = fixtureBytes({ items: 500, dim: 32, int8 });
    const { header } = unseal(bytes);
    const st = header.selftest;
    const rec = await Recommender.create({ modelBuffer: bytes }, { verify: false });
    const shopper = rec.session({ profile: new Float32Array(st.profile) });
    for (const e of st.events) shopper.observe({ item: e.item, type: e.type, time: e.time * 1000 });
    const ranked = shopper.rerank(st.candidates);
    assert.equal(ranked.length, st.candidates.length);
    const got = new Map(ranked.map((r) => [r.item, r.score]));
    st.candidates.forEach((id, i) => assertClose(assert, got.get(id), st.scores[i], 1e-5, id));
    rec.close();
  });
}

test('loads from a URL: file: in Node and http: on 127.0.0.1, and names URL and status on failure', async () => {
  const path = fixturePath();
  const rec = await Recommender.create({ modelUrl: pathToFileURL(path) });
  assert.equal(rec.itemCount, 300);
  rec.close();

  const bytes = fixtureBytes();
  const server = createServer((req, res) => {
    if (req.url === '/shop.tandem') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(bytes);
    } else if (req.url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Not a model</title>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const remote = await Recommender.create({ modelUrl: `${base}/shop.tandem` });
    assert.equal(remote.fingerprint, unseal(bytes).header.fingerprint);
    remote.close();
    await assert.rejects(Recommender.create({ modelUrl: `${base}/missing.tandem` }), {
      message: `tandem: cannot fetch the model at ${base}/missing.tandem: HTTP 404`,
    });
    await assert.rejects(Recommender.create({ modelUrl: `${base}/page.html` }), {
      message: /^tandem: not a tandem model file: bad magic bytes at offset 0 \(found 3c 21 64 6f/,
    });
  } finally {
    server.close();
  }
});

test('create checks its arguments', async () => {
  await assert.rejects(Recommender.create(), { name: 'TypeError', message: 'tandem: Recommender.create needs { modelUrl } or { modelBuffer }' });
  await assert.rejects(Recommender.create({ modelUrl: 'a', modelBuffer: new Uint8Array(1) }), {
    message: 'tandem: give exactly one of modelUrl and modelBuffer',
  });
  await assert.rejects(Recommender.create({ modelBuffer: 'bytes' }), { message: 'tandem: modelBuffer must be an ArrayBuffer or a typed array' });
});

test('rerank returns every candidate sorted, ties in input order, unknown ids by the fallback', async () => {
  const rec = await open();
  const s = rec.session();
  s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
  s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
  const candidates = ['SKU-100001', 'SKU-100002', 'SKU-100010', 'not-in-model', 'SKU-100002', 'also-unknown', 'SKU-100011'];
  const ranked = s.rerank(candidates);
  assert.equal(ranked.length, candidates.length);
  assert.deepEqual([...ranked.map((r) => r.item)].sort(), [...candidates].sort());
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score);
  const unknown = ranked.filter((r) => r.item.includes('unknown') || r.item === 'not-in-model');
  assert.equal(unknown[0].score, unknown[1].score, 'unknown ids share the fallback score');
  assert.deepEqual(unknown.map((r) => r.item), ['not-in-model', 'also-unknown'], 'ties keep input order');
  assert.deepEqual(ranking(s.rerank(candidates, { top: 3 })), ranking(ranked.slice(0, 3)));
  assert.deepEqual(s.rerank([]), []);
  rec.close();
});

test('rerank and recommend asked for after the session timeout score a new visit, without the ended one\'s state', async () => {
  const rec = await open();
  const a = rec.session(), b = rec.session();
  for (const s of [a, b]) {
    s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
    s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
  }
  const candidates = ['SKU-100001', 'SKU-100002', 'SKU-100010', 'SKU-100011', 'SKU-100020'];
  const inVisit = a.rerank(candidates);
  // Up to the model's 30-minute timeout the visit goes on.
  assert.deepEqual(ranking(a.rerank(candidates, { time: T0 + 20_000 + 1_800_000 })), ranking(inVisit));
  assert.deepEqual(ranking(a.recommend({ k: 5, time: T0 + 20_000 + 1_800_000 })), ranking(b.recommend({ k: 5 })));
  const later = T0 + 20_000 + 1_801_000;
  const newVisit = a.rerank(candidates, { time: later });
  assert.notDeepEqual(newVisit.map((r) => r.score), inVisit.map((r) => r.score), 'the ended visit\'s state no longer counts');
  assert.notEqual(newVisit[0].gate, inVisit[0].gate);
  assert.deepEqual(ranking(b.recommend({ k: 5, time: later })), ranking(a.recommend({ k: 5 })));
  assert.equal(a.counters.sessions, 1, 'the new visit is counted by its first event');
  // The next event starts the new visit exactly as it would have without the request.
  for (const s of [a, b]) s.observe({ item: 'SKU-100020', type: 'view', time: later + 60_000 });
  assert.deepEqual(ranking(a.rerank(candidates)), ranking(b.rerank(candidates)));
  assert.equal(a.counters.sessions, 2);
  assert.throws(() => a.rerank(candidates, { time: NaN }), { name: 'TypeError', message: 'tandem: time must be a finite number of milliseconds, got NaN' });
  assert.throws(() => a.recommend({ time: '12:00' }), { name: 'TypeError', message: 'tandem: time must be a finite number of milliseconds, got "12:00"' });
  assert.throws(() => a.resume(null), { name: 'TypeError', message: 'tandem: time must be a finite number of milliseconds, got null' });
  rec.close();
});

test('observe counts unknown ids without throwing and rejects bad input with messages', async () => {
  const rec = await open();
  const s = rec.session();
  s.observe({ item: 'SKU-999999', type: 'view', time: T0 });
  s.observe({ item: 'SKU-100003', type: 'click', time: T0 + 1000 });
  assert.deepEqual(s.counters, { events: 1, unknownItems: 1, sessions: 1 });
  assert.throws(() => s.observe({ item: 42 }), { name: 'TypeError', message: 'tandem: event.item must be a non-empty string, got 42' });
  assert.throws(() => s.observe({ item: 'SKU-100003', type: 'wishlist' }), {
    message: 'tandem: unknown event type "wishlist"; this model knows view, click, cart, purchase',
  });
  assert.throws(() => s.observe({ item: 'SKU-100003', time: NaN }), { message: 'tandem: event.time must be a finite number of milliseconds, got NaN' });
  assert.throws(() => s.observe(null), { message: 'tandem: observe needs an event object { item, type, time }' });
  assert.throws(() => s.rerank('SKU-1'), { message: 'tandem: rerank needs an array of item ids (or { item, price, discount } objects)' });
  assert.throws(() => s.rerank([1]), { message: 'tandem: rerank candidate 0 must be an item id or { item, price, discount }, got 1' });
  assert.deepEqual(s.counters, { events: 1, unknownItems: 1, sessions: 1 });
  rec.close();
});

test('recommend: top k of the catalog, excluding purchases by default', async () => {
  const rec = await open();
  const s = rec.session();
  const all = s.recommend({ k: 300, exclude: 'none' });
  assert.equal(all.length, 300);
  const best = all[0].item;
  s.observe({ item: best, type: 'purchase', time: T0 });
  const after = s.recommend({ k: 5 });
  assert.equal(after.length, 5);
  assert.ok(!after.some((r) => r.item === best), 'a purchased item is not recommended again');
  const seen = s.recommend({ k: 5, exclude: 'seen' });
  assert.ok(!seen.some((r) => r.item === best));
  const explicit = s.recommend({ k: 5, exclude: ['SKU-100000', after[0].item] });
  assert.ok(!explicit.some((r) => r.item === after[0].item));
  // The whole-catalog ranking agrees with rerank over the whole catalog.
  const ids = all.map((r) => r.item);
  assert.deepEqual(s.recommend({ k: 10, exclude: 'none' }).map((r) => r.item), s.rerank(ids, { top: 10 }).map((r) => r.item));
  assert.throws(() => s.recommend({ k: -1 }), { message: 'tandem: k must be a non-negative integer, got -1' });
  assert.throws(() => s.recommend({ exclude: 'bought' }), { message: `tandem: exclude must be 'none', 'purchased', 'seen' or an array of ids, got "bought"` });
  rec.close();
});

test('state survives a save and restore; a corrupt state is refused and changes nothing; another model\'s is replayed', async () => {
  const rec = await open();
  const a = rec.session();
  for (let i = 0; i < 8; i++) a.observe({ item: `SKU-1000${10 + i}`, type: i % 3 ? 'view' : 'cart', time: T0 + i * 30_000 });
  const state = a.saveState();
  const b = rec.session();
  b.restoreState(state);
  const candidates = ['SKU-100001', 'SKU-100010', 'SKU-100050', 'SKU-100017'];
  assert.deepEqual(ranking(b.rerank(candidates)), ranking(a.rerank(candidates)));
  assert.deepEqual(b.recentEvents(), a.recentEvents());

  const c = rec.session();
  c.observe({ item: 'SKU-100001', time: T0 });
  const before = c.saveState();
  const corrupt = state.slice();
  corrupt[30] ^= 0xff;
  assert.throws(() => c.restoreState(corrupt), { message: 'tandem: session state: checksum mismatch (corrupt or truncated)' });
  assert.deepEqual(c.saveState(), before);
  assert.deepEqual(b.restoreState(state), { fromOtherModel: false, events: 0, unknownItems: 0, unknownTypes: 0 });

  // Another model (a retrain): the state's recent events are replayed by name, and the session
  // scores exactly as a fresh session of that model that observed them.
  const other = await open({ seed: 4 });
  const replayed = other.session();
  assert.deepEqual(replayed.restoreState(state), { fromOtherModel: true, events: 8, unknownItems: 0, unknownTypes: 0 });
  const fresh = other.session();
  for (let i = 0; i < 8; i++) fresh.observe({ item: `SKU-1000${10 + i}`, type: i % 3 ? 'view' : 'cart', time: T0 + i * 30_000 });
  assert.deepEqual(ranking(replayed.rerank(candidates)), ranking(fresh.rerank(candidates)));
  assert.deepEqual(replayed.recentEvents(), fresh.recentEvents());
  assert.deepEqual(replayed.saveState(), fresh.saveState());
  other.close();
  rec.close();
});

test('profiles: a vector of profileLength floats; wrong lengths and NaN are refused', async () => {
  const rec = await open();
  assert.equal(rec.profileLength, 17);
  const { header } = unseal(fixtureBytes());
  const profile = new Float32Array(header.selftest.profile);
  const withProfile = rec.session({ profile });
  const without = rec.session();
  assert.deepEqual(withProfile.profile(), profile);
  assert.notDeepEqual(withProfile.rerank(['SKU-100001', 'SKU-100002']), without.rerank(['SKU-100001', 'SKU-100002']));
  assert.throws(() => rec.session({ profile: new Float32Array(16) }), { message: 'tandem: profile has 16 values, this model expects 17 (dim 16 + 1)' });
  const nan = profile.slice();
  nan[3] = NaN;
  assert.throws(() => without.setProfile(nan), { message: 'tandem: profile value 3 is not a finite number' });
  assert.throws(() => without.setProfile([1, 2]), { message: /^tandem: profile must be a Float32Array of 17 values/ });
  // Folding recent events changes the local profile copy.
  withProfile.observe({ item: 'SKU-100005', type: 'cart', time: T0 });
  withProfile.foldSession();
  assert.notDeepEqual(withProfile.profile(), profile);
  rec.close();
});

test('calls after close() throw', async () => {
  const rec = await open();
  const s = rec.session();
  s.close();
  assert.throws(() => s.observe({ item: 'SKU-100001' }), { message: 'tandem: this session is closed' });
  const t = rec.session();
  rec.close();
  assert.throws(() => t.rerank([]), { message: 'tandem: this session is closed' });
  assert.throws(() => rec.session(), { message: 'tandem: this Recommender is closed' });
  rec.close(); // closing twice is harmless
});
