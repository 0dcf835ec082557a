// The catalog in the browser (issue #17), against the real wasm and a model `tandem train --catalog`
// wrote: addItems adds new products scored by their features and updates known ones, removeItems
// delists, `available: false` keeps an item out of recommend(), and rerank and observe take the
// page's price and discount. Scores are checked against two references:
//   - the composed vector math done here from the model file's own tensors (a new item's vector is
//     cold_emb plus the rows of its feature values, its bias cold_bias plus theirs; the price and
//     discount buckets as src/core/catalog.h defines them), with the session's interest vector u
//     recovered from the scores of the known items (score = u . v_j + b_j, solved by least squares);
//   - the native engine: `tandem catalog --partial` applies the same rows to the model file and
//     `tandem score` scores the result (the C++ compiled for this machine, through a file).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Recommender, assertClose, cli, unseal, warnings } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

const T0 = 1_800_000_000; // seconds
const EVENTS = [['SKU-112', 'view', T0], ['SKU-113', 'cart', T0 + 30], ['SKU-131', 'view', T0 + 90]];
const IN_WINDOW = new Set(EVENTS.map((e) => e[0]));

/** 30 shoppers over 40 items in 4 categories under 2 departments, and a catalog with brands, prices, discounts and a colour. */
function smallShop(dir) {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = [];
  for (let u = 0; u < 30; u++) {
    let t = 1_700_000_000 + u * 5000;
    for (let k = 0; k < 14; k++) {
      const cat = next() < 0.7 ? u % 4 : Math.floor(next() * 4);
      const item = 100 + cat * 10 + Math.floor(next() * 10);
      const r = next();
      t += k === 7 ? 7200 : 20 + Math.floor(next() * 300);
      rows.push(`${9000 + u},SKU-${item},dept-${cat >> 1}/cat-${cat},${r < 0.75 ? 'pv' : r < 0.85 ? 'cart' : r < 0.93 ? 'fav' : 'buy'},${t}`);
    }
  }
  writeFileSync(join(dir, 'log.csv'), rows.join('\n') + '\n');
  const catalog = [];
  for (let c = 0; c < 4; c++) {
    for (let k = 0; k < 10; k++) {
      const row = { id: `SKU-${100 + c * 10 + k}`, category: `dept-${c >> 1}/cat-${c}`, brand: `brand-${k % 3}`, price: 5 + 7 * k + c, colour: ['red', 'blue'][k % 2] };
      if (k % 4 === 0) row.discount = 0.1 * ((k % 5) + 1);
      catalog.push(row);
    }
  }
  writeFileSync(join(dir, 'catalog.jsonl'), catalog.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const model = join(dir, 'shop.tandem');
  execFileSync(cli, ['train', '--data', join(dir, 'log.csv'), '--format', 'taobao', '--catalog', join(dir, 'catalog.jsonl'), '--out', model,
    '--dim', '16', '--epochs', '2', '--batch-size', '8', '--quiet'], { stdio: 'pipe' });
  return { model, bytes: new Uint8Array(readFileSync(model)), catalog };
}

let shop; // { dir, model, bytes, catalog, tables }

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-catalog-'));
  shop = { dir, ...smallShop(dir) };
  shop.tables = modelTables(shop.bytes);
});
after(() => rmSync(shop.dir, { recursive: true, force: true }));

// ---- the reference: the model file's tensors, composed here ----

/** The float tensors and the item features of a model file, by name. */
function modelTables(bytes) {
  const { header, data } = unseal(bytes);
  const tensor = (name) => {
    const t = header.tensors.find((x) => x.name === name);
    assert.ok(t, `the model has ${name}`);
    const Type = { f32: Float32Array, i32: Int32Array }[t.dtype];
    return { data: new Type(data.buffer, data.byteOffset + t.offset, t.size / Type.BYTES_PER_ELEMENT), shape: t.shape };
  };
  const names = header.tensors.find((x) => x.name === 'item_ids');
  const ids = new TextDecoder().decode(data.subarray(names.offset, names.offset + names.size)).split('\0').slice(0, header.items.count);
  const features = header.items.features.map((f) => ({ ...f, emb: tensor(`feature_emb.${f.name}`).data, bias: tensor(`feature_bias.${f.name}`).data }));
  return {
    dim: header.config.dim,
    count: header.items.count,
    row: new Map(ids.map((id, j) => [id, j])),
    features,
    itemVec: tensor('item_vec').data,
    itemBias: tensor('item_bias').data,
    cold: tensor('cold_emb').data,
    coldBias: tensor('cold_bias').data[0],
  };
}

// The buckets of src/core/catalog.h: 0 "not given", a price in half-octave steps, a discount in tenths.
const priceBucket = (price) => 1 + Math.min(Math.floor(2 * Math.log2(1 + price)), 38);
const discountBucket = (discount) => (discount > 0 ? 1 + Math.min(Math.floor(10 * discount), 9) : 0);

/** A feature's value for a catalog field (a path: its deepest level the vocabulary knows), or -1. */
function featureValue(feature, row) {
  const given = row[feature.name];
  if (feature.kind === 'popularity') return 0; // a new item: never in the training events (bucket 0)
  if (feature.kind === 'price') return row.price === undefined ? -1 : priceBucket(row.price);
  if (feature.kind === 'discount') {
    const d = row.discount ?? (row.listPrice !== undefined ? 1 - row.price / row.listPrice : undefined);
    return d === undefined ? -1 : discountBucket(d);
  }
  if (given === undefined) return -1;
  if (feature.kind === 'label') return feature.values.indexOf(String(given));
  let found = -1;
  const levels = String(given).split('/');
  for (let i = 1; i <= levels.length; i++) {
    const at = feature.values.indexOf(levels.slice(0, i).join('/'));
    if (at < 0) break;
    found = at;
  }
  return found;
}

/** Adds (sign 1) or takes away (-1) the rows of a feature value, and of every level above it for a path. */
function addRows(t, feature, value, sign, vec, bias) {
  for (let v = value; v >= 0; v = feature.kind === 'path' ? feature.parents[v] : -1) {
    for (let c = 0; c < t.dim; c++) vec[c] += sign * feature.emb[v * t.dim + c];
    bias.value += sign * feature.bias[v];
  }
}

/** A new item's vector and bias: the cold item plus the rows of its features. */
function composeNew(t, row) {
  const vec = Float64Array.from(t.cold), bias = { value: t.coldBias };
  for (const f of t.features) addRows(t, f, featureValue(f, row), 1, vec, bias);
  return { vec, bias: bias.value };
}

/** A trained item's vector and bias with one feature's value replaced. */
function composeChanged(t, rowIndex, name, from, to) {
  const vec = Float64Array.from(t.itemVec.subarray(rowIndex * t.dim, (rowIndex + 1) * t.dim)), bias = { value: t.itemBias[rowIndex] };
  const f = t.features.find((x) => x.name === name);
  addRows(t, f, from, -1, vec, bias);
  addRows(t, f, to, 1, vec, bias);
  return { vec, bias: bias.value };
}

/**
 * The session's interest u from its scores of the trained items outside its recent window
 * (score_j = u . v_j + b_j there): least squares over the normal equations, in float64.
 */
function interest(t, session, ids) {
  const scored = session.rerank(ids).filter((r) => !IN_WINDOW.has(r.item));
  const d = t.dim, ata = Array.from({ length: d }, () => new Float64Array(d + 1));
  for (const r of scored) {
    const j = t.row.get(r.item);
    const v = t.itemVec.subarray(j * d, (j + 1) * d), y = r.score - t.itemBias[j];
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) ata[a][b] += v[a] * v[b];
      ata[a][d] += v[a] * y;
    }
  }
  for (let c = 0; c < d; c++) { // Gauss-Jordan with partial pivoting
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(ata[r][c]) > Math.abs(ata[p][c])) p = r;
    [ata[c], ata[p]] = [ata[p], ata[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = ata[r][c] / ata[c][c];
      for (let k = c; k <= d; k++) ata[r][k] -= f * ata[c][k];
    }
  }
  return Float64Array.from({ length: d }, (_, c) => ata[c][d] / ata[c][c]);
}

const dot = (u, { vec, bias }) => vec.reduce((s, x, c) => s + x * u[c], bias);
const scoresOf = (session, candidates) => new Map(session.rerank(candidates).map((r) => [r.item, r.score]));
const trainedIds = () => shop.catalog.map((r) => r.id);

async function shopper() {
  const rec = await Recommender.create({ modelBuffer: shop.bytes });
  const s = rec.session();
  for (const [item, type, seconds] of EVENTS) s.observe({ item, type, time: seconds * 1000 });
  return { rec, s };
}

// The two new products of the tests: one whose every feature the model knows (and a sale given as
// a list price), one with a category deeper than the model knows and a brand it has never seen.
const NEW_1 = { id: 'NEW-1', category: 'dept-1/cat-3', brand: 'brand-2', price: 30, listPrice: 40, colour: 'blue' };
const NEW_2 = { id: 'NEW-2', category: 'dept-0/cat-9', brand: 'brand-new', price: 12 };

test('the test model: trained with the catalog, its features and rows as the test composes them', async () => {
  const t = shop.tables;
  assert.deepEqual(t.features.map((f) => `${f.name}:${f.kind}`), ['category:path', 'brand:label', 'price:price', 'discount:discount', 'colour:label']);
  const rec = await Recommender.create({ modelBuffer: shop.bytes });
  assert.equal(rec.itemCount, 40);
  assert.equal(shop.tables.row.size, 40);
  for (const [id, j] of shop.tables.row) assert.equal(rec._id(j), id, 'the test reads the ids the engine reads');
  rec.close();
});

test('addItems adds findable, recommendable new items scored by their features: as composed from the model file, and as the native engine scores them', async (t) => {
  const { rec, s } = await shopper();
  assert.equal(rec.hasItem('NEW-1'), false);
  const fallback = scoresOf(s, ['NEW-1']).get('NEW-1'); // unknown: the catalog's mean item
  assert.deepEqual(rec.addItems([NEW_1, NEW_2]), { added: 2, updated: 0 });
  assert.equal(rec.itemCount, 42);
  for (const id of ['NEW-1', 'NEW-2']) {
    assert.equal(rec.hasItem(id), true, id);
    assert.equal(rec.isRecommendable(id), true, id);
  }
  const got = scoresOf(s, ['NEW-1', 'NEW-2']);
  assert.notEqual(got.get('NEW-1'), fallback, 'scored as itself now, not as an unknown id');

  // Reference 1: u from the trained items, the new vectors composed from the file's tables.
  const u = interest(shop.tables, s, trainedIds());
  for (const row of [NEW_1, NEW_2]) {
    const want = dot(u, composeNew(shop.tables, row));
    assertClose(assert, got.get(row.id), want, 1e-4, `${row.id} composed`);
    t.diagnostic(`${row.id}: wasm ${got.get(row.id).toFixed(6)}, composed from the model file ${want.toFixed(6)}`);
  }
  // NEW-2's category is known down to dept-0 and its brand not at all: both add nothing more.
  const feature = (name) => shop.tables.features.find((f) => f.name === name);
  assert.equal(featureValue(feature('category'), NEW_2), feature('category').values.indexOf('dept-0'));
  assert.equal(featureValue(feature('brand'), NEW_2), -1);

  // Reference 2: the same rows applied natively (tandem catalog --partial), scored by tandem score.
  const rows = [NEW_1, NEW_2].map(({ listPrice, ...r }) => (listPrice === undefined ? r : { ...r, list_price: listPrice }));
  writeFileSync(join(shop.dir, 'new.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const updated = join(shop.dir, 'updated.tandem');
  execFileSync(cli, ['catalog', '--model', shop.model, '--catalog', join(shop.dir, 'new.jsonl'), '--out', updated, '--partial'], { stdio: 'pipe' });
  const candidates = ['NEW-1', 'NEW-2', 'SKU-100', 'SKU-137'];
  const native = JSON.parse(execFileSync(cli, ['score', '--model', updated, '--events', EVENTS.map((e) => e.join('@')).join(','), '--candidates', candidates.join(',')], { encoding: 'utf8' }));
  const wasm = scoresOf(s, candidates);
  for (const id of candidates) assertClose(assert, wasm.get(id), native.scores[id], 1e-5, `${id}: wasm vs tandem catalog + tandem score`);

  // Recommendable: recommend() over the whole catalog returns them.
  const all = s.recommend({ k: 100, exclude: 'none' }).map((r) => r.item);
  assert.equal(all.length, 42);
  assert.ok(all.includes('NEW-1') && all.includes('NEW-2'));
  assert.equal(s.recommend({ k: 42, exclude: 'none' }).find((r) => r.item === 'NEW-1').score, got.get('NEW-1'), 'recommend and rerank agree to the bit');
  rec.close();
});

test('a candidate list reranked before addItems finds the new item after it (the id cache is dropped)', async () => {
  const { rec, s } = await shopper();
  const list = ['SKU-100', 'NEW-1', 'also-unknown'];
  const first = scoresOf(s, list);
  assert.equal(first.get('NEW-1'), first.get('also-unknown'), 'both unknown: the fallback item');
  rec.addItems([NEW_1]);
  const second = scoresOf(s, list); // the same array: the fast path must not reuse the old rows
  assert.notEqual(second.get('NEW-1'), second.get('also-unknown'));
  assert.equal(second.get('SKU-100'), first.get('SKU-100'));
  rec.close();
});

test('an update of a known item\'s price moves its score by the price rows (as composed); fields left out keep their value', async (tc) => {
  const { rec, s } = await shopper();
  const t = shop.tables;
  const u = interest(t, s, trainedIds());
  const row = shop.catalog.find((r) => r.id === 'SKU-125'); // price 5 + 35 + 2 = 42, no discount
  const j = t.row.get('SKU-125'), price = t.features.find((f) => f.name === 'price');
  const before = scoresOf(s, ['SKU-125', 'SKU-100']);
  assertClose(assert, before.get('SKU-125'), dot(u, { vec: Float64Array.from(t.itemVec.subarray(j * 16, j * 16 + 16)), bias: t.itemBias[j] }), 1e-4, 'the reference reproduces a trained item');

  assert.deepEqual(rec.addItems([{ id: 'SKU-125', price: 44 }]), { added: 0, updated: 1 }); // the same bucket as 42
  assert.equal(priceBucket(44), priceBucket(row.price));
  // (Its vector is composed again: the same to float32 rounding.)
  assertClose(assert, scoresOf(s, ['SKU-125']).get('SKU-125'), before.get('SKU-125'), 1e-6, 'a price in the same bucket changes nothing');

  rec.addItems([{ id: 'SKU-125', price: 400 }]);
  const after = scoresOf(s, ['SKU-125', 'SKU-100']);
  const want = dot(u, composeChanged(t, j, 'price', priceBucket(row.price), priceBucket(400)));
  tc.diagnostic(`SKU-125 at 42 -> 400: score ${before.get('SKU-125').toFixed(6)} -> ${after.get('SKU-125').toFixed(6)} (composed ${want.toFixed(6)})`);
  assert.notEqual(after.get('SKU-125'), before.get('SKU-125'));
  assertClose(assert, after.get('SKU-125'), want, 1e-4, 'SKU-125 at 400');
  assert.equal(after.get('SKU-100'), before.get('SKU-100'), 'other items are untouched');
  assert.ok(price.emb.length === 40 * 16);
  // Back to its price: its brand, category and colour were kept all along.
  rec.addItems([{ id: 'SKU-125', price: 42 }]);
  assertClose(assert, scoresOf(s, ['SKU-125']).get('SKU-125'), before.get('SKU-125'), 1e-6, 'SKU-125 back at 42');
  rec.close();
});

test('rerank with { item, price, discount } gives the score addItems with that price and discount gives (within 1e-5); left out is the catalog\'s', async (t) => {
  const { rec, s } = await shopper();
  const offers = [
    { item: 'SKU-103', price: 99, discount: 0.45 },  // a price and a sale the catalog does not have
    { item: 'SKU-108', discount: 0 },                 // the catalog's 10 % off ended
    { item: 'SKU-121', price: 150 },                  // a price alone: the catalog's discount
    { item: 'SKU-134', price: 30, listPrice: 50 },    // a sale as a list price: 40 % off
    'SKU-100',                                        // an id: the catalog's
    { item: 'SKU-110' },                              // no fields: the catalog's
    { item: 'unknown-id', price: 10 },                // unknown: the fallback item, its price ignored
  ];
  const ids = offers.map((o) => (typeof o === 'string' ? o : o.item));
  const plain = scoresOf(s, ids);
  const ranked = s.rerank(offers);
  assert.deepEqual(ranked.map((r) => r.position), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...ranked.map((r) => r.item)].sort(), [...ids].sort(), 'entries name the ids');
  const atPage = new Map(ranked.map((r) => [r.item, r.score]));
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score, 'sorted by the page-price scores');
  for (const id of ['SKU-100', 'SKU-110', 'unknown-id']) assert.equal(atPage.get(id), plain.get(id), `${id}: the catalog's`);
  for (const id of ['SKU-103', 'SKU-108', 'SKU-121', 'SKU-134']) assert.notEqual(atPage.get(id), plain.get(id), `${id}: the page's price counts`);

  // The second route: the same prices and discounts put into the catalog with addItems.
  rec.addItems(offers.filter((o) => typeof o !== 'string' && o.item.startsWith('SKU') && Object.keys(o).length > 1).map(({ item, ...rest }) => ({ id: item, ...rest })));
  const stored = scoresOf(s, ids);
  // (An unknown id scores as the catalog's mean item, which the catalog change moved: not compared.)
  for (const id of ids.filter((x) => x !== 'unknown-id')) {
    assertClose(assert, atPage.get(id), stored.get(id), 1e-5, `${id}: rerank at the page's price vs addItems`);
  }
  t.diagnostic(`SKU-103 at 99, 45 % off: catalog ${plain.get('SKU-103').toFixed(6)}, rerank offer ${atPage.get('SKU-103').toFixed(6)}, after addItems ${stored.get('SKU-103').toFixed(6)}`);
  // A listPrice is the discount it gives: 30 of 50 is 40 % off.
  assert.equal(scoresOf(s, [{ item: 'SKU-134', price: 30, discount: 0.4 }]).get('SKU-134'), scoresOf(s, [{ item: 'SKU-134', price: 30, listPrice: 50 }]).get('SKU-134'));
  rec.close();
});

test('available: false keeps an item findable and ranked by rerank, but recommend() (either arm) never returns it; true brings it back', async () => {
  for (const holdout of [0, 1]) {
    const rec = await Recommender.create({ modelBuffer: shop.bytes }, { holdout });
    const s = rec.session();
    s.observe({ item: 'SKU-112', type: 'view', time: T0 * 1000 });
    const top = s.recommend({ k: 3, exclude: 'none' });
    const gone = top[0].item;
    assert.deepEqual(rec.addItems([{ id: gone, available: false }]), { added: 0, updated: 1 });
    assert.equal(rec.hasItem(gone), true);
    assert.equal(rec.isRecommendable(gone), false);
    const all = s.recommend({ k: 100, exclude: 'none' }).map((r) => r.item);
    assert.equal(all.length, 39, `arm ${s.measurement.arm}: every other item`);
    assert.ok(!all.includes(gone), `${gone} is not recommended`);
    assert.deepEqual(s.recommend({ k: 2, exclude: 'none' }).map((r) => r.item), top.slice(1).map((r) => r.item), 'the next ones move up');
    assert.ok(s.rerank([gone, 'SKU-100']).some((r) => r.item === gone), 'rerank still ranks it');
    rec.addItems([{ id: gone, available: true }]);
    assert.deepEqual(s.recommend({ k: 3, exclude: 'none' }).map((r) => r.item), top.map((r) => r.item));
    rec.close();
  }
});

test('removeItems delists: unknown to rerank and observe, never recommended, counted once; addItems lists it again', async () => {
  const { rec, s } = await shopper();
  const before = scoresOf(s, ['SKU-101', 'SKU-102', 'zzz-unknown']);
  assert.equal(rec.removeItems(['SKU-101', 'SKU-101', 'nope', 'SKU-102']), 2);
  assert.equal(rec.removeItems(['SKU-101']), 0, 'no longer listed');
  assert.equal(rec.itemCount, 40, 'rows stay');
  assert.equal(rec.hasItem('SKU-101'), false);
  assert.equal(rec.isRecommendable('SKU-101'), false);
  const after = scoresOf(s, ['SKU-101', 'SKU-102', 'zzz-unknown']);
  assert.equal(after.get('SKU-101'), after.get('zzz-unknown'), 'scored as an unknown id');
  const unknown = s.counters.unknownItems;
  s.observe({ item: 'SKU-101', type: 'view', time: (T0 + 200) * 1000 });
  assert.equal(s.counters.unknownItems, unknown + 1);
  const all = s.recommend({ k: 100, exclude: 'none' }).map((r) => r.item);
  assert.equal(all.length, 38);
  assert.ok(!all.includes('SKU-101') && !all.includes('SKU-102'));
  assert.deepEqual(rec.addItems([{ id: 'SKU-101' }]), { added: 0, updated: 1 }, 'a delisted id is a known row');
  assert.equal(rec.hasItem('SKU-101'), true);
  assert.equal(rec.itemCount, 40);
  // The unknown event left the state as it was: SKU-101 scores as before its removal.
  assertClose(assert, scoresOf(s, ['SKU-101']).get('SKU-101'), before.get('SKU-101'), 1e-6, 'SKU-101 scored as itself again');
  rec.close();
});

test('observe with the page\'s price and discount: the event\'s input is the item at that price, as after addItems with it (within 1e-5)', async () => {
  const candidates = trainedIds().filter((id) => id !== 'SKU-103');
  const run = async (event, catalogRow) => {
    const rec = await Recommender.create({ modelBuffer: shop.bytes });
    if (catalogRow) rec.addItems([catalogRow]);
    const s = rec.session();
    s.observe({ item: 'SKU-112', type: 'view', time: T0 * 1000 });
    s.observe({ time: (T0 + 40) * 1000, type: 'view', ...event });
    const scores = scoresOf(s, candidates);
    rec.close();
    return scores;
  };
  const offered = await run({ item: 'SKU-103', price: 99, discount: 0.45 });
  const stored = await run({ item: 'SKU-103' }, { id: 'SKU-103', price: 99, discount: 0.45 });
  const catalogs = await run({ item: 'SKU-103' });
  const listed = await run({ item: 'SKU-103', price: 99, listPrice: 180 });
  for (const id of candidates) {
    assertClose(assert, offered.get(id), stored.get(id), 1e-5, `${id}: observe at the page's price vs addItems`);
    assert.equal(listed.get(id), offered.get(id), `${id}: 99 of 180 is 45 % off`);
  }
  assert.ok(candidates.some((id) => Math.abs(offered.get(id) - catalogs.get(id)) > 1e-4), 'the price the page showed changes the state');
});

test('every bad argument of addItems, removeItems and the page\'s prices throws a tandem error naming it, and changes nothing', async () => {
  const { rec, s } = await shopper();
  const probe = ['SKU-100', 'SKU-103', 'SKU-125', 'NEW-OK'];
  const snapshot = () => ({ count: rec.itemCount, has: rec.hasItem('NEW-OK'), scores: [...scoresOf(s, probe)], counters: s.counters, recent: s.recentEvents().length });
  const start = snapshot();
  const cases = [
    [() => rec.addItems('SKU-1'), TypeError, 'tandem: addItems needs an array of items { id, category, price, ... }, got "SKU-1"'],
    [() => rec.addItems({ id: 'NEW-OK' }), TypeError, 'tandem: addItems needs an array of items { id, category, price, ... }, got an object'],
    [() => rec.addItems([{ id: 'NEW-OK' }, null]), TypeError, 'tandem: addItems item 1 must be an object { id, category, price, ... }, got null'],
    [() => rec.addItems([['NEW-OK']]), TypeError, 'tandem: addItems item 0 must be an object { id, category, price, ... }, got an array'],
    [() => rec.addItems([{ item: 'NEW-OK' }]), TypeError, 'tandem: addItems item 0: id must be a non-empty string, got undefined'],
    [() => rec.addItems([{ id: 7 }]), TypeError, 'tandem: addItems item 0: id must be a non-empty string, got 7'],
    [() => rec.addItems([{ id: '' }]), TypeError, 'tandem: addItems item 0: id must be a non-empty string, got ""'],
    [() => rec.addItems([{ id: 'bad\ud800' }]), TypeError, 'tandem: addItems item 0: id "bad\\ud800" holds a lone surrogate (not UTF-8)'],
    [() => rec.addItems([{ id: 'NEW-OK', category: 3 }]), TypeError, 'tandem: addItems item 0: category must be a string, got 3'],
    [() => rec.addItems([{ id: 'NEW-OK', brand: null }]), TypeError, 'tandem: addItems item 0: brand must be a string, got null'],
    [() => rec.addItems([{ id: 'NEW-OK', price: '9.99' }]), TypeError, 'tandem: addItems item 0: price must be a number, got "9.99"'],
    [() => rec.addItems([{ id: 'NEW-OK', price: -1 }]), RangeError, 'tandem: addItems item 0: price must be a number in [0, 1e12], got -1'],
    [() => rec.addItems([{ id: 'NEW-OK', price: NaN }]), RangeError, 'tandem: addItems item 0: price must be a number in [0, 1e12], got NaN'],
    [() => rec.addItems([{ id: 'NEW-OK', price: Infinity }]), RangeError, 'tandem: addItems item 0: price must be a number in [0, 1e12], got Infinity'],
    [() => rec.addItems([{ id: 'NEW-OK', price: 2e12 }]), RangeError, 'tandem: addItems item 0: price must be a number in [0, 1e12], got 2000000000000'],
    [() => rec.addItems([{ id: 'NEW-OK', price: 5, listPrice: -5 }]), RangeError, 'tandem: addItems item 0: listPrice must be a number in [0, 1e12], got -5'],
    [() => rec.addItems([{ id: 'NEW-OK', discount: 1 }]), RangeError, 'tandem: addItems item 0: discount must be a share in [0, 1) (0.25 is 25 % off), got 1'],
    [() => rec.addItems([{ id: 'NEW-OK', discount: 25 }]), RangeError, 'tandem: addItems item 0: discount must be a share in [0, 1) (0.25 is 25 % off), got 25'],
    [() => rec.addItems([{ id: 'NEW-OK', discount: '25%' }]), TypeError, 'tandem: addItems item 0: discount must be a share in [0, 1) (0.25 is 25 % off), got "25%"'],
    [() => rec.addItems([{ id: 'NEW-OK', price: 5, listPrice: 8, discount: 0.3 }]), TypeError, 'tandem: addItems item 0: give discount or listPrice, not both'],
    [() => rec.addItems([{ id: 'NEW-OK', listPrice: 8 }]), TypeError, 'tandem: addItems item 0: listPrice needs price (the discount is 1 - price / listPrice)'],
    [() => rec.addItems([{ id: 'NEW-OK', price: 9, listPrice: 8 }]), RangeError, 'tandem: addItems item 0: listPrice 8 is below the price 9'],
    [() => rec.addItems([{ id: 'NEW-OK', price: 9, list_price: 12 }]), TypeError, 'tandem: addItems item 0: list_price is spelled listPrice here'],
    [() => rec.addItems([{ id: 'NEW-OK', available: 'no' }]), TypeError, 'tandem: addItems item 0: available must be true or false, got "no"'],
    [() => rec.addItems([{ id: 'NEW-OK', colour: { name: 'red' } }]), TypeError, 'tandem: addItems item 0: label "colour" must be a string, an integer or a boolean, got an object'],
    [() => rec.addItems([{ id: 'NEW-OK', size: 9.5 }]), TypeError, 'tandem: addItems item 0: label "size" must be a string, an integer or a boolean, got 9.5'],
    // The engine's own checks, passed on; the first item is valid, and is not added either.
    [() => rec.addItems([{ id: 'NEW-OK', price: 3 }, { id: 'NEW-X', category: 'home//kitchen' }]), Error, "tandem: addItems: item 1: category 'home//kitchen' has an empty level"],
    [() => rec.addItems([{ id: 'NEW-OK' }, { id: 'NEW-OK', price: 2 }]), Error, "tandem: addItems: item 1: id 'NEW-OK' appears twice"],
    [() => rec.addItems([{ id: 'NEW-OK', colour: '' }]), Error, /^tandem: addItems: item 0: column 'colour' /],
    [() => rec.addItems([{ id: 'x'.repeat(1025) }]), Error, /^tandem: addItems: item 0: id .*1024 bytes/],
    [() => rec.addItems([{ id: 'NEW-OK', ...Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`label${i}`, 'x'])) }]), Error, 'tandem: addItems: item 0: the row names 29 extra columns; at most 28 are allowed'],
    [() => rec.removeItems('SKU-100'), TypeError, 'tandem: removeItems needs an array of item ids, got "SKU-100"'],
    [() => rec.removeItems(['SKU-100', 100]), TypeError, 'tandem: removeItems id 1 must be a string, got 100'],
    [() => s.rerank([{ id: 'SKU-100' }]), TypeError, 'tandem: rerank candidate 0 must be an item id or { item, price, discount }, got { item: undefined }'],
    [() => s.rerank(['SKU-100', null]), TypeError, 'tandem: rerank candidate 1 must be an item id or { item, price, discount }, got null'],
    [() => s.rerank(['SKU-100', { item: 'SKU-103', price: -0.5 }]), RangeError, 'tandem: rerank candidate 1 price must be a number in [0, 1e12], got -0.5'],
    [() => s.rerank([{ item: 'SKU-103', price: null }]), TypeError, 'tandem: rerank candidate 0 price must be a number, got null'],
    [() => s.rerank([{ item: 'SKU-103', discount: 1.5 }]), RangeError, 'tandem: rerank candidate 0 discount must be a share in [0, 1) (0.25 is 25 % off), got 1.5'],
    [() => s.rerank([{ item: 'SKU-103', discount: -0.1 }]), RangeError, 'tandem: rerank candidate 0 discount must be a share in [0, 1) (0.25 is 25 % off), got -0.1'],
    [() => s.rerank([{ item: 'SKU-103', price: 3, listPrice: 2 }]), RangeError, 'tandem: rerank candidate 0: listPrice 2 is below the price 3'],
    [() => s.rerank([{ item: 'SKU-103', listPrice: 2 }]), TypeError, 'tandem: rerank candidate 0: listPrice needs price (the discount is 1 - price / listPrice)'],
    [() => s.rerank([{ item: 'SKU-103', price: 3, listPrice: 5, discount: 0.4 }]), TypeError, 'tandem: rerank candidate 0: give discount or listPrice, not both'],
    [() => s.rerank([{ item: 'SKU-103', price: 1e13 }], { time: (T0 + 7200) * 1000 }), RangeError, 'tandem: rerank candidate 0 price must be a number in [0, 1e12], got 10000000000000'],
    [() => s.observe({ item: 'SKU-103', price: Infinity }), RangeError, 'tandem: event.price must be a number in [0, 1e12], got Infinity'],
    [() => s.observe({ item: 'SKU-103', price: '12' }), TypeError, 'tandem: event.price must be a number, got "12"'],
    [() => s.observe({ item: 'SKU-103', discount: 1 }), RangeError, 'tandem: event.discount must be a share in [0, 1) (0.25 is 25 % off), got 1'],
    [() => s.observe({ item: 'SKU-103', price: 3, listPrice: 2 }), RangeError, 'tandem: event: listPrice 2 is below the price 3'],
  ];
  for (const [call, type, message] of cases) {
    assert.throws(call, (e) => {
      assert.equal(e.constructor, type, `${e.message}: a ${type.name}`);
      if (message instanceof RegExp) assert.match(e.message, message);
      else assert.equal(e.message, message);
      return true;
    });
    assert.deepEqual(snapshot(), start, `nothing changed after: ${message}`);
  }
  // Still fine afterwards, and null-ish values a page may leave in its objects are not fields.
  assert.deepEqual(rec.addItems([{ id: 'NEW-OK', category: 'dept-0/cat-1', price: 20, brand: undefined }]), { added: 1, updated: 0 });
  assert.deepEqual(rec.addItems([]), { added: 0, updated: 0 });
  rec.close();
});

test('a saved state naming an item added with addItems is restored on pages that add the same items in any order; an item a page did not add leaves the window', async () => {
  const storage = memoryStorage();
  const page = async (added) => {
    const rec = await Recommender.create({ modelBuffer: shop.bytes });
    if (added.length) rec.addItems(added);
    return rec;
  };
  const first = await page([NEW_1, NEW_2]);
  const s = first.session({ persist: storage, storageKey: 'k' });
  s.observe({ item: 'NEW-2', type: 'view', time: T0 * 1000 });
  s.observe({ item: 'SKU-100', type: 'view', time: (T0 + 10) * 1000 });
  const saved = JSON.parse(storage.data.get('k'));
  assert.equal(saved.items, undefined, 'no clicks: the record names no rows (the state names its items itself)');
  const want = scoresOf(s, ['NEW-1', 'NEW-2', 'SKU-100']);
  first.close();

  // The same items added first, in either order (row 41 is NEW-1 in the second): restored, with
  // the same scores: the window is read by name where a row names another item.
  for (const added of [[NEW_1, NEW_2], [NEW_2, NEW_1]]) {
    storage.data.set('k', JSON.stringify(saved));
    const same = await page(added);
    let restored;
    const warned = await warnings(() => { restored = same.session({ persist: storage, storageKey: 'k' }); });
    assert.deepEqual(warned, []);
    assert.deepEqual(restored.recentEvents().map((e) => e.item), ['NEW-2', 'SKU-100']);
    assert.deepEqual(scoresOf(restored, ['NEW-1', 'NEW-2', 'SKU-100']), want);
    same.close();
  }

  // None added: the state is restored (its short-term state, its counters); NEW-2, which this page
  // does not have, leaves the window.
  storage.data.set('k', JSON.stringify(saved));
  const other = await page([]);
  const restored = other.session({ persist: storage, storageKey: 'k' });
  assert.deepEqual(restored.recentEvents().map((e) => e.item), ['SKU-100']);
  assert.equal(restored.counters.events, 2);
  other.close();
});
