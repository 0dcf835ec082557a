// Profiles that know their model, in Chromium (issue #18): the demo model's page (model B) meets
// model A's profile, from its saved state (the profile copy with its folded sessions) and as a
// vector tagged with A's fingerprint that the page kept, and each time takes the population prior, warns once, and fetches the
// signed-in shopper's profile again from GET /profile?model=<its fingerprint> (the demo server's
// tandem-rec/server handler), which then applies. Model A is a fixture model written by the native
// CLI, served under /fixture/. Needs build/demo (scripts/demo.sh --no-serve) and build/package.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixturePath } from '../js/helpers.mjs';
import { demoAndBrowser, recordedPage } from './helpers.mjs';

const shop = demoAndBrowser({ 'a.tandem': fixturePath({ items: 300, dim: 32, seed: 5 }) });

test('model A\'s profile on a page of model B (the saved state, a tagged vector the page kept): the prior, one warning each, the profile fetched again for B and applied', async () => {
  const personas = await (await fetch(`${shop.base}/personas.json`)).json();
  const maya = personas.find((p) => p.id === 'maya');
  assert.ok(maya?.hasProfile, 'the demo has trained profiles (scripts/demo.sh --no-serve)');
  const context = await shop.browser.newContext();
  await context.addCookies([{ name: 'tandem-demo-user', value: maya.userId, url: shop.base }]);
  const { page, log } = await recordedPage(context);
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  await page.goto(`${shop.base}/test/blank.html`);

  // A visit under model A: events folded into the device's profile copy, saved in localStorage.
  const a = await page.evaluate(async () => {
    const { Recommender } = await import('/tandem-rec/index.js');
    const rec = await Recommender.create({ modelUrl: '/fixture/a.tandem' });
    const s = rec.session({ persist: 'localStorage', storageKey: 'pm' });
    for (let i = 0; i < 5; i++) s.observe({ item: `SKU-1000${10 + i}`, type: 'view', time: Date.now() + i });
    s.foldSession();
    const fingerprint = rec.fingerprint;
    rec.close();
    return { fingerprint, saved: localStorage.getItem('pm') !== null };
  });
  assert.ok(a.saved);
  await page.reload();

  // The next page load runs model B, the demo's: the saved state is A's.
  const b = await page.evaluate(async () => {
    const { Recommender } = await import('/tandem-rec/index.js');
    const rec = await Recommender.create({ modelUrl: '/demo.tandem' });
    const url = (fp) => `/profile?model=${fp}`;
    const s = rec.session({ persist: 'localStorage', storageKey: 'pm', profile: url });
    const prior = Array.from(rec.session().profile());
    const atOnce = Array.from(s.profile());
    await s.ready;
    const mine = new Uint8Array(await (await fetch(`/profile?model=${rec.fingerprint}`)).arrayBuffer());
    const expected = rec.session({ profile: mine });
    const same = (x, y) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    const result = { fingerprint: rec.fingerprint, priorAtOnce: same(atOnce, prior), applied: same(Array.from(s.profile()), Array.from(expected.profile())), events: s.recentEvents().length };
    Object.assign(window, { session: s, same, expected, prior });
    return result;
  });
  assert.notEqual(b.fingerprint, a.fingerprint);
  assert.equal(b.priorAtOnce, true, 'model A\'s profile copy is never used');
  assert.equal(b.applied, true, 'the signed-in shopper\'s profile for model B, applied');
  // One warning: the state discarded whole, or (an engine that carries states over to a new model)
  // its recent events replayed by name; either way its profile copy is not used.
  assert.equal(warnings.length, 1, warnings.join('\n'));
  const discarded = `tandem: discarding the saved session state (session state: saved for another model (fingerprint ${a.fingerprint}, this model ${b.fingerprint})); starting a fresh session`;
  assert.ok(warnings[0] === discarded || warnings[0].startsWith('tandem: the saved session state is from another model'), warnings[0]);
  if (warnings[0] === discarded) assert.equal(b.events, 0);
  const profileRequests = () => log.requests.filter((r) => new URL(r.url).pathname === '/profile').map((r) => r.url.slice(shop.base.length));
  assert.deepEqual(profileRequests(), [`/profile?model=${b.fingerprint}`, `/profile?model=${b.fingerprint}`]);

  // Model A's profile vector, tagged with its fingerprint, offered by the page (a copy it kept): the
  // prior at once, one warning, the profile fetched again.
  const offered = await page.evaluate(async (fingerprintA) => {
    const { Recommender } = await import('/tandem-rec/index.js');
    const recA = await Recommender.create({ modelUrl: '/fixture/a.tandem' });
    const sA = recA.session();
    sA.observe({ item: 'SKU-100020', type: 'cart', time: Date.now() });
    sA.foldSession();
    const vector = sA.profile();
    recA.close();
    const s = window.session;
    s.setProfile({ vector, fingerprint: fingerprintA });
    const priorAtOnce = window.same(Array.from(s.profile()), window.prior);
    await s.ready;
    return { priorAtOnce, applied: window.same(Array.from(s.profile()), Array.from(window.expected.profile())) };
  }, a.fingerprint);
  assert.deepEqual(offered, { priorAtOnce: true, applied: true });
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.equal(warnings[1], `tandem: the profile is from another model (fingerprint ${a.fingerprint}, this model ${b.fingerprint}); using the population prior and fetching the profile again`);
  assert.deepEqual(profileRequests(), [`/profile?model=${b.fingerprint}`, `/profile?model=${b.fingerprint}`, `/profile?model=${b.fingerprint}`]);
  assert.deepEqual(log.errors, []);
  await context.close();
});
