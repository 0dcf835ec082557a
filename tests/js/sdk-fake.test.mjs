// The JS layer against a fake wasm module (tests/js/fake-module.mjs): option defaults and
// checks, errors, persistence edge cases (full, unavailable, failing and asynchronous storage;
// corrupt, stale and other-model state), rerank explanations, and DOM auto-tracking with a
// minimal fake DOM and mocked timers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mock, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Recommender, packageDir, ranking, warnings } from './helpers.mjs';
import { createFakeModule, fakeModelBytes, memoryStorage } from './fake-module.mjs';
import { page, withObservers } from './fake-dom.mjs';

function fake(model, options) {
  const module = createFakeModule();
  return { module, rec: Recommender._fromModule(module, fakeModelBytes(model), options) };
}

const T = 1.7e12; // ms: a time in 2023, as Date.now() gives

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

test('verify defaults to true and is passed through; load errors become Errors and free the handle', () => {
  const a = fake();
  assert.deepEqual(a.module.loads, [{ verify: true }]);
  const b = fake({}, { verify: false });
  assert.deepEqual(b.module.loads, [{ verify: false }]);
  const module = createFakeModule();
  assert.throws(() => Recommender._fromModule(module, fakeModelBytes({ error: 'model file is empty (0 bytes)' })), {
    message: 'tandem: model file is empty (0 bytes)',
  });
  assert.equal(module.live.models, 0, 'the failed handle was deleted');
  assert.throws(() => Recommender._fromModule(module, 'text'), { message: 'tandem: modelBuffer must be an ArrayBuffer or a typed array' });
});

test('create checks options before any download', async () => {
  const source = { modelUrl: 'http://127.0.0.1:9/never-fetched.tandem' };
  await assert.rejects(Recommender.create(source, { wasmUrl: 'x.wasm', wasmBinary: new Uint8Array(1) }), {
    name: 'TypeError',
    message: 'tandem: give at most one of wasmUrl, wasmPath and wasmBinary (got wasmUrl and wasmBinary)',
  });
  await assert.rejects(Recommender.create(source, { onProgress: 'yes' }), { message: 'tandem: onProgress must be a function' });
  await assert.rejects(Recommender.create(source, null), { message: 'tandem: options must be an object' });
});

test('close() deletes every handle; sessions of a closed Recommender throw', () => {
  const { module, rec } = fake();
  const s = rec.session();
  rec.session();
  assert.deepEqual(module.live, { models: 1, sessions: 2 });
  rec.close();
  assert.deepEqual(module.live, { models: 0, sessions: 0 });
  assert.throws(() => s.observe({ item: 'A' }), { message: 'tandem: this session is closed' });
});

test('without WeakRef and FinalizationRegistry (browsers before 2021), sessions work and close() still frees them all', async () => {
  const globals = ['WeakRef', 'FinalizationRegistry'].map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]);
  for (const [name] of globals) delete globalThis[name];
  try {
    const fresh = await import(`${pathToFileURL(join(packageDir, 'index.js')).href}?without-weak-references`); // a new instance of the module
    const module = createFakeModule();
    const rec = fresh.Recommender._fromModule(module, fakeModelBytes());
    const s = rec.session();
    s.observe({ item: 'A', time: 1 });
    rec.session().close();
    rec.session();
    assert.deepEqual(module.live, { models: 1, sessions: 2 });
    rec.close();
    assert.deepEqual(module.live, { models: 0, sessions: 0 });
    assert.throws(() => s.observe({ item: 'A' }), { message: 'tandem: this session is closed' });
  } finally {
    for (const [name, descriptor] of globals) Object.defineProperty(globalThis, name, descriptor);
  }
});

test('rerank: longTerm = |long| / (|long| + |short|), 0.5 when both are 0, and the gate on every entry', () => {
  const { rec } = fake();
  const s = rec.session({ profile: new Float32Array([3, 0, 0]) });
  s.observe({ item: 'B', time: 1000 });
  const ranked = s.rerank(['A', 'B', 'unknown']);
  assert.deepEqual(ranked.map((r) => r.item), ['B', 'A', 'unknown'], 'A and unknown tie at 0: input order');
  const by = Object.fromEntries(ranked.map((r) => [r.item, r]));
  assert.equal(by.B.longTerm, 3 / 4); // long -3 (abs 3), short 1
  assert.equal(by.A.longTerm, 1); // long -3, short 0
  assert.equal(by.unknown.longTerm, 0.5); // both 0
  assert.ok(ranked.every((r) => r.gate === 0.25));
  assert.deepEqual(ranking(s.rerank(['A', 'B', 'unknown'], { top: 1 })), ranking(ranked.slice(0, 1)));
});

test('session options: bad persist, storageKey and profile are refused before allocating', () => {
  const { module, rec } = fake();
  assert.throws(() => rec.session({ persist: 'cookies' }), {
    name: 'TypeError',
    message: "tandem: persist must be 'localStorage', 'indexedDB', 'afterConsent' or an object with getItem, setItem and removeItem",
  });
  assert.throws(() => rec.session({ persist: { getItem() {} } }), { message: /^tandem: persist must be/ });
  assert.throws(() => rec.session({ persist: memoryStorage(), storageKey: '' }), { message: 'tandem: storageKey must be a non-empty string' });
  assert.throws(() => rec.session({ profile: [1, 2, 3] }), {
    message: "tandem: profile must be a Float32Array of 3 values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got an array",
  });
  assert.throws(() => rec.session({ profile: new Float32Array(2) }), { message: 'tandem: profile has 2 values, this model expects 3 (dim 2 + 1)' });
  assert.equal(module.live.sessions, 0, 'nothing leaked');
});

test('persist: saved after every change under the default key, restored by the next session', async () => {
  const { rec } = fake();
  const storage = memoryStorage();
  const a = rec.session({ persist: storage });
  a.observe({ item: 'A', time: 1000 });
  a.observe({ item: 'C', type: 'cart', time: 2000 });
  assert.deepEqual([...storage.data.keys()], ['tandem-session']);
  assert.equal(storage.calls.filter((c) => c[0] === 'set').length, 2);
  a.foldSession();
  assert.equal(storage.calls.filter((c) => c[0] === 'set').length, 3, 'folding the session persists the profile');
  const b = rec.session({ persist: storage, profile: new Float32Array([9, 9, 9]) });
  assert.deepEqual(b.recentEvents(), a.recentEvents());
  assert.deepEqual(Array.from(b.profile()), [2, 0, 0], 'a restored state brings its own profile; the option is ignored');
  assert.equal(await b.ready, b);
  const other = rec.session({ persist: storage, storageKey: 'someone-else', profile: new Float32Array([9, 9, 9]) });
  assert.deepEqual(other.recentEvents(), []);
  assert.deepEqual(Array.from(other.profile()), [9, 9, 9], 'without saved state the profile option applies');
  await b.forget();
  assert.equal(storage.data.has('tandem-session'), false);
  assert.deepEqual(b.recentEvents(), []);
  assert.deepEqual(Array.from(b.profile()), [0, 0, 0]);
});

test('persist: a corrupt, non-base64 or other-model state is discarded with one warning and removed', async () => {
  const { rec } = fake();
  const storage = memoryStorage();
  const cases = [
    ['bm90IGEgc3RhdGU=', 'session state: bad magic bytes, not a tandem session state'],
    ['%%% not base64 %%%', 'the saved text is not base64'],
    [btoa('STATE {"fingerprint":"f1",'), 'session state: checksum mismatch (corrupt or truncated)'],
    [btoa('STATE {"fingerprint":"f0","events":[],"profile":[0,0,0],"unknown":0}'), 'session state: saved for another model (fingerprint f0, this model f1)'],
  ];
  for (const [text, reason] of cases) {
    storage.data.set('tandem-session', text);
    let s;
    const messages = await warnings(() => {
      s = rec.session({ persist: storage });
    });
    assert.deepEqual(messages, [`tandem: discarding the saved session state (${reason}); starting a fresh session`]);
    assert.equal(storage.data.has('tandem-session'), false, 'the bad state was removed');
    assert.deepEqual(s.recentEvents(), []);
    s.observe({ item: 'A', time: 1 });
    assert.ok(storage.data.has('tandem-session'), 'the fresh session is saved');
  }
});

test('persist: a full storage warns once, drops the stale copy, and the session keeps working in memory', async () => {
  const { rec } = fake();
  const saved = btoa('STATE {"fingerprint":"f1","events":[[0,0,1]],"profile":[0,0,0],"unknown":0}');
  const full = memoryStorage({ failSet: quota(), initial: [['tandem-session', saved]] });
  const messages = await warnings(() => {
    const s = rec.session({ persist: full });
    for (let i = 0; i < 5; i++) s.observe({ item: 'B', time: T + 10 + i });
    assert.equal(s.rerank(['A', 'B'])[0].item, 'B');
    assert.equal(s.counters.events, 6);
  });
  assert.deepEqual(messages, [
    'tandem: cannot save the session to the storage object (QuotaExceededError: The quota has been exceeded.); keeping it in memory',
  ]);
  assert.equal(full.data.has('tandem-session'), false, 'an older state is not left behind to be restored later');
});

test('persist: unavailable storage (no localStorage or indexedDB in Node, a throwing getter, a failing read) warns once', async () => {
  const { rec } = fake();
  let messages = await warnings(() => {
    const s = rec.session({ persist: 'localStorage' });
    s.observe({ item: 'A', time: T + 1 });
    s.observe({ item: 'A', time: T + 2 });
  });
  assert.deepEqual(messages, ['tandem: localStorage is unavailable (there is no localStorage here); the session is kept in memory only']);
  messages = await warnings(() => rec.session({ persist: 'indexedDB' }).observe({ item: 'A', time: T + 1 }));
  assert.deepEqual(messages, ['tandem: indexedDB is unavailable (there is no indexedDB here); the session is kept in memory only']);

  Object.defineProperty(globalThis, 'localStorage', {
    configurable: true,
    get() {
      throw new DOMException('Access is denied for this document.', 'SecurityError');
    },
  });
  try {
    messages = await warnings(() => rec.session({ persist: 'localStorage' }).observe({ item: 'A', time: T + 1 }));
    assert.deepEqual(messages, [
      'tandem: localStorage is unavailable (SecurityError: Access is denied for this document.); the session is kept in memory only',
    ]);
  } finally {
    delete globalThis.localStorage;
  }

  const broken = memoryStorage({ failGet: new Error('disk on fire') });
  messages = await warnings(() => assert.deepEqual(rec.session({ persist: broken }).recentEvents(), []));
  assert.deepEqual(messages, ['tandem: cannot read the saved session from the storage object (Error: disk on fire); starting a fresh session']);
});

test('persist: an asynchronous storage restores when ready and keeps events observed meanwhile', async () => {
  const { rec } = fake();
  const storage = memoryStorage({ async: true });
  const a = rec.session({ persist: storage });
  await a.ready;
  a.observe({ item: 'A', time: 1000 });
  a.observe({ item: 'B', time: 2000 });
  const saves = () => storage.calls.filter((c) => c[0] === 'set').length;
  const before = saves();
  const b = rec.session({ persist: storage });
  b.observe({ item: 'C', time: 3000 }); // before the saved state has been read
  assert.equal(saves(), before, 'nothing is saved before the read completes');
  await b.ready;
  assert.deepEqual(b.recentEvents().map((e) => e.item), ['A', 'B', 'C']);
  await new Promise((r) => setImmediate(r));
  const c = rec.session({ persist: storage });
  await c.ready;
  assert.deepEqual(c.recentEvents().map((e) => e.item), ['A', 'B', 'C'], 'the merged state was saved');
});

test('profiles: bytes of a profile file, null, no file (the prior), and URL failures that name URL and status', async () => {
  const { rec } = fake();
  const s = rec.session({ profile: new TextEncoder().encode('PROFILE [1,2,3]') });
  assert.deepEqual(Array.from(s.profile()), [1, 2, 3]);
  assert.throws(() => s.setProfile(new TextEncoder().encode('garbage')), { message: 'tandem: profile file: bad magic bytes' });
  s.setProfile(null);
  assert.deepEqual(Array.from(s.profile()), [0, 0, 0]);
  // No file at the URL is no profile (as an HTTP 404): the population prior, nothing thrown or warned.
  s.setProfile(new TextEncoder().encode('PROFILE [1,2,3]'));
  const quiet = await warnings(async () => assert.equal(await s.setProfile(new URL('file:///nonexistent/p.profile')), undefined));
  assert.deepEqual(quiet, []);
  assert.deepEqual(Array.from(s.profile()), [0, 0, 0], 'the prior');
  // A URL that cannot be read (a folder) rejects, naming it.
  const folder = pathToFileURL(`${tmpdir()}/`).href;
  await assert.rejects(s.setProfile(folder), { message: new RegExp(`^tandem: cannot read the profile at ${folder}: EISDIR`) });
  let t;
  const messages = await warnings(async () => {
    t = rec.session({ profile: folder });
    await assert.rejects(t.ready, { message: /^tandem: cannot read the profile at file:/ });
  });
  assert.equal(messages.length, 1, 'a page that does not await ready still hears of it');
  assert.match(messages[0], /^tandem: cannot read the profile at/);
  assert.deepEqual(Array.from(t.profile()), [0, 0, 0], 'the session works with the population prior');
});

// ---- auto-tracking with a minimal DOM (fake-dom.mjs) ----

test('autoTrack: clicks, cart and purchase buttons are events; tiles seen for 1 s are impressions only, not views; stop()', () => {
  withObservers((observers) => {
    const { rec } = fake();
    const session = rec.session();
    const dom = page();
    const seen = [];
    const stop = rec.autoTrack(dom.root, { session, onEvent: (e) => seen.push(`${e.kind}:${e.type}:${e.item}`) });
    const io = observers[0];
    assert.deepEqual(io.options.threshold, [0.5], 'default visibleFraction');
    assert.deepEqual([...io.targets], [dom.cardA, dom.cardC], 'products are watched, buttons are not');

    dom.img.click();
    dom.cartButton.click();
    dom.buyB.click();
    assert.deepEqual(seen, ['click:click:A', 'cart:cart:A', 'purchase:purchase:B']);

    io.callback([{ target: dom.cardA, isIntersecting: true, intersectionRatio: 0.6 }, { target: dom.cardC, isIntersecting: true, intersectionRatio: 0.7 }]);
    mock.timers.tick(5000);
    assert.equal(seen.length, 3, 'a tile in view is no event: seeing a product is not wanting it');
    assert.deepEqual(session.recentEvents().map((e) => `${e.type}:${e.item}`), ['click:A', 'cart:A', 'purchase:B']);

    stop();
    dom.img.click();
    assert.equal(seen.length, 3, 'nothing after stop()');
    assert.ok(io.disconnected);
    assert.equal(dom.root.listeners.size, 0);
  });
});

test('autoTrack: page kinds map to the model event types (Taobao pv/cart/fav/buy); unknown kinds warn once', async () => {
  const messages = await warnings(() =>
    withObservers(() => {
      const { rec } = fake({ types: ['pv', 'fav', 'cart', 'buy'], purchase: 'buy' });
      assert.equal(rec.eventTypeFor('view'), 'pv');
      assert.equal(rec.eventTypeFor('click'), 'pv');
      assert.equal(rec.eventTypeFor('purchase'), 'buy');
      assert.equal(rec.eventTypeFor('cart'), 'cart');
      assert.equal(rec.eventTypeFor('wishlist'), undefined);
      const session = rec.session();
      const dom = page();
      rec.autoTrack(dom.root, { session, dwellMs: 0, visibleFraction: 0.8 });
      dom.img.click();
      dom.buyB.click();
      dom.wish.click();
      dom.wish.click();
      assert.deepEqual(session.recentEvents().map((e) => `${e.type}:${e.item}`), ['pv:A', 'buy:B']);
    }),
  );
  assert.deepEqual(messages, ['tandem: autoTrack ignores data-tandem-event="wishlist": this model\'s event types are pv, fav, cart, buy']);
});

test('autoTrack: checks its options, and stops quietly when the session is closed', () => {
  withObservers((observers) => {
    const { rec } = fake();
    const other = fake().rec;
    const session = rec.session();
    const dom = page();
    assert.throws(() => rec.autoTrack({}, { session }), { message: 'tandem: autoTrack needs a DOM element to watch' });
    assert.throws(() => rec.autoTrack(dom.root, {}), { message: 'tandem: autoTrack needs { session } from this Recommender' });
    assert.throws(() => rec.autoTrack(dom.root, { session: other.session() }), { message: 'tandem: autoTrack needs { session } from this Recommender' });
    assert.throws(() => rec.autoTrack(dom.root, { session, visibleFraction: 0 }), { message: 'tandem: visibleFraction must be a number in (0, 1], got 0' });
    assert.throws(() => rec.autoTrack(dom.root, { session, dwellMs: -5 }), { message: 'tandem: dwellMs must be a non-negative number, got -5' });
    assert.equal(observers.length, 0, 'nothing started on bad options');
    rec.autoTrack(dom.root, { session });
    session.close();
    dom.img.click(); // must not throw from an event handler
    assert.equal(dom.root.listeners.size, 0, 'the tracker stopped itself');
  });
});

test('autoTrack: a document as the root watches its products too', () => {
  withObservers((observers) => {
    const { rec } = fake();
    const dom = page();
    dom.root.nodeType = 9; // what document.nodeType is
    rec.autoTrack(dom.root, { session: rec.session() });
    assert.deepEqual([...observers[0].targets], [dom.cardA, dom.cardC]);
  });
});

test('persist: a profile set while an asynchronous storage is read wins over the restored one', async () => {
  const { rec } = fake();
  const saved = btoa('STATE {"fingerprint":"f1","events":[[0,0,1]],"profile":[2,0,0],"unknown":0}');
  const storage = memoryStorage({ async: true, initial: [['tandem-session', saved]] });
  const s = rec.session({ persist: storage, profile: new Float32Array([7, 7, 7]) });
  assert.deepEqual(Array.from(s.profile()), [7, 7, 7], 'the option applies until the storage answers');
  await s.ready;
  assert.deepEqual(Array.from(s.profile()), [2, 0, 0], 'then the restored state brings its own');
  const t = rec.session({ persist: storage });
  t.setProfile(new Float32Array([5, 5, 5]));
  t.observe({ item: 'B', time: 2 });
  await t.ready;
  assert.deepEqual(Array.from(t.profile()), [5, 5, 5], 'an explicit setProfile outlives the restore');
  assert.deepEqual(t.recentEvents().map((e) => e.item), ['A', 'B']);
});

test('addItems sends the engine one JSON array of rows in its spelling: listPrice as list_price, labels as they are, undefined fields left out', () => {
  const { module, rec } = fake();
  const s = rec.session();
  let changes = 0;
  s.subscribe(() => changes++);
  const result = rec.addItems([
    { id: 'E', category: 'home/kitchen', brand: 'acme', price: 19.5, listPrice: 25, colour: 'red', size: 42, organic: true, note: undefined },
    { id: 'A', discount: 0.25, available: false, brand: '' },
  ]);
  assert.deepEqual(result, { added: 1, updated: 1 });
  assert.deepEqual(module.catalogCalls, [[
    { id: 'E', category: 'home/kitchen', brand: 'acme', price: 19.5, list_price: 25, colour: 'red', size: 42, organic: true },
    { id: 'A', brand: '', discount: 0.25, available: false },
  ]]);
  assert.equal(rec.itemCount, 5);
  assert.equal(rec.hasItem('E'), true);
  assert.equal(rec.isRecommendable('A'), false);
  assert.equal(changes, 1, 'the session\'s subscribers hear of the change');
  // An engine error is passed on with the call's name, and nothing in the JS layer changed.
  assert.throws(() => rec.addItems([{ id: 'F', fake_error: 'category is odd' }]), { name: 'Error', message: 'tandem: addItems: item 0: category is odd' });
  assert.equal(rec.itemCount, 5);
  assert.equal(changes, 1);
});

test('removeItems passes the ids as findItems takes them and forgets the cached rows; the last candidate list is looked up again', () => {
  const { rec } = fake();
  const s = rec.session();
  const list = ['A', 'B', 'Z'];
  assert.deepEqual(s.rerank(list).map((r) => r.item), ['A', 'Z', 'B']); // the fake scores -row / 1000, an unknown id 0
  assert.equal(rec.hasItem('B'), true); // cached
  assert.equal(rec.removeItems(['B', 'nope', 'B']), 1);
  assert.equal(rec.hasItem('B'), false);
  s.observe({ item: 'B', time: T });
  assert.equal(s.counters.unknownItems, 1, 'B is an unknown id now');
  rec.addItems([{ id: 'Z' }]);
  assert.equal(rec.hasItem('Z'), true);
  const ranked = s.rerank(list); // the same array: its rows are resolved again
  assert.equal(ranked.find((r) => r.item === 'Z').score, Math.fround(-4 / 1000), 'Z is row 4 now');
  assert.equal(ranked.find((r) => r.item === 'B').score, 0, 'B scores as unknown');
});

test('rerank hands the engine float64 prices and discounts per candidate (NaN: the catalog\'s), or none at all for ids alone', () => {
  const { rec } = fake();
  const s = rec.session();
  const handle = s._handle;
  s.rerank(['A', 'B']);
  assert.deepEqual(handle.lastOffers, { prices: null, discounts: null });
  const ranked = s.rerank(['A', { item: 'B', price: 9.5 }, { item: 'C', discount: 0.2 }, { item: 'D', price: 30, listPrice: 40 }, { item: 'A' }]);
  assert.deepEqual(ranked.map((r) => r.item).sort(), ['A', 'A', 'B', 'C', 'D']);
  assert.deepEqual(handle.lastOffers, { prices: [NaN, 9.5, NaN, 30, NaN], discounts: [NaN, NaN, 0.2, 0.25, NaN] });
  s.rerank([{ item: 'B', price: 1 }]);
  assert.deepEqual(handle.lastOffers, { prices: [1], discounts: null });
  s.observe({ item: 'A', time: T, price: 3, discount: 0.1 });
  s.observe({ item: 'B', time: T });
  assert.deepEqual(handle.offers, [[3, 0.1], [NaN, NaN]]);
});
