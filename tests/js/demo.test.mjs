// The demo's generator and static server: the data is deterministic and a valid Taobao
// UserBehavior log with funnels and personas; the server sends the right types and the strict CSP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATEGORIES, PERSONAS, makeCatalog, makeLog } from '../../demo/generate.mjs';
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
    assert.ok(p.price > 0 && p.name && p.picture.startsWith('<svg'), p.id);
  }
  for (const [user, item, category, behaviour, time] of rows) {
    assert.match(user, /^\d+$/);
    assert.equal(byId.get(item)?.category, category, `${item} is in the catalog under ${category}`);
    assert.ok(['pv', 'cart', 'fav', 'buy'].includes(behaviour));
    assert.ok(Number.isInteger(time) && time > 1.7e9);
  }
  assert.ok(rows.length > 20000, `${rows.length} rows`);
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
  for (const persona of PERSONAS) {
    const mine = rows.filter((r) => r[0] === persona.userId);
    const inTaste = mine.filter((r) => persona.tastes.includes(r[2])).length;
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

test('models/demo.tandem, the shipped demo model, loads with its self-test and knows the demo catalog', async () => {
  const { Recommender, root } = await import('./helpers.mjs');
  const { readFileSync } = await import('node:fs');
  const rec = await Recommender.create({ modelBuffer: readFileSync(`${root}/models/demo.tandem`) });
  const catalog = makeCatalog();
  // A changed generator changes the catalog: then retrain (bash scripts/demo.sh --no-serve) and
  // copy build/demo/demo.tandem to models/demo.tandem.
  assert.equal(rec.itemCount, catalog.products.length);
  for (const p of catalog.products) assert.ok(rec.hasItem(p.id), `${p.id} is in models/demo.tandem`);
  assert.deepEqual([...rec.eventTypes].sort(), ['cart', 'fav', 'purchase', 'view']);
  rec.close();
});
