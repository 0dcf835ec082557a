// Event names and units (js/src/events.js): the eventMap option (GA4's preset, the JSON the trainer
// reads too), kinds resolved to a model's own types, events a map ignores or a model lacks, the
// one-time warning for times that look like seconds; autoTrack's sightings (impressions, detail
// views, the `events` mapping, a reused element) and session.subscribe().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { Recommender, packageDir, root, warnings } from './helpers.mjs';
import { createFakeModule, fakeModelBytes } from './fake-module.mjs';
import { FakeElement, withObservers } from './fake-dom.mjs';

const T = 1.7e12; // ms
const TAOBAO = { types: ['pv', 'fav', 'cart', 'buy'], purchase: 'buy' };

function fake(options = {}, model) {
  return Recommender._fromModule(createFakeModule(), fakeModelBytes(model), options);
}

test('the GA4 preset: one JSON file in the package (the trainer reads the same), names to kinds or null', () => {
  const preset = JSON.parse(readFileSync(join(packageDir, 'presets/ga4.json'), 'utf8'));
  assert.deepEqual(preset, JSON.parse(readFileSync(join(root, 'js/src/presets/ga4.json'), 'utf8')));
  assert.ok(Object.values(preset).every((v) => v === null || ['view', 'click', 'cart', 'fav', 'purchase'].includes(v)));
  assert.deepEqual(
    Object.fromEntries(Object.entries(preset).filter(([, v]) => v !== null)),
    { view_item: 'view', select_item: 'click', add_to_wishlist: 'fav', add_to_cart: 'cart', purchase: 'purchase' },
  );
  assert.equal(preset.page_view, null);
});

test('eventMap: GA4 names reach a Taobao model\'s own types; ignored names change nothing; names the model lacks warn once', async () => {
  const rec = fake({ eventMap: 'ga4' }, TAOBAO);
  const s = rec.session();
  s.observe({ item: 'A', type: 'view_item', time: T });
  s.observe({ item: 'A', type: 'select_item', time: T + 1 });
  s.observe({ item: 'A', type: 'add_to_cart', time: T + 2 });
  s.observe({ item: 'A', type: 'purchase', time: T + 3 });
  s.observe({ item: 'B', type: 'pv', time: T + 4 }); // the model's own names still work
  assert.deepEqual(s.recentEvents().map((e) => e.type), ['pv', 'pv', 'cart', 'buy', 'pv']);
  const before = s.saveState();
  const messages = await warnings(() => s.observe({ item: 'A', type: 'page_view', time: T + 5 }));
  assert.deepEqual([messages, s.saveState()], [[], before], 'page_view: no interest in an item, ignored without a word');
  assert.equal(rec.eventTypeFor('page_view'), null);
  assert.equal(rec.eventTypeFor('add_to_cart'), 'cart');
  assert.equal(rec.eventTypeFor('nonsense'), undefined);

  const noFav = fake({ eventMap: 'ga4' }); // view, click, cart, purchase
  const t = noFav.session();
  const missing = await warnings(() => {
    t.observe({ item: 'A', type: 'add_to_wishlist', time: T });
    t.observe({ item: 'B', type: 'add_to_wishlist', time: T });
  });
  assert.deepEqual(missing, ['tandem: ignoring add_to_wishlist events: they are fav events, which this model was not trained with (its event types: view, click, cart, purchase)']);
  assert.equal(t.counters.events, 0);
  assert.throws(() => t.observe({ item: 'A', type: 'scroll', time: T }), {
    name: 'TypeError',
    message: 'tandem: unknown event type "scroll"; this model knows view, click, cart, purchase or names in its eventMap',
  });
});

test('eventMap: a map of the page\'s own names; bad maps are refused before anything loads', async () => {
  const rec = fake({ eventMap: { product_seen: 'view', basket: 'cart', order: 'purchase', hover: null } }, TAOBAO);
  const s = rec.session();
  for (const type of ['product_seen', 'basket', 'order', 'hover']) s.observe({ item: 'C', type, time: T });
  assert.deepEqual(s.recentEvents().map((e) => e.type), ['pv', 'cart', 'buy']);
  for (const [eventMap, message] of [
    ['ga5', 'tandem: eventMap "ga5" is not a preset (presets: ga4)'],
    [['view'], "tandem: eventMap must be a preset's name ('ga4') or an object of event names to event kinds or null"],
    [{ seen: 1 }, 'tandem: eventMap["seen"] must be an event kind (a non-empty string) or null, got number'],
    [{ seen: '' }, 'tandem: eventMap["seen"] must be an event kind (a non-empty string) or null, got ""'],
  ]) {
    assert.throws(() => fake({ eventMap }), { name: 'TypeError', message });
    await assert.rejects(Recommender.create({ modelUrl: 'http://127.0.0.1:9/never-fetched.tandem' }, { eventMap }), { message });
  }
});

test('times that look like seconds warn once per session, naming the time as read; milliseconds do not', async () => {
  const rec = fake();
  const s = rec.session();
  const messages = await warnings(() => {
    s.observe({ item: 'A', time: T });
    s.rerank(['A'], { time: T + 10 });
    s.observe({ item: 'A', time: 1_700_000_000 });
    s.observe({ item: 'B', time: 1_700_000_100 });
    s.recommend({ time: 1_700_000_200 });
  });
  assert.deepEqual(messages, ['tandem: event.time 1700000000 looks like seconds; times are milliseconds since 1970 (Date.now()), so this one is 1970-01-20T16:13:20.000Z']);
  assert.equal(s.counters.events, 3, 'the event is still recorded as given');
  const resumed = await warnings(() => rec.session().resume(1_700_000_000));
  assert.deepEqual(resumed, ['tandem: time 1700000000 looks like seconds; times are milliseconds since 1970 (Date.now()), so this one is 1970-01-20T16:13:20.000Z']);
});

test('autoTrack: a product detail in view is a view (once per sighting, and again for the next product a reused element shows)', () => {
  withObservers({ now: T }, (observers, mutations) => {
    const rec = fake({}, TAOBAO);
    const session = rec.session();
    const detail = new FakeElement({ 'data-tandem-detail': 'B' });
    const tile = new FakeElement({ 'data-tandem-item': 'A' });
    const root = new FakeElement({}, [tile, detail]);
    const kinds = [];
    rec.autoTrack(root, { session, onEvent: (e) => kinds.push(`${e.kind}:${e.type}:${e.item}`) });
    const io = observers[0];
    assert.deepEqual(mutations[0].options.attributeFilter, ['data-tandem-item', 'data-tandem-detail']);
    const seen = (el, ratio = 1) => io.callback([{ target: el, isIntersecting: ratio > 0, intersectionRatio: ratio }]);
    seen(detail);
    seen(tile);
    mock.timers.tick(1000);
    assert.deepEqual(kinds, ['view:pv:B'], 'the detail is a view; the tile only an impression');
    mock.timers.tick(10_000);
    assert.equal(kinds.length, 1, 'still in view: one view');

    // A quick view showing another product: the tracker re-observes the element.
    detail.setAttribute('data-tandem-detail', 'C');
    mutations[0].callback([{ type: 'attributes', target: detail }]);
    assert.ok(io.targets.has(detail));
    seen(detail);
    mock.timers.tick(1000);
    // Closed and opened again on the same product: a new sighting.
    seen(detail, 0);
    seen(detail);
    mock.timers.tick(1000);
    assert.deepEqual(kinds, ['view:pv:B', 'view:pv:C', 'view:pv:C']);
    assert.deepEqual(session.recentEvents().map((e) => e.item), ['B', 'C', 'C']);
  });
});

test('autoTrack events: clicks recorded as nothing (product pages counted instead) or tiles as views (the old behaviour); bad mappings refused', async () => {
  withObservers({ now: T }, (observers) => {
    const clicks = [];
    const rec = fake({ onClick: (e) => clicks.push(e.item) });
    const session = rec.session();
    const [r] = session.rerank(['A']);
    const tile = new FakeElement({ 'data-tandem-item': 'A', 'data-tandem-rec': r.recommendationId });
    const basket = new FakeElement({ 'data-tandem-event': 'basket', 'data-tandem-item': 'A' });
    const root = new FakeElement({}, [tile, basket]);
    rec.autoTrack(root, { session, events: { click: null, impression: 'view', basket: 'cart' } });
    tile.click();
    assert.equal(session.counters.events, 0, 'no model event for the click');
    assert.deepEqual(clicks, ['A'], 'but it is still a click on the recommendation');
    observers[0].callback([{ target: tile, isIntersecting: true, intersectionRatio: 1 }]);
    mock.timers.tick(1000);
    basket.click();
    assert.deepEqual(session.recentEvents().map((e) => e.type), ['view', 'cart']);
  });
  withObservers(() => {
    const rec = fake();
    const session = rec.session();
    assert.throws(() => rec.autoTrack(new FakeElement(), { session, events: { click: 5 } }), { name: 'TypeError', message: 'tandem: autoTrack events.click must be an event name or null, got 5' });
    assert.throws(() => rec.autoTrack(new FakeElement(), { session, events: 'ga4' }), { name: 'TypeError', message: 'tandem: autoTrack events must be an object of sightings to event names or null' });
  });
  const messages = await warnings(() =>
    withObservers(() => {
      const rec = fake();
      const session = rec.session();
      const tile = new FakeElement({ 'data-tandem-item': 'A' });
      rec.autoTrack(new FakeElement({}, [tile]), { session, events: { click: 'poke' } });
      tile.click();
      tile.click();
      assert.equal(session.counters.events, 0);
    }),
  );
  assert.deepEqual(messages, ['tandem: autoTrack ignores clicks as "poke": this model\'s event types are view, click, cart, purchase']);
});

test('autoTrack with the GA4 map: data-tandem-event="add_to_cart" is the model\'s cart', () => {
  withObservers(() => {
    const rec = fake({ eventMap: 'ga4' }, TAOBAO);
    const session = rec.session();
    const button = new FakeElement({ 'data-tandem-event': 'add_to_cart', 'data-tandem-item': 'B' });
    rec.autoTrack(new FakeElement({}, [button]), { session });
    button.click();
    assert.deepEqual(session.recentEvents().map((e) => `${e.type}:${e.item}`), ['cart:B']);
  });
});

test('subscribe(): told after every change of the state, not after rankings; stops when asked; a throwing subscriber is reported', async () => {
  const rec = fake();
  const s = rec.session();
  let n = 0;
  const stop = s.subscribe(() => n++);
  s.observe({ item: 'A', time: T });
  s.rerank(['A', 'B']);
  s.recommend();
  s.setProfile(new Float32Array([1, 0, 0]));
  s.foldSession();
  s.reset();
  s.restoreState(s.saveState());
  await s.forget();
  assert.equal(n, 6);
  stop();
  s.observe({ item: 'A', time: T });
  assert.equal(n, 6);
  assert.throws(() => s.subscribe('render'), { name: 'TypeError', message: 'tandem: subscribe needs a function' });
  const errors = [];
  const spy = mock.method(console, 'error', (...args) => errors.push(args[0]));
  try {
    s.subscribe(() => {
      throw new Error('render failed');
    });
    s.observe({ item: 'B', time: T });
    assert.equal(s.counters.events, 2, 'recorded all the same');
    assert.deepEqual(errors, ['tandem: a subscriber threw: render failed']);
  } finally {
    spy.mock.restore();
  }
});
