// Measurement without sending behaviour (docs/measuring.md): recommendation ids and positions on
// every result, the A/B holdout arm (assigned once per browser from a saved seed; the page's
// order and the catalog's popularity), the hooks with what they are handed, per-arm counts, the
// attribution of conversions to clicked recommendations across page loads, and the saved record.
// The fake module (fake-module.mjs) for the JS layer, the real wasm where the engine's order matters.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { Recommender, fixtureBytes, ranking, warnings } from './helpers.mjs';
import { createFakeModule, fakeModelBytes, memoryStorage } from './fake-module.mjs';
import { FakeElement, withObservers } from './fake-dom.mjs';

const T = 1.7e12; // ms
const DAY = 24 * 3600 * 1000;

function fake(options = {}, model) {
  const module = createFakeModule();
  return { module, rec: Recommender._fromModule(module, fakeModelBytes(model), options) };
}

/** A saved record with a given seed (and the fake engine's empty state), as a storage holds it. */
function savedWithSeed(seed, extra = {}) {
  const state = btoa('STATE {"fingerprint":"f1","events":[],"profile":[0,0,0],"unknown":0}');
  const zero = { impressions: 0, clicks: 0, conversions: 0 };
  return JSON.stringify({ tandem: 1, state, measure: { seed, counts: { tandem: zero, holdout: zero }, clicks: [], ...extra } });
}

/** Records every hook call as [hook, payload]. */
function hookLog() {
  const calls = [];
  const hooks = Object.fromEntries(['onImpression', 'onClick', 'onConversion'].map((name) => [name, (e) => calls.push([name, e])]));
  return { calls, hooks };
}

test('every result carries its position, one recommendationId (new for each result) and the arm', () => {
  const { rec } = fake();
  const s = rec.session();
  s.observe({ item: 'C', time: T });
  const a = s.rerank(['A', 'B', 'C'], { list: 'grid' });
  const b = s.rerank(['A', 'B', 'C']);
  assert.deepEqual(a.map((r) => [r.item, r.position, r.arm]), [['C', 0, 'tandem'], ['A', 1, 'tandem'], ['B', 2, 'tandem']]);
  assert.match(a[0].recommendationId, /^[0-9a-f]{16}$/);
  assert.ok(a.every((r) => r.recommendationId === a[0].recommendationId), 'one id per result');
  assert.notEqual(b[0].recommendationId, a[0].recommendationId, 'a new id per result');
  assert.deepEqual(Object.keys(a[0]), ['item', 'score', 'longTerm', 'gate', 'position', 'recommendationId', 'arm']);
  assert.throws(() => s.rerank(['A'], { list: '' }), { name: 'TypeError', message: 'tandem: list must be a name of 1 to 200 characters, got ""' });
  assert.throws(() => s.recommend({ list: 5 }), { name: 'TypeError', message: 'tandem: list must be a name of 1 to 200 characters, got 5' });
});

test('holdout: the arm comes from a seed drawn once and saved with the state; a larger share only moves browsers into the holdout', () => {
  const storage = memoryStorage({ initial: [['tandem-session', savedWithSeed(0.15)]] });
  const arm = (holdout) => fake({ holdout }).rec.session({ persist: storage }).measurement.arm;
  assert.equal(arm(0), 'tandem');
  assert.equal(arm(0.1), 'tandem');
  assert.equal(arm(0.2), 'holdout', 'seed 0.15 < 0.2');
  assert.equal(arm(1), 'holdout');

  // A new browser draws its seed once; every later page load gets the same arm.
  const fresh = memoryStorage();
  const { rec } = fake({ holdout: 0.5 });
  const first = rec.session({ persist: fresh });
  first.observe({ item: 'A', time: T });
  const seed = JSON.parse(fresh.data.get('tandem-session')).measure.seed;
  assert.ok(seed >= 0 && seed < 1);
  for (let i = 0; i < 5; i++) assert.equal(rec.session({ persist: fresh }).measurement.arm, first.measurement.arm);

  // Across browsers (no storage: a seed per session), the share is about the one asked for.
  const { rec: many } = fake({ holdout: 0.1 });
  const held = Array.from({ length: 2000 }, () => many.session().measurement.arm).filter((a) => a === 'holdout').length;
  assert.ok(held > 120 && held < 280, `${held} of 2000 in the holdout arm`);

  for (const bad of [-0.1, 1.5, NaN, '0.1']) {
    assert.throws(() => fake({ holdout: bad }), { name: 'TypeError', message: `tandem: holdout must be a share of browsers from 0 to 1, got ${typeof bad === 'string' ? '"0.1"' : bad}` });
  }
});

test('holdout arm: rerank returns the page\'s order (top: the first ones), with the model\'s scores', () => {
  const { rec } = fake({ holdout: 1 });
  const s = rec.session();
  s.observe({ item: 'C', time: T });
  const ranked = s.rerank(['A', 'B', 'C']);
  assert.deepEqual(ranked.map((r) => [r.item, r.position, r.arm]), [['A', 0, 'holdout'], ['B', 1, 'holdout'], ['C', 2, 'holdout']]);
  assert.ok(ranked[2].score > ranked[0].score, 'the model still scores C first: only the order is the page\'s');
  assert.deepEqual(s.rerank(['A', 'B', 'C'], { top: 2 }).map((r) => r.item), ['A', 'B']);
  const tandem = fake({ holdout: 0 }).rec.session();
  tandem.observe({ item: 'C', time: T });
  assert.deepEqual(tandem.rerank(['A', 'B', 'C']).map((r) => r.item), ['C', 'A', 'B'], 'the tandem arm ranks');
});

test('holdout arm (real engine): recommend gives the model\'s order for a shopper it knows nothing about, with the same exclusions', async () => {
  const bytes = fixtureBytes();
  const held = await Recommender.create({ modelBuffer: bytes }, { holdout: 1 });
  const plain = await Recommender.create({ modelBuffer: bytes });
  const s = held.session({ profile: Float32Array.from({ length: held.profileLength }, (_, i) => Math.cos(i)) });
  s.observe({ item: 'SKU-100010', type: 'view', time: T });
  s.observe({ item: 'SKU-100011', type: 'purchase', time: T + 1000 });
  const nobody = plain.session();
  const popular = (k, exclude) => ranking(nobody.recommend({ k, exclude })).map(({ item, score, position }) => ({ item, score, position }));
  const got = (options) => ranking(s.recommend(options)).map(({ item, score, position }) => ({ item, score, position }));
  assert.deepEqual(got({ k: 8, exclude: 'none' }), popular(8, 'none'));
  assert.deepEqual(got({ k: 8 }), popular(8, ['SKU-100011']), 'purchased: this shopper\'s purchase is left out');
  assert.deepEqual(got({ k: 8, exclude: 'seen' }), popular(8, ['SKU-100010', 'SKU-100011']));
  assert.deepEqual(got({ k: 8, exclude: ['SKU-100200'] }), popular(8, ['SKU-100200']));
  assert.ok(s.recommend().every((r) => r.arm === 'holdout'));
  const personal = plain.session({ profile: s.profile() });
  personal.observe({ item: 'SKU-100010', type: 'view', time: T });
  assert.notDeepEqual(personal.recommend({ k: 8, exclude: 'none' }).map((r) => r.item), got({ k: 8, exclude: 'none' }).map((r) => r.item), 'the tandem arm is personal');
  held.close();
  plain.close();
});

test('hooks: autoTrack hands impressions (once per result and item, after the dwell time), clicks and conversions to the page, with ids, positions, lists and the arm', () => {
  withObservers({ now: T }, (observers) => {
    const { calls, hooks } = hookLog();
    const { rec } = fake(hooks);
    const session = rec.session();
    const result = session.rerank(['A', 'B', 'C'], { list: 'strip' });
    const rid = result[0].recommendationId;
    const tiles = result.map((r) => new FakeElement({ 'data-tandem-item': r.item }, [new FakeElement({ 'data-tandem-event': 'cart' })]));
    const strip = new FakeElement({ 'data-tandem-rec': rid }, tiles);
    const plain = new FakeElement({ 'data-tandem-item': 'D' });
    const root = new FakeElement({}, [strip, plain]);
    rec.autoTrack(root, { session });
    const io = observers[0];
    const seen = (el, ratio = 1) => io.callback([{ target: el, isIntersecting: ratio > 0, intersectionRatio: ratio }]);

    for (const el of [...tiles, plain]) seen(el);
    mock.timers.tick(999);
    assert.deepEqual(calls, [], 'nothing before the dwell time');
    mock.timers.tick(1);
    assert.deepEqual(calls, result.map((r) => ['onImpression', { item: r.item, recommendationId: rid, position: r.position, list: 'strip', arm: 'tandem', time: T + 1000 }]));
    assert.equal(session.counters.events, 0, 'impressions are not model events');
    seen(tiles[0], 0);
    seen(tiles[0]);
    mock.timers.tick(1000);
    assert.equal(calls.length, 3, 'seen again in the same result: still one impression');

    calls.length = 0;
    tiles[1].click();
    tiles[1].children[0].click(); // add to cart, from the tile
    plain.click();
    assert.deepEqual(calls, [
      ['onClick', { item: 'B', recommendationId: rid, position: 1, list: 'strip', arm: 'tandem', time: T + 2000 }],
      ['onConversion', { item: 'B', kind: 'cart', type: 'cart', recommendationId: rid, position: 1, list: 'strip', arm: 'tandem', time: T + 2000 }],
    ], 'a tile outside any result is no recommendation click');
    assert.deepEqual(session.recentEvents().map((e) => `${e.type}:${e.item}`), ['click:B', 'cart:B', 'click:D']);
    assert.deepEqual(session.measurement, { arm: 'tandem', counts: { tandem: { impressions: 3, clicks: 1, conversions: 1 }, holdout: { impressions: 0, clicks: 0, conversions: 0 } } });
  });
});

test('conversions: attributed to the latest click on a recommendation of the item within 30 days, across page loads; else to none', () => {
  const { calls, hooks } = hookLog();
  const { rec } = fake(hooks);
  const storage = memoryStorage();
  const first = rec.session({ persist: storage });
  const [, b] = first.rerank(['A', 'B', 'C'], { list: 'home' });
  first.observe({ item: 'B', type: 'click', time: T, recommendationId: b.recommendationId });

  // The next page load: the purchase is attributed to the click of the earlier one.
  const next = rec.session({ persist: storage });
  next.observe({ item: 'B', type: 'purchase', time: T + DAY });
  next.observe({ item: 'C', type: 'purchase', time: T + DAY });
  next.observe({ item: 'B', type: 'purchase', time: T + 31 * DAY });
  assert.deepEqual(calls.map(([name, e]) => [name, e.item, e.recommendationId, e.position, e.list]), [
    ['onClick', 'B', b.recommendationId, 1, 'home'],
    ['onConversion', 'B', b.recommendationId, 1, 'home'],
    ['onConversion', 'C', null, null, null],
    ['onConversion', 'B', null, null, null],
  ]);
  assert.deepEqual(next.measurement.counts.tandem, { impressions: 0, clicks: 1, conversions: 3 });

  // Named explicitly: attributed to that result, also when this session no longer keeps it.
  calls.length = 0;
  next.observe({ item: 'A', type: 'cart', time: T + DAY, recommendationId: b.recommendationId });
  next.observe({ item: 'A', type: 'cart', time: T + DAY, recommendationId: 'from-an-old-page' });
  assert.deepEqual(calls.map(([, e]) => [e.kind, e.recommendationId, e.position]), [['cart', b.recommendationId, null], ['cart', 'from-an-old-page', null]]);
  assert.throws(() => next.observe({ item: 'A', time: T, recommendationId: 42 }), {
    name: 'TypeError',
    message: 'tandem: event.recommendationId must be a recommendationId from a result (a string of 1 to 64 characters), got 42',
  });
});

test('a hook that throws is reported on the console and changes nothing else: the event is recorded, the call returns', async () => {
  const errors = [];
  const spy = mock.method(console, 'error', (...args) => errors.push(args));
  try {
    const { rec } = fake({ onClick: () => { throw new Error('analytics is down'); } });
    const s = rec.session();
    const [r] = s.rerank(['A']);
    s.observe({ item: 'A', type: 'click', time: T, recommendationId: r.recommendationId });
    assert.equal(s.counters.events, 1);
    assert.equal(s.measurement.counts.tandem.clicks, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0][0], 'tandem: the onClick hook threw: analytics is down');
    assert.throws(() => fake({ onConversion: 'gtag' }), { name: 'TypeError', message: 'tandem: onConversion must be a function' });
  } finally {
    spy.mock.restore();
  }
});

test('impression() by hand: checked, counted once per result and item, handed to onImpression', () => {
  const { calls, hooks } = hookLog();
  const { rec } = fake(hooks);
  const s = rec.session();
  const [r] = s.rerank(['C', 'A']); // A first (the fake scores lower rows higher), C at position 1
  s.impression({ item: 'C', recommendationId: r.recommendationId, time: T });
  s.impression({ item: 'C', recommendationId: r.recommendationId, time: T + 5 });
  assert.deepEqual(calls, [['onImpression', { item: 'C', recommendationId: r.recommendationId, position: 1, list: null, arm: 'tandem', time: T }]]);
  assert.throws(() => s.impression({ item: 'C' }), { name: 'TypeError', message: 'tandem: impression.recommendationId is missing (the recommendationId of the result the item was shown in)' });
  assert.throws(() => s.impression({ item: '', recommendationId: 'x' }), { name: 'TypeError', message: 'tandem: impression.item must be a non-empty string, got ""' });
  assert.throws(() => s.impression(null), { name: 'TypeError', message: 'tandem: impression needs { item, recommendationId }' });
  assert.equal(s.measurement.counts.tandem.impressions, 1);
});

test('the saved record: a 0.1 state (base64 alone) is still restored; a malformed measurement discards the record with its reason', async () => {
  const { rec } = fake();
  const legacy = btoa('STATE {"fingerprint":"f1","events":[[1,0,1]],"profile":[0,0,0],"unknown":0}');
  const storage = memoryStorage({ initial: [['tandem-session', legacy]] });
  const s = rec.session({ persist: storage });
  assert.deepEqual(s.recentEvents().map((e) => e.item), ['B']);
  s.observe({ item: 'A', time: T });
  const record = JSON.parse(storage.data.get('tandem-session'));
  assert.deepEqual(Object.keys(record), ['tandem', 'state', 'measure'], 'saved again as a record');

  const cases = [
    ['{"tandem":1,"state":', 'the saved record is not JSON'],
    ['{"tandem":2,"state":"x"}', 'not a tandem-rec session record'],
    [savedWithSeed(1.5), 'the measurement seed is not a number in [0, 1)'],
    [savedWithSeed(0.5, { counts: { tandem: { impressions: -1, clicks: 0, conversions: 0 } } }), 'the tandem counts are not impressions, clicks, conversions as whole numbers'],
    [savedWithSeed(0.5, { clicks: [[0, 'r', 0, null]] }), 'the remembered clicks are malformed'],
  ];
  for (const [text, reason] of cases) {
    storage.data.set('tandem-session', text);
    const messages = await warnings(() => rec.session({ persist: storage }));
    assert.deepEqual(messages, [`tandem: discarding the saved session state (${reason}); starting a fresh session`]);
    assert.equal(storage.data.has('tandem-session'), false);
  }
});

test('forget(): counts and remembered clicks go, the arm stays for the page; an asynchronous storage adds the counts made while it was read', async () => {
  const storage = memoryStorage({ initial: [['tandem-session', savedWithSeed(0.05, { counts: { tandem: { impressions: 0, clicks: 0, conversions: 0 }, holdout: { impressions: 4, clicks: 2, conversions: 1 } } })]] });
  const { rec } = fake({ holdout: 0.1 });
  const s = rec.session({ persist: storage });
  assert.deepEqual(s.measurement.counts.holdout, { impressions: 4, clicks: 2, conversions: 1 });
  await s.forget();
  assert.deepEqual(s.measurement, { arm: 'holdout', counts: { tandem: { impressions: 0, clicks: 0, conversions: 0 }, holdout: { impressions: 0, clicks: 0, conversions: 0 } } });

  const slow = memoryStorage({ async: true, initial: [['tandem-session', savedWithSeed(0.05, { counts: { tandem: { impressions: 0, clicks: 0, conversions: 0 }, holdout: { impressions: 4, clicks: 2, conversions: 1 } } })]] });
  const t = rec.session({ persist: slow });
  const [r] = t.rerank(['A']);
  t.impression({ item: 'A', recommendationId: r.recommendationId, time: T });
  await t.ready;
  assert.equal(t.measurement.arm, 'holdout', 'the saved seed decides the arm');
  assert.deepEqual(t.measurement.counts.holdout.impressions + t.measurement.counts.tandem.impressions, 5);
});
