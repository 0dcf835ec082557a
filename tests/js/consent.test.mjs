// Consent mode, persist: 'afterConsent': nothing read from or written to storage before
// grantConsent(); then an earlier visit's state is restored with this page's changes replayed on
// top (or, on a first visit, the current state saved); revokeConsent() forgets and stops saving.
// With the fake module and a localStorage stand-in; tests/browser/measure.test.mjs does the same
// with the browser's real localStorage across page loads.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Recommender } from './helpers.mjs';
import { createFakeModule, fakeModelBytes, memoryStorage } from './fake-module.mjs';

const T = 1.7e12; // ms
let storage;

beforeEach(() => {
  storage = memoryStorage();
  globalThis.localStorage = storage;
});
afterEach(() => {
  delete globalThis.localStorage;
});

const fake = () => Recommender._fromModule(createFakeModule(), fakeModelBytes(), {});
const items = (s) => s.recentEvents().map((e) => e.item);

test('before consent the session works in memory and touches no storage at all', async () => {
  storage.data.set('tandem-session', JSON.stringify({ tandem: 1, state: 'earlier visit', measure: null }));
  storage.calls.length = 0;
  const s = fake().session({ persist: 'afterConsent' });
  s.observe({ item: 'A', time: T });
  const [r] = s.rerank(['A', 'B']);
  s.impression({ item: 'A', recommendationId: r.recommendationId, time: T });
  s.foldSession();
  await s.forget();
  s.observe({ item: 'B', time: T + 1 });
  await s.ready;
  assert.deepEqual(storage.calls, [], 'not read, not written, not removed');
  assert.deepEqual(items(s), ['B']);
});

test('grantConsent() on a first visit saves the current state, then every change', async () => {
  const s = fake().session({ persist: 'afterConsent' });
  s.observe({ item: 'A', time: T });
  s.observe({ item: 'B', time: T + 1 });
  await s.grantConsent();
  assert.ok(storage.data.has('tandem-session'), 'saved at once');
  s.observe({ item: 'C', time: T + 2 });
  assert.deepEqual(items(fake().session({ persist: 'localStorage' })), ['A', 'B', 'C'], 'what the next page load restores');
  await s.grantConsent(); // granting again changes nothing
  assert.deepEqual(items(s), ['A', 'B', 'C']);
});

test('grantConsent() with an earlier visit saved: that state restored, this page\'s changes replayed on top, in order', async () => {
  const rec = fake();
  const earlier = rec.session({ persist: 'localStorage' });
  earlier.observe({ item: 'A', time: T });
  earlier.setProfile(new Float32Array([4, 0, 0]));
  const s = rec.session({ persist: 'afterConsent' });
  s.observe({ item: 'C', time: T + 100 });
  assert.deepEqual(items(s), ['C'], 'before consent: this page only');
  await s.grantConsent();
  assert.deepEqual(items(s), ['A', 'C']);
  assert.deepEqual(Array.from(s.profile()), [4, 0, 0], 'the earlier visit\'s profile');
  assert.deepEqual(items(rec.session({ persist: 'localStorage' })), ['A', 'C'], 'and saved');
});

test('grantConsent() with an asynchronous storage is the same, resolved when done', async () => {
  const rec = fake();
  globalThis.localStorage = memoryStorage({ async: true });
  const earlier = rec.session({ persist: globalThis.localStorage });
  await earlier.ready;
  earlier.observe({ item: 'D', time: T });
  const s = rec.session({ persist: 'afterConsent' });
  s.observe({ item: 'B', time: T + 1 });
  const granted = s.grantConsent();
  s.observe({ item: 'C', time: T + 2 }); // while the storage is read
  const again = s.grantConsent(); // a second call settles with the first
  await again;
  assert.deepEqual(items(s), ['D', 'B', 'C']);
  await granted;
});

test('revokeConsent() forgets (the saved copy too) and nothing is saved until consent is given again', async () => {
  const rec = fake();
  const s = rec.session({ persist: 'afterConsent' });
  s.observe({ item: 'A', time: T });
  await s.grantConsent();
  await s.revokeConsent();
  assert.equal(storage.data.has('tandem-session'), false);
  assert.deepEqual(items(s), []);
  storage.calls.length = 0;
  s.observe({ item: 'B', time: T + 1 });
  assert.deepEqual(storage.calls, [], 'not saved after the revocation');
  await s.grantConsent();
  assert.deepEqual(items(rec.session({ persist: 'localStorage' })), ['B']);

  // A session saving from the start can revoke too.
  const plain = rec.session({ persist: 'localStorage', storageKey: 'other' });
  plain.observe({ item: 'C', time: T });
  await plain.revokeConsent();
  plain.observe({ item: 'D', time: T + 1 });
  assert.equal(storage.data.has('other'), false);
});

test('consent calls on a session without storage say so', () => {
  const s = fake().session();
  assert.throws(() => s.grantConsent(), { name: 'TypeError', message: "tandem: grantConsent needs a session made with persist (e.g. persist: 'afterConsent')" });
  assert.throws(() => s.revokeConsent(), { name: 'TypeError', message: "tandem: revokeConsent needs a session made with persist (e.g. persist: 'afterConsent')" });
});
