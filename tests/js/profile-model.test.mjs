// Profiles that know their model (issue #18), against the real wasm: a profile from model A offered
// to a page of model B (as a file, a tagged vector, a download, or inside the saved state) is never
// applied and never throws: the page takes the population prior, warns once, and fetches its
// profile again from the profile URL, which may be a function of the model fingerprint. A vector
// with its model's fingerprint applies; a bare vector applies too (the caller vouches for it).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { Recommender, fixtureBytes, profileFile, warnings } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

const T0 = 1.7e12;
const recA = await Recommender.create({ modelBuffer: fixtureBytes({ seed: 3 }) });
const recB = await Recommender.create({ modelBuffer: fixtureBytes({ seed: 4 }) });
after(() => {
  recA.close();
  recB.close();
});
assert.equal(recA.profileLength, recB.profileLength, 'two models of one dimension: only the fingerprint tells them apart');

/** A real profile vector of `rec`: a session's events folded. */
function vectorOf(rec, items) {
  const s = rec.session();
  items.forEach((item, i) => s.observe({ item, type: 'view', time: T0 + i * 60_000 }));
  s.foldSession();
  const v = s.profile();
  s.close();
  return v;
}
const vA = vectorOf(recA, ['SKU-100001', 'SKU-100002', 'SKU-100003']);
const vB = vectorOf(recB, ['SKU-100100', 'SKU-100101']);
const fileA = profileFile(recA, vA), fileB = profileFile(recB, vB);
const priorB = recB.session().profile();
const OTHER = `tandem: the profile is from another model (fingerprint ${recA.fingerprint}, this model ${recB.fingerprint}); using the population prior`;

/** A profile server whose answers are `answer(request, n)` ({ status, body }); records the requests. */
async function profileServer(t, answer) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, cacheControl: req.headers['cache-control'] ?? null });
    const { status = 200, body = null } = answer(req, requests.length) ?? {};
    res.writeHead(status, { 'content-type': 'application/octet-stream', ...(body ? { 'content-length': body.length } : {}) });
    res.end(body ?? undefined);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => server.close(ok)));
  return { base: `http://127.0.0.1:${server.address().port}`, requests };
}

test('a profile file of model A downloaded by a page of model B: the prior, one warning, the profile fetched again (revalidated) and applied', async (t) => {
  // The first answer is model A's (a cache that kept yesterday's file), the refetch gets B's.
  const { base, requests } = await profileServer(t, (_req, n) => ({ body: n === 1 ? fileA : fileB }));
  let s;
  const said = await warnings(async () => {
    s = recB.session({ profile: (fp) => `${base}/profile?model=${fp}` });
    assert.equal(await s.ready, s);
  });
  assert.deepEqual(said, [`${OTHER} and fetching the profile again`]);
  assert.deepEqual(s.profile(), vB, 'model B\'s profile, from the refetch');
  assert.deepEqual(requests.map((r) => r.url), [`/profile?model=${recB.fingerprint}`, `/profile?model=${recB.fingerprint}`]);
  assert.equal(requests[0].cacheControl, null);
  assert.match(requests[1].cacheControl, /max-age=0|no-cache/, 'the refetch revalidates what a cache holds');
});

test('a server that keeps answering another model\'s profile: fetched again once only, the prior, one warning', async (t) => {
  const { base, requests } = await profileServer(t, () => ({ body: fileA }));
  let s;
  const said = await warnings(async () => {
    s = recB.session({ profile: `${base}/me.profile` });
    await s.ready;
    await s.setProfile(fileA); // offered again by the page: no third download, no second warning
  });
  assert.deepEqual(said, [`${OTHER} and fetching the profile again`]);
  assert.equal(requests.length, 2);
  assert.deepEqual(s.profile(), priorB);
  // A new URL given to setProfile may be fetched again once more (a 404 there: the prior).
  const gone = await profileServer(t, (_req, n) => (n === 1 ? { body: fileA } : { status: 404 }));
  const more = await warnings(() => s.setProfile(`${gone.base}/me.profile`));
  assert.deepEqual(more, []);
  assert.equal(gone.requests.length, 2);
  assert.deepEqual(s.profile(), priorB);
});

test('setProfile with model A\'s bytes on a page of model B: the prior at once, one warning, then the profile URL\'s (ready waits for it)', async (t) => {
  const { base, requests } = await profileServer(t, () => ({ body: fileB }));
  const s = recB.session({ profile: (fp) => `${base}/p/${fp}` });
  await s.ready;
  assert.deepEqual(s.profile(), vB);
  let changes = 0;
  s.subscribe(() => changes++);
  const said = await warnings(async () => {
    assert.equal(s.setProfile(fileA), undefined, 'never throws');
    assert.deepEqual(s.profile(), priorB, 'not mixed into B\'s space: the prior, at once');
    await s.ready;
  });
  assert.deepEqual(said, [`${OTHER} and fetching the profile again`]);
  assert.deepEqual(s.profile(), vB);
  assert.equal(requests.length, 2);
  assert.equal(changes, 2, 'the prior, then the profile fetched again');
  // After forget() the session no longer knows where its profile came from: nothing is fetched.
  await s.forget();
  const t2 = recB.session({ profile: (fp) => `${base}/p/${fp}` });
  await t2.ready;
  await t2.forget();
  const after = await warnings(async () => {
    t2.setProfile(fileA);
    await t2.ready;
  });
  assert.deepEqual(after, [OTHER]);
  assert.equal(requests.length, 3, 'only t2\'s first download');
  assert.deepEqual(t2.profile(), priorB);
});

test('vectors: with their model\'s fingerprint they apply, with another\'s they are the prior (one warning); a bare vector applies (the caller vouches); a bad fingerprint throws', async () => {
  const s = recB.session({ profile: { vector: vB, fingerprint: recB.fingerprint.toUpperCase() } });
  assert.deepEqual(s.profile(), vB, 'hex digits in either case');
  const said = await warnings(async () => {
    s.setProfile({ vector: vA, fingerprint: recA.fingerprint });
    assert.deepEqual(s.profile(), priorB);
    const t = recB.session({ profile: { vector: vA, fingerprint: recA.fingerprint } });
    assert.deepEqual(t.profile(), priorB);
    await t.ready;
    t.setProfile({ vector: vB, fingerprint: recB.fingerprint });
    assert.deepEqual(t.profile(), vB);
  });
  assert.deepEqual(said, [OTHER, OTHER], 'one warning per session; without a profile URL there is nothing to fetch again');
  // A bare Float32Array carries no model: it applies as given (here, wrongly, A's vector in B).
  const bare = recB.session({ profile: vA });
  assert.deepEqual(bare.profile(), vA);
  // The fingerprint is checked as a type, before anything changes.
  for (const fingerprint of [undefined, 42, 'abc', `${recB.fingerprint}0`, 'zzzzzzzzzzzzzzzz']) {
    assert.throws(() => bare.setProfile({ vector: vB, fingerprint }), { name: 'TypeError', message: /^tandem: profile\.fingerprint must be the fingerprint of the model the vector is from/ });
    assert.throws(() => recB.session({ profile: { vector: vB, fingerprint } }), TypeError);
  }
  assert.deepEqual(bare.profile(), vA);
  // A tagged vector of this model is still checked as a vector (length, values).
  assert.throws(() => bare.setProfile({ vector: new Float32Array(3), fingerprint: recB.fingerprint }), { message: /^tandem: profile has 3 values/ });
  // A profile URL function must give a URL.
  assert.throws(() => recB.session({ profile: () => 42 }), { name: 'TypeError', message: 'tandem: the profile URL function returned 42, not a URL (string or URL)' });
  assert.throws(() => bare.setProfile(() => null), TypeError);
});

test('the saved state (its profile copy with folded sessions) of model A on a page of model B: discarded with one warning, the prior, the profile fetched for B', async (t) => {
  const storage = memoryStorage();
  const a = recA.session({ persist: storage, profile: { vector: vA, fingerprint: recA.fingerprint } });
  a.observe({ item: 'SKU-100007', type: 'cart', time: T0 });
  a.foldSession(); // the device's copy of the profile now folds this visit too
  assert.ok(storage.data.has('tandem-session'));
  const { base, requests } = await profileServer(t, (req) => (req.url.endsWith(recB.fingerprint) ? { body: fileB } : { status: 404 }));
  let b;
  const said = await warnings(async () => {
    b = recB.session({ persist: storage, profile: (fp) => `${base}/profile?model=${fp}` });
    assert.deepEqual(b.profile(), priorB, 'model A\'s profile copy is not used');
    await b.ready;
  });
  // One warning: the state discarded whole, or (an engine that carries states over to a new model)
  // its recent events replayed by name; either way its profile copy is not used.
  assert.equal(said.length, 1, said.join('\n'));
  const discarded = `tandem: discarding the saved session state (session state: saved for another model (fingerprint ${recA.fingerprint}, this model ${recB.fingerprint})); starting a fresh session`;
  assert.ok(said[0] === discarded || said[0].startsWith('tandem: the saved session state is from another model'), said[0]);
  assert.deepEqual(requests.map((r) => r.url), [`/profile?model=${recB.fingerprint}`]);
  assert.deepEqual(b.profile(), vB, 'B\'s profile, fetched');
  assert.deepEqual(b.recentEvents().map((e) => e.item), said[0] === discarded ? [] : ['SKU-100007']);
  // The state saved now is B's: a reload restores it, B's profile included, and fetches nothing.
  const again = recB.session({ persist: storage, profile: (fp) => `${base}/profile?model=${fp}` });
  await again.ready;
  assert.deepEqual(again.profile(), vB);
  assert.equal(requests.length, 1);
});

test('no profile for this shopper (404) and a profile URL that fails: the prior, no throw; a failure is warned once', async (t) => {
  const { base } = await profileServer(t, (req) => (req.url === '/none' ? { status: 404 } : { status: 503 }));
  const quiet = await warnings(async () => {
    const s = recB.session({ profile: `${base}/none` });
    assert.equal(await s.ready, s);
    assert.deepEqual(s.profile(), priorB);
  });
  assert.deepEqual(quiet, []);
  let failing;
  const loud = await warnings(async () => {
    failing = recB.session({ profile: `${base}/down` });
    await assert.rejects(failing.ready, { message: `tandem: cannot fetch the profile at ${base}/down: HTTP 503` });
  });
  assert.deepEqual(loud, [`tandem: cannot fetch the profile at ${base}/down: HTTP 503`]);
  assert.deepEqual(failing.profile(), priorB);
});
