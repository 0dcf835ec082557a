// The SDK features on top of the engine, against the real wasm: rerank explanations, persistence
// through a storage object, profile files (bytes and URLs, checked against the model), download
// progress. Profile files are written here to the documented layout (src/core/profile_format.h).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { Recommender, fixtureBytes, packageDir, ranking, warnings, xxh64 } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

const T0 = 1.7e12;

/** A profile file: "TNDP", version 1, fingerprint, dim, pooled + log_mass, XXH64. */
function profileFile(fingerprintHex, values) {
  const bytes = new Uint8Array(20 + values.length * 4 + 8);
  const view = new DataView(bytes.buffer);
  bytes.set([0x54, 0x4e, 0x44, 0x50]);
  view.setUint32(4, 1, true);
  view.setBigUint64(8, BigInt(`0x${fingerprintHex}`), true);
  view.setUint32(16, values.length - 1, true);
  values.forEach((v, i) => view.setFloat32(20 + 4 * i, v, true));
  view.setBigUint64(bytes.length - 8, xxh64(bytes.subarray(0, bytes.length - 8)), true);
  return bytes;
}

const someProfile = (rec) => Float32Array.from({ length: rec.profileLength }, (_, i) => (i === rec.dim ? 2 : Math.sin(i + 1)));

/** Serves `files` (path -> bytes) on 127.0.0.1 with content-length, for the duration of fn(base). */
async function serving(files, fn) {
  const server = createServer((req, res) => {
    const body = files[req.url];
    if (!body) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': req.url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

test('rerank explains each item: longTerm is 1 before any event (h = 0), mixed after, gate = session.gate', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const s = rec.session({ profile: someProfile(rec) });
  const candidates = Array.from({ length: 20 }, (_, i) => `SKU-1000${10 + i}`);
  assert.ok(s.rerank(candidates).every((r) => r.longTerm === 1));
  for (let i = 0; i < 6; i++) s.observe({ item: candidates[i], type: 'click', time: T0 + i * 20_000 });
  const ranked = s.rerank(candidates);
  assert.ok(ranked.every((r) => r.longTerm >= 0 && r.longTerm <= 1));
  assert.ok(ranked.some((r) => r.longTerm < 1), 'the session now contributes');
  assert.ok(ranked.every((r) => r.gate === s.gate));
  rec.close();
});

test('persist: the real state round-trips through a storage object; another model\'s state is replayed with one warning', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const storage = memoryStorage();
  const a = rec.session({ persist: storage, storageKey: 'shop' });
  for (let i = 0; i < 5; i++) a.observe({ item: `SKU-1000${20 + i}`, type: i === 4 ? 'cart' : 'view', time: T0 + i * 30_000 });
  const candidates = ['SKU-100001', 'SKU-100020', 'SKU-100024', 'SKU-100100'];
  const b = rec.session({ persist: storage, storageKey: 'shop' });
  assert.deepEqual(ranking(b.rerank(candidates)), ranking(a.rerank(candidates)));
  assert.deepEqual(b.recentEvents(), a.recentEvents());

  const other = await Recommender.create({ modelBuffer: fixtureBytes({ seed: 4 }) });
  const spy = mock.method(console, 'warn', () => {});
  try {
    const c = other.session({ persist: storage, storageKey: 'shop' });
    const fresh = other.session();
    for (let i = 0; i < 5; i++) fresh.observe({ item: `SKU-1000${20 + i}`, type: i === 4 ? 'cart' : 'view', time: T0 + i * 30_000 });
    assert.deepEqual(c.recentEvents(), a.recentEvents());
    assert.deepEqual(ranking(c.rerank(candidates)), ranking(fresh.rerank(candidates)));
    assert.equal(spy.mock.callCount(), 1);
    assert.equal(
      spy.mock.calls[0].arguments[0],
      'tandem: the saved session state is from another model; replayed its 5 recent events with this one (0 of items and 0 of event types it does not know)',
    );
    // From now on it is saved as this model's.
    const d = other.session({ persist: storage, storageKey: 'shop' });
    assert.deepEqual(ranking(d.rerank(candidates)), ranking(c.rerank(candidates)));
    assert.equal(spy.mock.callCount(), 1);
  } finally {
    spy.mock.restore();
  }
  other.close();
  rec.close();
});

test('persist: changes made while an asynchronous storage is read are replayed on the restored state, in order', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const storage = memoryStorage({ async: true });
  const candidates = ['SKU-100001', 'SKU-100010', 'SKU-100011', 'SKU-100020'];
  const visit = (s) => {
    s.observe({ item: 'SKU-100010', type: 'view', time: T0 });
    s.observe({ item: 'SKU-100011', type: 'cart', time: T0 + 20_000 });
  };
  const first = rec.session({ persist: storage, profile: someProfile(rec) });
  await first.ready;
  visit(first);
  await new Promise((r) => setImmediate(r));

  // The shopper is back after the session timeout, and the page folds the ended visit in, before
  // the saved state has been read: the same as doing both on the restored state.
  const back = T0 + 20_000 + 1_801_000;
  const reference = rec.session({ profile: someProfile(rec) });
  visit(reference);
  reference.resume(back);
  reference.foldSession();
  const s = rec.session({ persist: storage });
  s.resume(back);
  s.foldSession();
  await s.ready;
  assert.deepEqual(s.recentEvents(), reference.recentEvents());
  assert.deepEqual(s.profile(), reference.profile(), 'the fold saw the restored events');
  assert.deepEqual(ranking(s.rerank(candidates)), ranking(reference.rerank(candidates)), 'a new visit\'s scores, not the ended one\'s');
  assert.notDeepEqual(ranking(s.rerank(candidates)), ranking(first.rerank(candidates)));

  // forget() while the state is read: the saved copy is not restored, and nothing is saved again.
  await new Promise((r) => setImmediate(r));
  assert.ok(storage.data.has('tandem-session'));
  const f = rec.session({ persist: storage });
  await f.forget();
  await f.ready;
  assert.deepEqual(f.recentEvents(), []);
  assert.deepEqual(Array.from(f.profile()), Array.from(rec.session().profile()), 'the population prior');
  assert.equal(storage.data.has('tandem-session'), false);
  rec.close();
});

test('profile files: bytes and URLs are checked against the model fingerprint; another model\'s is the prior with one warning; a 404 is the prior', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const values = someProfile(rec);
  const good = profileFile(rec.fingerprint, values);
  const s = rec.session({ profile: good });
  assert.deepEqual(s.profile(), values);
  const prior = rec.session().profile();
  const foreign = profileFile('0123456789abcdef', values);
  const said = await warnings(async () => assert.equal(s.setProfile(foreign), undefined));
  assert.deepEqual(said, [`tandem: the profile is from another model (fingerprint 0123456789abcdef, this model ${rec.fingerprint}); using the population prior`]);
  assert.deepEqual(s.profile(), prior, 'not mixed into this model\'s space: the prior');
  await serving({ '/u/7.profile': good, '/u/8.profile': foreign }, async (base) => {
    const t = rec.session({ profile: `${base}/u/7.profile` });
    assert.equal(await t.ready, t);
    assert.deepEqual(t.profile(), values);
    const u = rec.session({ profile: good });
    const quiet = await warnings(async () => assert.equal(await u.setProfile(`${base}/u/9.profile`), undefined));
    assert.deepEqual(quiet, [], 'a shopper without a profile is no error');
    assert.deepEqual(u.profile(), prior, 'HTTP 404: the population prior');
    const v = rec.session();
    const once = await warnings(async () => assert.equal(await v.setProfile(new URL(`${base}/u/8.profile`)), undefined));
    assert.equal(once.length, 1, once.join('\n'));
    assert.match(once[0], /^tandem: the profile is from another model \(fingerprint 0123456789abcdef, this model [0-9a-f]{16}\); using the population prior and fetching the profile again$/);
    assert.deepEqual(v.profile(), prior);
  });
  rec.close();
});

test('onProgress reports the model and wasm downloads up to their full size', async () => {
  const model = fixtureBytes();
  const wasm = readFileSync(join(packageDir, 'tandem.wasm'));
  await serving({ '/m.tandem': model, '/t.wasm': wasm }, async (base) => {
    const reports = [];
    const rec = await Recommender.create({ modelUrl: `${base}/m.tandem` }, { wasmUrl: `${base}/t.wasm`, onProgress: (p) => reports.push(p) });
    for (const [what, size] of [['model', model.length], ['wasm', wasm.length]]) {
      const mine = reports.filter((p) => p.what === what);
      assert.ok(mine.length >= 2, `${what}: a start and an end`);
      assert.deepEqual(mine[0], { what, loaded: 0, total: size });
      assert.deepEqual(mine.at(-1), { what, loaded: size, total: size });
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i].loaded >= mine[i - 1].loaded);
    }
    assert.equal(rec.itemCount, 300);
    rec.close();
  });
});

test('foldSession updates the local profile copy and saves it', async () => {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes() });
  const storage = memoryStorage();
  const s = rec.session({ persist: storage, profile: someProfile(rec) });
  s.observe({ item: 'SKU-100005', type: 'purchase', time: T0 });
  const before = s.profile();
  s.foldSession();
  assert.notDeepEqual(s.profile(), before);
  const restored = rec.session({ persist: storage });
  assert.deepEqual(restored.profile(), s.profile(), 'the folded profile survives a reload');
  rec.close();
});
