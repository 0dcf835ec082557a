// The demo's generator and static server: the data is deterministic and a valid Taobao
// UserBehavior log with funnels and personas over a catalog with brands, prices and sales that
// change over the month (the trainer's catalog file beside it), bargain hunters who favour what is
// on sale that day, and new arrivals no log row names; the server sends the right types and the
// strict CSP; the shipped demo model knows the catalog and its features.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATEGORIES, DAYS, PERSONAS, discountOn, makeCatalog, makeLog, priceOn, trainerCatalog } from '../../demo/generate.mjs';
import { CSP, startServer } from '../../demo/serve.mjs';

test('the generator is deterministic and writes a Taobao UserBehavior log over the catalog', () => {
  const catalog = makeCatalog();
  const rows = makeLog(catalog);
  assert.deepEqual(makeCatalog(), catalog);
  assert.deepEqual(makeLog(catalog), rows);
  assert.equal(catalog.products.length, 300);
  assert.equal(new Set(catalog.products.map((p) => p.id)).size, 300);
  const byId = new Map(catalog.products.map((p) => [p.id, p]));
  for (const p of catalog.products) {
    assert.match(p.id, /^SKU-\d+$/);
    assert.ok(p.price > 0 && p.price <= p.listPrice && p.name && p.picture.startsWith('<svg'), p.id);
    const category = CATEGORIES.find((c) => c.id === p.category);
    assert.equal(p.path, category.path);
    assert.match(p.path, /^[a-z]+\/[a-z]+$/);
    assert.ok(category.brands.includes(p.brand), p.id);
    assert.equal(p.price, priceOn(p, DAYS), 'the price is today\'s');
  }
  for (const [user, item, path, behaviour, time] of rows) {
    assert.match(user, /^\d+$/);
    assert.equal(byId.get(item)?.path, path, `${item} is in the catalog under ${path}`);
    assert.ok(['pv', 'cart', 'fav', 'buy'].includes(behaviour));
    assert.ok(Number.isInteger(time) && time > 1.7e9);
  }
  assert.ok(rows.length > 20000, `${rows.length} rows`);
});

test('the catalog: sales start and end over the month, today\'s prices are the trainer\'s catalog, new arrivals are in no log row', () => {
  const catalog = makeCatalog();
  const rows = makeLog(catalog);
  // Sales change over the days: products whose price on some day differs from today's.
  const changed = catalog.products.filter((p) => Array.from({ length: DAYS }, (_, d) => priceOn(p, d)).some((x) => x !== p.price));
  const onSaleToday = catalog.products.filter((p) => p.price < p.listPrice);
  assert.ok(changed.length >= 60, `${changed.length} products had another price during the month`);
  assert.ok(onSaleToday.length >= 40 && onSaleToday.length <= 120, `${onSaleToday.length} on sale today`);
  assert.ok(changed.some((p) => p.price === p.listPrice), 'some sales are over');
  assert.ok(changed.some((p) => discountOn(p, 0) === 0 && p.price < p.listPrice), 'some started during the month');
  // The trainer's catalog file: one row per product in the format tandem train --catalog reads.
  const rowsOut = trainerCatalog(catalog);
  assert.equal(rowsOut.length, 300);
  for (const [i, r] of rowsOut.entries()) {
    const p = catalog.products[i];
    assert.deepEqual(Object.keys(r), ['id', 'category', 'brand', 'price', 'list_price', 'collection']);
    assert.deepEqual(r, { id: p.id, category: p.path, brand: p.brand, price: p.price, list_price: p.listPrice, collection: p.collection });
  }
  assert.ok(rowsOut.filter((r) => r.collection === 'new').length >= 5, 'some products are new');
  // New arrivals: one per category, unknown to the log, at their list price.
  assert.deepEqual(catalog.arrivals.map((a) => a.category), CATEGORIES.map((c) => c.id));
  const logged = new Set(rows.map((r) => r[1]));
  for (const a of catalog.arrivals) {
    assert.ok(!logged.has(a.id) && !catalog.products.some((p) => p.id === a.id), a.id);
    assert.equal(a.collection, 'new');
    assert.equal(a.price, a.listPrice);
  }
});

test('bargain hunters favour what is on sale on the day they shop; the persona Nina is one', () => {
  const catalog = makeCatalog();
  const rows = makeLog(catalog);
  const byId = new Map(catalog.products.map((p) => [p.id, p]));
  const start = Date.UTC(2026, 9, 1) / 1000;
  // The share of a shopper's views of items on sale that day.
  const saleShare = (mine) => {
    const views = mine.filter((r) => r[3] === 'pv');
    return views.filter((r) => discountOn(byId.get(r[1]), Math.floor((r[4] - start) / 86400)) > 0).length / views.length;
  };
  const nina = PERSONAS.find((p) => p.bargain);
  assert.equal(nina.id, 'nina');
  const others = PERSONAS.filter((p) => !p.bargain).map((p) => saleShare(rows.filter((r) => r[0] === p.userId)));
  const hers = saleShare(rows.filter((r) => r[0] === nina.userId));
  assert.ok(others.every((x) => hers > 1.4 * x), `Nina views items on sale ${(100 * hers).toFixed(0)} % of the time, the others ${others.map((x) => (100 * x).toFixed(0)).join(', ')} %`);
});

test('the log has funnels (every buy follows a cart of the same item), personas, and intents beyond the tastes', () => {
  const rows = makeLog(makeCatalog());
  const carted = new Set();
  let buys = 0;
  for (const [user, item, , behaviour] of rows) {
    if (behaviour === 'cart') carted.add(`${user} ${item}`);
    if (behaviour === 'buy') {
      buys++;
      assert.ok(carted.has(`${user} ${item}`), `user ${user} bought ${item} without a cart`);
    }
  }
  assert.ok(buys > 500);
  const categoryOf = new Map(CATEGORIES.map((c) => [c.path, c.id]));
  for (const persona of PERSONAS) {
    const mine = rows.filter((r) => r[0] === persona.userId);
    const inTaste = mine.filter((r) => persona.tastes.includes(categoryOf.get(r[2]))).length;
    assert.ok(mine.length > 60, `${persona.name} has a history`);
    assert.ok(inTaste / mine.length > 0.5, `${persona.name}'s history follows the tastes`);
    assert.ok(inTaste < mine.length, `${persona.name} also shops outside them`);
  }
  assert.equal(new Set(rows.map((r) => r[2])).size, CATEGORIES.length);
});

test('the demo server: content types, the strict CSP on every response, no path escapes', async () => {
  assert.ok(CSP.includes("script-src 'self' 'wasm-unsafe-eval'") && !CSP.includes("'unsafe-eval'") && !CSP.includes("'unsafe-inline'"));
  const { server, url } = await startServer();
  try {
    for (const [path, type] of [['/', 'text/html; charset=utf-8'], ['/shop.js', 'text/javascript; charset=utf-8'], ['/tandem-rec/tandem.wasm', 'application/wasm'], ['/tandem-rec/index.js', 'text/javascript; charset=utf-8']]) {
      const r = await fetch(url + path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), type, path);
      assert.equal(r.headers.get('content-security-policy'), CSP, path);
    }
    for (const path of ['/tandem-rec/../../README.md', '/tandem-rec/%2e%2e/%2e%2e/README.md', '/nothing-here']) {
      const r = await fetch(url + path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers.get('content-security-policy'), CSP);
    }
    const post = await fetch(url + '/', { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
  } finally {
    server.close();
  }
});

test('the demo server\'s GET /profile (tandem-rec/server): from the store `tandem profiles` writes, or without it from the trainer\'s profile files in memory; the signed-in persona\'s profile, nobody else\'s', async (t) => {
  const { Recommender, cli, tempDir } = await import('./helpers.mjs');
  const { execFileSync } = await import('node:child_process');
  const { existsSync, readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { createRequire } = await import('node:module');
  const Database = createRequire(import.meta.url)('better-sqlite3');
  // A tiny demo dir, made as scripts/demo.sh makes build/demo: a log (two personas and a shopper
  // who is none), a model and its profile files from tandem train, then the store from tandem profiles.
  const demoDir = tempDir(t, 'tandem-demo-');
  const rows = [];
  for (const [u, user] of ['1001', '1002', '9000'].entries()) {
    for (let k = 0; k < 8; k++) rows.push(`${user},SKU-${(u * 3 + k * 5) % 12},a/b,${k % 4 === 3 ? 'cart' : 'pv'},${1790844820 + u * 5000 + k * 60}`);
  }
  writeFileSync(join(demoDir, 'demo-log.csv'), rows.join('\n') + '\n');
  writeFileSync(join(demoDir, 'personas.json'), JSON.stringify(PERSONAS.slice(0, 3).map(({ id, userId, name }) => ({ id, userId, name }))));
  const model = join(demoDir, 'demo.tandem');
  execFileSync(cli, ['train', '--data', join(demoDir, 'demo-log.csv'), '--out', model, '--profiles', join(demoDir, 'profiles'),
    '--dim', '8', '--epochs', '1', '--batch-size', '8', '--quiet'], { stdio: 'pipe' });
  const files = Object.fromEntries(['1001', '1002', '9000'].map((user) => [user, new Uint8Array(readFileSync(join(demoDir, 'profiles', `${user}.profile`)))]));
  const rec = await Recommender.create({ modelBuffer: readFileSync(model) });

  /** The demo server over demoDir serves each persona their profile (`expected`) and nobody else's. */
  async function assertServes(expected) {
    const { server, url, profiles } = await startServer({ demoDir });
    try {
      const get = (path, user) => fetch(url + path, { headers: user ? { cookie: `other=1; tandem-demo-user=${user}` } : {} });
      const mine = await get(`/profile?model=${rec.fingerprint}`, PERSONAS[0].userId);
      assert.equal(mine.status, 200);
      assert.deepEqual(new Uint8Array(await mine.arrayBuffer()), expected[PERSONAS[0].userId]);
      assert.deepEqual(new Uint8Array(await (await get('/profile', PERSONAS[1].userId)).arrayBuffer()), expected[PERSONAS[1].userId]);
      assert.equal(mine.headers.get('cache-control'), 'private, no-cache');
      assert.equal(mine.headers.get('content-security-policy'), CSP);
      assert.equal((await get('/profile?model=0123456789abcdef', PERSONAS[0].userId)).status, 404, 'another model\'s space');
      assert.equal((await get('/profile')).status, 401, 'a guest');
      assert.equal((await get('/profile', '9000')).status, 401, 'the toy sign-in knows the personas only');
      assert.equal((await get(`/profile?user=${PERSONAS[1].userId}`, PERSONAS[0].userId)).headers.get('etag'), mine.headers.get('etag'));
      assert.equal((await get(`/profiles/${PERSONAS[0].userId}.profile`)).status, 404, 'no URL names a shopper');
      assert.equal((await get('/profile', PERSONAS[2].userId)).status, 404, 'a persona without a profile');
      const personas = await (await get('/personas.json')).json();
      assert.deepEqual(personas.map((p) => p.hasProfile), [true, true, false]);
      return profiles;
    } finally {
      server.close();
    }
  }

  try {
    // No store yet: the profile files, from memory, and the server says why.
    const memory = await assertServes(files);
    assert.deepEqual(memory, { kind: 'memory', path: null, count: 3, why: `no ${join(demoDir, 'profiles.db')} (scripts/demo.sh makes it with tandem profiles)` });
    assert.ok(!existsSync(join(demoDir, 'profiles.db')), 'the demo server writes no store');
    // The store, made by the trainer as scripts/demo.sh makes it: what is served from then on.
    execFileSync(cli, ['profiles', '--model', model, '--data', join(demoDir, 'demo-log.csv'), '--store', join(demoDir, 'profiles.db'), '--rebuild'], { stdio: 'pipe' });
    const db = new Database(join(demoDir, 'profiles.db'), { readonly: true });
    const stored = Object.fromEntries(db.prepare('SELECT user, profile FROM profiles').all().map((r) => [r.user, new Uint8Array(r.profile)]));
    db.close();
    assert.deepEqual(Object.keys(stored).sort(), ['1001', '1002', '9000']);
    const sqlite = await assertServes(stored);
    assert.deepEqual(sqlite, { kind: 'sqlite', path: join(demoDir, 'profiles.db'), count: 3, why: null });
    // The store and the profile files are the same profiles: the fallback serves what the store would.
    assert.deepEqual(stored, files);
  } finally {
    rec.close();
  }
});

test('models/demo.tandem, the shipped demo model, loads with its self-test and knows the demo catalog', async () => {
  const { Recommender, root } = await import('./helpers.mjs');
  const { readFileSync } = await import('node:fs');
  const rec = await Recommender.create({ modelBuffer: readFileSync(`${root}/models/demo.tandem`) });
  const catalog = makeCatalog();
  // A changed generator changes the catalog: then retrain (bash scripts/demo.sh --no-serve) and
  // copy build/demo/demo.tandem to models/demo.tandem.
  assert.equal(rec.itemCount, catalog.products.length);
  for (const p of catalog.products) assert.ok(rec.hasItem(p.id), `${p.id} is in models/demo.tandem`);
  for (const a of catalog.arrivals) assert.ok(!rec.hasItem(a.id), `${a.id} is a new arrival`);
  assert.deepEqual([...rec.eventTypes].sort(), ['cart', 'fav', 'purchase', 'view']);
  // Trained with the demo's catalog (version 3: item features), so an arrival is scored as itself.
  const { unseal } = await import('./helpers.mjs');
  const { header } = unseal(new Uint8Array(readFileSync(`${root}/models/demo.tandem`)));
  assert.equal(header.version, 3);
  assert.deepEqual(header.items.features.map((f) => f.name), ['category', 'brand', 'price', 'discount', 'collection']);
  const s = rec.session();
  const [arrival] = catalog.arrivals;
  const unknown = s.rerank([arrival.id])[0].score;
  assert.deepEqual(rec.addItems([{ id: arrival.id, category: arrival.path, brand: arrival.brand, price: arrival.price, listPrice: arrival.listPrice, collection: 'new' }]), { added: 1, updated: 0 });
  assert.notEqual(s.rerank([arrival.id])[0].score, unknown);
  rec.close();
});
