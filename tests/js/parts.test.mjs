// A catalog in parts (issue #21): `tandem split` writes the model file with the catalog's head and
// part files with the other items' trained rows; Recommender.addPart and loadParts add them. The
// reference is the whole model file loaded as one: once its parts are loaded, the split model must
// score and recommend exactly as the whole one (the same bits), for float32 and int8 tables.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Recommender, cli, fixturePath, ranking, tempDir } from './helpers.mjs';
import { memoryStorage } from './fake-module.mjs';

const T0 = 1_800_000_000_000; // ms

/** A fixture model split into parts of at most `bytes` bytes; returns the directory and its catalog. */
function split(t, options, bytes = 40_000) {
  const dir = join(tempDir(t, 'tandem-parts-'), 'out');
  execFileSync(cli, ['split', '--model', fixturePath(options), '--out', dir, '--part-bytes', String(bytes)], { stdio: 'pipe' });
  const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
  return { dir, catalog, catalogUrl: pathToFileURL(join(dir, 'catalog.json')) };
}

const load = (path, options) => Recommender.create({ modelBuffer: readFileSync(path) }, options);

/** Every candidate's score, and recommend()'s top 40, after the same events. */
function behaviour(rec, ids, events) {
  const s = rec.session();
  for (const [item, type, dt] of events) s.observe({ item, type, time: T0 + dt });
  const scores = s.rerank(ids, { time: T0 + 60_000 }).map((r) => [r.item, r.score]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const top = ranking(s.recommend({ k: 40, exclude: 'none', time: T0 + 60_000 }));
  s.close();
  return { scores, top };
}

for (const int8 of [false, true]) {
  test(`a ${int8 ? 'int8' : 'float32'} model split into parts scores and recommends as the whole model once every part is loaded`, async (t) => {
    const options = { items: 3000, dim: 24, seed: 11, int8 };
    const { dir, catalog, catalogUrl } = split(t, options);
    assert.ok(catalog.parts.length >= 3, `several parts (${catalog.parts.length})`);
    for (const p of catalog.parts) assert.ok(p.bytes <= 40_000, `${p.file}: ${p.bytes} bytes`);
    assert.ok(catalog.bytes <= 40_000, `the model file: ${catalog.bytes} bytes`);
    assert.equal(catalog.items, 3000);

    const whole = await load(fixturePath(options));
    const conversions = [];
    const rec = await load(join(dir, 'model.tandem'), { onConversion: (e) => conversions.push([e.item, e.recommendationId]) });
    assert.equal(rec.itemCount, catalog.model_items);
    assert.equal(rec.fingerprint, catalog.fingerprint);
    assert.equal(rec.fingerprint, whole.fingerprint, "the split model is the whole model: its profiles and states are the split one's");
    const ids = Array.from({ length: 3000 }, (_, i) => `SKU-${100000 + i}`);
    const inBase = ids.filter((id) => rec.hasItem(id));
    assert.equal(inBase.length, catalog.model_items);
    const result = await rec.loadParts({ catalogUrl, values: 'all' });
    assert.deepEqual(result, { parts: catalog.parts.length, added: 3000 - catalog.model_items });
    assert.equal(rec.itemCount, 3000);
    assert.deepEqual(await rec.loadParts({ catalogUrl, values: 'all' }), { parts: 0, added: 0 }, 'nothing is fetched again');

    const events = [[ids[5], 'view', 0], [ids[2500], 'cart', 20_000], [ids[1700], 'view', 40_000]];
    const candidates = ids.filter((_, i) => i % 7 === 0);
    const got = behaviour(rec, candidates, events), want = behaviour(whole, candidates, events);
    assert.deepEqual(got.scores, want.scores, 'every score the same, to the bit');
    assert.deepEqual(got.top, want.top, 'the same top 40 of the catalog');

    // A state the whole model's page saved restores here (rows differ: read by name) to the same
    // scores, and a click remembered there is found here on its item's row.
    const storage = memoryStorage();
    const a = whole.session({ persist: storage, storageKey: 'k' });
    events.forEach(([item, type, dt]) => a.observe({ item, type, time: T0 + dt }));
    const shown = a.rerank(candidates, { time: T0 + 60_000 });
    a.observe({ item: shown[0].item, type: 'click', time: T0 + 61_000, recommendationId: shown[0].recommendationId });
    const b = rec.session({ persist: storage, storageKey: 'k' });
    assert.deepEqual(b.recentEvents(), a.recentEvents());
    assert.deepEqual(b.rerank(candidates, { time: T0 + 70_000 }).map((r) => r.score), a.rerank(candidates, { time: T0 + 70_000 }).map((r) => r.score));
    conversions.length = 0;
    b.observe({ item: shown[0].item, type: 'purchase', time: T0 + 80_000 });
    assert.deepEqual(conversions, [[shown[0].item, shown[0].recommendationId]]);
    rec.close();
    whole.close();
  });
}

test('loadParts loads the parts of the values asked for (a path: and the paths under it), once', async (t) => {
  const { dir, catalog, catalogUrl } = split(t, { items: 3000, dim: 16, seed: 4 });
  // The fixture's categories are labels; as paths, the same parts stand for a shop's departments.
  const named = catalog.parts.map((p, i) => ({ ...p, values: p.values.map((v) => `dept-${i % 2}/${v}`) }));
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify({ ...catalog, parts: named }));
  const rec = await load(join(dir, 'model.tandem'));
  const itemsOf = (p) => p.items;
  const first = named[0];
  const one = await rec.loadParts({ catalogUrl, values: [first.values[0]] });
  assert.deepEqual(one, { parts: 1, added: itemsOf(first) });
  const dept1 = named.filter((p, i) => i % 2 === 1);
  const progress = [];
  const more = await rec.loadParts({ catalogUrl, values: ['dept-1', 'dept-9'], onProgress: (p) => progress.push(p.what) });
  assert.deepEqual(more, { parts: dept1.length, added: dept1.reduce((a, p) => a + itemsOf(p), 0) });
  assert.ok(progress.includes('part'), 'downloads are reported');
  assert.deepEqual(await rec.loadParts({ catalogUrl, values: ['dept-1/'] }), { parts: 0, added: 0 }, "'dept-1/' names no value");
  assert.deepEqual(await rec.loadParts({ catalogUrl, values: ['dept'] }), { parts: 0, added: 0 }, "'dept' is not a level of 'dept-1'");
  assert.equal(rec.itemCount, catalog.model_items + itemsOf(first) + dept1.reduce((a, p) => a + itemsOf(p), 0));
  rec.close();
});

test('addPart and loadParts refuse what is not a part of this model, naming it, and change nothing', async (t) => {
  const { dir, catalog, catalogUrl } = split(t, { items: 2000, dim: 16, seed: 5 });
  const other = split(t, { items: 2000, dim: 16, seed: 6 });
  const rec = await load(join(dir, 'model.tandem'));
  const count = rec.itemCount;
  const part = readFileSync(join(dir, catalog.parts[0].file));
  const refused = async (source, message) => {
    await assert.rejects(rec.addPart(source), message);
    assert.equal(rec.itemCount, count, 'nothing added');
  };
  await refused({ partBuffer: readFileSync(join(other.dir, other.catalog.parts[0].file)) },
    new RegExp(`^Error: tandem: addPart: catalog part: made for another model \\(fingerprint ${other.catalog.fingerprint}, this model ${catalog.fingerprint}\\)`));
  const flipped = Uint8Array.from(part);
  flipped[200] ^= 1;
  await refused({ partBuffer: flipped }, { message: 'tandem: addPart: catalog part: checksum mismatch (corrupt or truncated)' });
  await refused({ partBuffer: part.subarray(0, 10) }, { message: 'tandem: addPart: catalog part: truncated (10 bytes)' });
  await refused({ partBuffer: readFileSync(join(dir, 'model.tandem')) }, { message: 'tandem: addPart: catalog part: bad magic bytes, not a tandem catalog part' });
  await refused({ partBuffer: new Uint8Array(0) }, /^Error: tandem: addPart: catalog part: truncated \(0 bytes\)/);
  await assert.rejects(rec.addPart({}), { name: 'TypeError', message: 'tandem: addPart: give exactly one of partUrl and partBuffer' });
  await assert.rejects(rec.addPart(null), { name: 'TypeError', message: 'tandem: addPart needs { partUrl } or { partBuffer }, got null' });
  await assert.rejects(rec.addPart({ partBuffer: 'bytes' }), { name: 'TypeError', message: 'tandem: partBuffer must be an ArrayBuffer or a typed array' });
  const missing = pathToFileURL(join(dir, 'nothing.tandem-part'));
  await refused({ partUrl: missing }, new RegExp(`^Error: tandem: cannot read the catalog part at ${missing.href}: ENOENT`));

  // The catalog: another model's, not JSON, malformed; a part file missing, then there again.
  await assert.rejects(rec.loadParts({ catalogUrl: other.catalogUrl, values: 'all' }),
    { message: `tandem: the catalog at ${other.catalogUrl.href} was split for the model "${other.catalog.fingerprint}", this Recommender's model is ${catalog.fingerprint} (load the model file written with it)` });
  const bad = join(dir, 'bad.json');
  for (const [text, why] of [['{', 'is not JSON'], ['{"format":"x"}', 'is not a tandem catalog (format "tandem-catalog")'],
    [JSON.stringify({ ...catalog, version: 2 }), 'has version 2; this package reads version 1'],
    [JSON.stringify({ ...catalog, parts: [{ file: '../model.tandem', values: [] }] }), 'has a malformed part 0 (a file name beside the catalog and the values it holds)']]) {
    writeFileSync(bad, text);
    await assert.rejects(rec.loadParts({ catalogUrl: pathToFileURL(bad), values: 'all' }), { message: `tandem: the catalog at ${pathToFileURL(bad).href} ${why}` });
  }
  await assert.rejects(rec.loadParts({ catalogUrl, values: 'category-1' }), { name: 'TypeError', message: "tandem: loadParts: values must be an array of strings or 'all', got \"category-1\"" });
  const file = join(dir, catalog.parts[1].file);
  renameSync(file, `${file}.away`);
  await assert.rejects(rec.loadParts({ catalogUrl, values: 'all' }), new RegExp(`cannot read the catalog part at ${pathToFileURL(file).href}`));
  const partial = rec.itemCount;
  assert.ok(partial > count && partial < 2000, 'the parts that arrived stay');
  renameSync(`${file}.away`, file);
  assert.deepEqual(await rec.loadParts({ catalogUrl, values: 'all' }), { parts: 1, added: 2000 - partial }, 'the missing part is fetched again');
  assert.deepEqual(await rec.addPart({ partBuffer: part }), { added: 0 }, 'a part again: its items are known, their rows rewritten');
  assert.equal(rec.itemCount, 2000);
  rec.close();
});

test('a saved state survives pages that load parts in another order; an item this page lacks leaves the window', async (t) => {
  const { dir, catalog, catalogUrl } = split(t, { items: 3000, dim: 16, seed: 8 });
  const [a, b] = catalog.parts.slice(0, 2);
  const storage = memoryStorage();
  const conversions = [];
  const page = async (parts) => {
    const rec = await Recommender.create({ modelBuffer: readFileSync(join(dir, 'model.tandem')) }, { onConversion: (e) => conversions.push(e) });
    for (const p of parts) assert.deepEqual(await rec.addPart({ partUrl: new URL(p.file, catalogUrl) }), { added: p.items });
    return rec;
  };
  const first = await page([a, b]);
  const idsOf = (rec, p) => rec.itemIds(Int32Array.from({ length: p.items }, (_, i) => rec.itemCount - (p === b ? 0 : b.items) - p.items + i));
  const inB = idsOf(first, b)[3], inA = idsOf(first, a)[5];
  const s = first.session({ persist: storage, storageKey: 'k' });
  s.observe({ item: inA, type: 'view', time: T0 });
  s.observe({ item: inB, type: 'cart', time: T0 + 5000 });
  const candidates = [inA, inB, 'SKU-100000', 'SKU-100001'];
  const ranked = s.rerank(candidates, { time: T0 + 9000 });
  const clicked = ranked.find((r) => r.item === inB);
  s.observe({ item: inB, type: 'click', time: T0 + 9000, recommendationId: clicked.recommendationId });
  const want = s.rerank(candidates, { time: T0 + 9000 }).map((r) => [r.item, r.score]);
  first.close();
  conversions.length = 0; // the cart above

  const swapped = await page([b, a]);
  const restored = swapped.session({ persist: storage, storageKey: 'k' });
  assert.deepEqual(restored.recentEvents().map((e) => e.item), [inA, inB, inB]);
  assert.deepEqual(restored.rerank(candidates, { time: T0 + 9000 }).map((r) => [r.item, r.score]), want, 'the same scores');
  const saved = storage.data.get('k');
  restored.observe({ item: inB, type: 'purchase', time: T0 + 20_000 });
  assert.deepEqual(conversions.map((e) => [e.item, e.recommendationId]), [[inB, clicked.recommendationId]], 'the click, remembered on its row of the first page, is found on its row here');
  storage.data.set('k', saved);
  swapped.close();

  const onlyB = await page([b]);
  conversions.length = 0;
  const partial = onlyB.session({ persist: storage, storageKey: 'k' });
  assert.deepEqual(partial.recentEvents().map((e) => e.item), [inB, inB], 'the item of the part this page did not load left the window');
  assert.equal(partial.counters.events, 3, 'the state itself was restored');
  partial.observe({ item: inB, type: 'purchase', time: T0 + 20_000 });
  assert.deepEqual(conversions.map((e) => [e.item, e.recommendationId]), [[inB, clicked.recommendationId]]);
  onlyB.close();
});

test('tandem split: the model file within --part-bytes or of --base-items, and errors by message', (t) => {
  const dir = tempDir(t, 'tandem-split-');
  const model = fixturePath({ items: 3000, dim: 16, seed: 4 });
  const run = (...args) => {
    try {
      return { code: 0, out: execFileSync(cli, ['split', '--model', model, ...args], { stdio: 'pipe' }).toString() };
    } catch (e) {
      return { code: e.status, err: e.stderr.toString() };
    }
  };
  assert.deepEqual(run('--out', join(dir, 'a'), '--by', 'brand'), { code: 1, err: 'tandem: --by brand: the model has no label or path feature of that name (it has: category)\n' });
  const small = run('--out', join(dir, 'a'), '--part-bytes', '5000');
  assert.equal(small.code, 1);
  assert.match(small.err, /^tandem: --part-bytes 5000 is smaller than the model file with one item \(\d+ bytes\)\n$/);
  const fixed = run('--out', join(dir, 'b'), '--base-items', '100', '--part-bytes', '30000');
  assert.equal(fixed.code, 0, fixed.err);
  const catalog = JSON.parse(readFileSync(join(dir, 'b', 'catalog.json'), 'utf8'));
  assert.equal(catalog.model_items, 100);
  assert.equal(catalog.parts.reduce((a, p) => a + p.items, 0), 2900, 'every other item in exactly one part');
  for (const p of catalog.parts) assert.ok(readFileSync(join(dir, 'b', p.file)).length === p.bytes && p.bytes <= 30000, p.file);
  assert.match(fixed.out, /^wrote .*b: model\.tandem \(100 of 3000 items, \d+ bytes, fingerprint [0-9a-f]{16}\), \d+ parts of the other 2900 items by category, catalog\.json; the largest file \d+ bytes\n$/);
});
