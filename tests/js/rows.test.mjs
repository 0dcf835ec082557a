// The numeric handle API (issue #21): rec.rows(ids) resolves a page's candidate ids once,
// session.rerankRows(rows) reranks by them, rec.itemIds(rows) goes back. Against the real wasm:
// rerankRows gives rerank's scores, order, long-term shares and gate to the bit for the same
// candidates (float32 and int8 tables, unknown ids, duplicates, `top`, the holdout arm, `time`),
// the measurement sees its results, a row delisted by removeItems is an unknown id as rerank's id
// is, rows added by addItems work, and bad arguments throw a tandem: TypeError or RangeError and
// change nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Recommender, fixtureBytes } from './helpers.mjs';

const T0 = 1_800_000_000_000; // milliseconds
const HOUR = 3_600_000;

/** A recommender on the 300-item fixture, a shopper with a few events, and a candidate list. */
async function shop({ int8 = false, holdout = 0, hooks = {} } = {}) {
  const rec = await Recommender.create({ modelBuffer: fixtureBytes({ int8 }) }, { holdout, ...hooks });
  const ids = Array.from({ length: rec.itemCount }, (_, i) => `SKU-${100000 + i}`);
  const shopper = rec.session();
  events(shopper);
  return { rec, ids, shopper };
}

function events(session) {
  for (let i = 0; i < 6; i++) session.observe({ item: `SKU-1000${10 + 7 * i}`, type: i === 5 ? 'cart' : 'view', time: T0 + i * 20_000 });
}

/** Candidates: 60 catalog ids in a scrambled order, two unknown ids, a duplicate. */
function candidates(ids) {
  const list = Array.from({ length: 60 }, (_, i) => ids[(i * 37 + 11) % ids.length]);
  list.splice(7, 0, 'not-in-the-catalog');
  list.splice(30, 0, 'SKU-nope');
  list.push(list[3]);
  return list;
}

const same = (a, b) => Object.is(a, b);

/** rerankRows's result equals rerank's of the same ids, to the bit: items, scores, shares, gate, arm. */
function assertSameRanking(byRows, byIds, list, rows) {
  assert.equal(byRows.rows.length, byIds.length);
  for (const key of ['rows', 'positions', 'scores', 'longTerm']) assert.equal(byRows[key].length, byIds.length, key);
  assert.ok(byRows.rows instanceof Int32Array && byRows.positions instanceof Int32Array);
  assert.ok(byRows.scores instanceof Float32Array && byRows.longTerm instanceof Float32Array);
  for (let i = 0; i < byIds.length; i++) {
    const p = byRows.positions[i];
    assert.equal(list[p], byIds[i].item, `entry ${i}: the same candidate`);
    assert.equal(byRows.rows[i], rows[p], `entry ${i}: rows[i] is the candidate at positions[i]`);
    assert.ok(same(byRows.scores[i], byIds[i].score), `entry ${i}: score ${byRows.scores[i]} vs ${byIds[i].score}`);
    assert.ok(same(byRows.longTerm[i], byIds[i].longTerm), `entry ${i}: longTerm`);
  }
  assert.equal(typeof byRows.gate, 'number');
  if (byIds.length > 0) {
    assert.ok(same(byRows.gate, byIds[0].gate));
    assert.equal(byRows.arm, byIds[0].arm);
  }
  assert.match(byRows.recommendationId, /^[0-9a-f]{16}$/);
  assert.notEqual(byRows.recommendationId, byIds[0]?.recommendationId);
}

test('rows(ids): an Int32Array of rows, -1 for unknown ids; itemIds(rows) gives the ids back (null for -1)', async () => {
  const { rec, ids } = await shop();
  const list = candidates(ids);
  const rows = rec.rows(list);
  assert.ok(rows instanceof Int32Array);
  assert.equal(rows.length, list.length);
  list.forEach((id, i) => assert.equal(rows[i], ids.indexOf(id), id));
  assert.equal(rows[7], -1);
  assert.equal(rows[30], -1);
  assert.deepEqual(rec.itemIds(rows), list.map((id) => (ids.includes(id) ? id : null)));
  assert.deepEqual(rec.itemIds(Array.from(rows)), rec.itemIds(rows), 'an array of integers works as an Int32Array does');
  assert.deepEqual(rec.rows([]), new Int32Array(0));
  assert.deepEqual(rec.itemIds([]), []);
  // A fresh array each time (the caller's to change), and the same rows for new string objects.
  const again = rec.rows(list.map((id) => (' ' + id).slice(1)));
  assert.notEqual(again, rows);
  assert.deepEqual(again, rows);
  rec.close();
});

for (const int8 of [false, true]) {
  test(`rerankRows gives rerank's scores, order, long-term shares and gate to the bit (${int8 ? 'int8' : 'float32'} table), for an Int32Array and an array`, async () => {
    const { rec, ids, shopper } = await shop({ int8 });
    const list = candidates(ids);
    const rows = rec.rows(list);
    for (const top of [undefined, 10, 1, 0, 1000]) {
      const options = top === undefined ? {} : { top };
      const byIds = shopper.rerank(list, options);
      assert.equal(byIds.length, Math.min(top ?? list.length, list.length));
      assertSameRanking(shopper.rerankRows(rows, options), byIds, list, rows);
      assertSameRanking(shopper.rerankRows(Array.from(rows), options), byIds, list, rows);
    }
    // The unknown ids and the duplicate are all there, ties in the given order as rerank has them.
    const all = shopper.rerankRows(rows);
    assert.deepEqual([...all.positions].sort((a, b) => a - b), list.map((_, i) => i));
    // Without events or profile too (longTerm 1 everywhere, h = 0).
    const fresh = rec.session();
    assertSameRanking(fresh.rerankRows(rows, { top: 5 }), fresh.rerank(list, { top: 5 }), list, rows);
    rec.close();
  });
}

test('rerankRows results are copies: the caller may change them, and they stay valid when wasm memory grows', async () => {
  const { rec, ids, shopper } = await shop();
  const list = candidates(ids);
  const rows = rec.rows(list);
  const result = shopper.rerankRows(rows, { top: 10 });
  const kept = { rows: result.rows.slice(), scores: result.scores.slice(), positions: result.positions.slice(), longTerm: result.longTerm.slice() };
  const memory = rec._module.HEAPU8.buffer;
  // Grow the heap: longer and longer candidate lists (scratch memory for each) until it has grown.
  for (let n = 1 << 16; rec._module.HEAPU8.buffer === memory && n <= 1 << 24; n *= 2) shopper.rerankRows(new Int32Array(n).fill(3), { top: 1 });
  assert.notEqual(rec._module.HEAPU8.buffer, memory, 'the heap grew (its old views are detached)');
  assert.equal(memory.byteLength, 0, 'the old heap buffer is detached');
  for (const key of Object.keys(kept)) assert.deepEqual(result[key], kept[key], key);
  // Changing a result changes neither the next result nor the measurement's record of this one.
  result.rows.fill(-1);
  result.scores.fill(0);
  assertSameRanking(shopper.rerankRows(rows, { top: 10 }), shopper.rerank(list, { top: 10 }), list, rows);
  rec.close();
});

test('the holdout arm: rerankRows keeps the page\'s order, with the model\'s scores, as rerank does', async () => {
  const { rec, ids, shopper } = await shop({ holdout: 1 });
  const list = candidates(ids);
  const rows = rec.rows(list);
  const byRows = shopper.rerankRows(rows, { top: 12 });
  assert.equal(byRows.arm, 'holdout');
  assert.deepEqual(byRows.positions, Int32Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual(byRows.rows, rows.slice(0, 12));
  assertSameRanking(byRows, shopper.rerank(list, { top: 12 }), list, rows);
  rec.close();
});

test('time: rerankRows asked for after the session timeout is a new visit\'s, as rerank is; an earlier time changes nothing', async () => {
  const { rec, ids } = await shop();
  const list = candidates(ids);
  const rows = rec.rows(list);
  const [a, b] = [rec.session(), rec.session()];
  events(a);
  events(b);
  const soon = T0 + 200_000, later = T0 + 5 * HOUR;
  assertSameRanking(a.rerankRows(rows, { time: soon, top: 8 }), b.rerank(list, { time: soon, top: 8 }), list, rows);
  assert.deepEqual(a.counters, b.counters);
  const before = a.rerankRows(rows, { top: 8 });
  const afterVisit = a.rerankRows(rows, { time: later, top: 8 });
  assertSameRanking(afterVisit, b.rerank(list, { time: later, top: 8 }), list, rows);
  assert.notDeepEqual(afterVisit.scores, before.scores, 'the ended visit no longer counts');
  assert.deepEqual(a.counters, b.counters);
  assert.deepEqual(a.saveState(), b.saveState(), 'the same state after the same calls');
  rec.close();
});

test('measurement: impressions and clicks on a rerankRows result reach the hooks with its position, list and arm', async () => {
  const seen = { impressions: [], clicks: [] };
  const hooks = { onImpression: (e) => seen.impressions.push(e), onClick: (e) => seen.clicks.push(e) };
  const { rec, ids, shopper } = await shop({ hooks });
  const list = candidates(ids);
  const result = shopper.rerankRows(rec.rows(list), { top: 10, list: 'grid' });
  // Two catalog items of the result (an unknown id has no row to name it by) and their positions.
  const names = rec.itemIds(result.rows);
  const [p1, p2] = names.flatMap((id, i) => (id !== null && names.indexOf(id) === i && i > 0 ? [i] : [])).slice(0, 2);
  const [third, fifth] = [names[p1], names[p2]];
  shopper.impression({ item: third, recommendationId: result.recommendationId, time: T0 + 300_000 });
  shopper.impression({ item: third, recommendationId: result.recommendationId, time: T0 + 300_000 }); // counted once
  shopper.observe({ item: fifth, type: 'click', recommendationId: result.recommendationId, time: T0 + 310_000 });
  shopper.impression({ item: 'SKU-999999', recommendationId: result.recommendationId, time: T0 + 320_000 }); // not in it
  assert.deepEqual(seen.impressions.map(({ item, position, list: l, arm }) => ({ item, position, list: l, arm })), [
    { item: third, position: p1, list: 'grid', arm: 'tandem' },
    { item: 'SKU-999999', position: null, list: 'grid', arm: 'tandem' },
  ]);
  assert.deepEqual(seen.clicks.map(({ item, position, list: l }) => ({ item, position, list: l })), [{ item: fifth, position: p2, list: 'grid' }]);
  assert.deepEqual(shopper.measurement.counts.tandem, { impressions: 2, clicks: 1, conversions: 1 }); // the cart event of events()

  // rerankRows and rerank now (the click changed the ranking) tell the same positions.
  const [byRows, byIds] = [shopper.rerankRows(rec.rows(list), { top: 10 }), shopper.rerank(list, { top: 10 })];
  const shown = byIds.find((r) => rec.hasItem(r.item)).item;
  shopper.impression({ item: shown, recommendationId: byRows.recommendationId });
  shopper.impression({ item: shown, recommendationId: byIds[0].recommendationId });
  assert.equal(seen.impressions.at(-2).position, byIds.findIndex((r) => r.item === shown));
  assert.equal(seen.impressions.at(-1).position, seen.impressions.at(-2).position);

  // An item delisted after the result was made is still found at its position.
  rec.removeItems([third]);
  shopper.impression({ item: third, recommendationId: result.recommendationId, time: T0 + 330_000 });
  assert.equal(seen.impressions.length, 4, 'already counted for this result');
  const next = shopper.rerankRows(result.rows, { top: 10, list: 'strip' });
  const at = next.rows.indexOf(result.rows[p1]);
  assert.ok(at >= 0);
  shopper.impression({ item: third, recommendationId: next.recommendationId });
  assert.equal(seen.impressions.at(-1).position, at);
  rec.close();
});

test('removeItems: a delisted row is scored as an unknown id, as rerank scores the removed id; addItems lists it again on its row', async () => {
  const { rec, ids, shopper } = await shop();
  const list = candidates(ids);
  const rows = rec.rows(list);
  const gone = [list[0], list[5], list[20]];
  const goneRows = gone.map((id) => rows[list.indexOf(id)]);
  assert.equal(rec.removeItems(gone), 3);
  assert.deepEqual(Array.from(rec.rows(gone)), [-1, -1, -1], 'rows() no longer knows them');
  assert.deepEqual(rec.itemIds(goneRows), gone, 'a delisted row still names its id');
  // The rows resolved before: scored as rerank scores the removed ids (the catalog's average item).
  const byIds = shopper.rerank(list);
  const byRows = shopper.rerankRows(rows);
  assertSameRanking(byRows, byIds, list, rows);
  const unknown = byIds.find((r) => r.item === 'not-in-the-catalog').score;
  for (const id of gone) assert.ok(same(byIds.find((r) => r.item === id).score, unknown), `${id} scores as unknown`);
  // ... and as -1 in their place does, to the bit.
  const asUnknown = rows.map((row) => (goneRows.includes(row) ? -1 : row));
  const byMinusOne = shopper.rerankRows(asUnknown);
  assert.deepEqual(byMinusOne.positions, byRows.positions);
  assert.deepEqual(byMinusOne.scores, byRows.scores);
  assert.deepEqual(byMinusOne.longTerm, byRows.longTerm);

  // Listed again (addItems of a delisted id): the same row, scored as itself again.
  // A subscriber that reranks when the catalog changes sees it listed already.
  const before = shopper.rerankRows(rows).scores;
  let heard = null;
  const stop = shopper.subscribe(() => (heard = shopper.rerankRows(rows)));
  assert.deepEqual(rec.addItems([{ id: gone[1] }]), { added: 0, updated: 1 });
  stop();
  assert.equal(rec.rows([gone[1]])[0], goneRows[1]);
  assertSameRanking(shopper.rerankRows(rows), shopper.rerank(list), list, rows);
  assertSameRanking(heard, shopper.rerank(list), list, rows);
  assert.notDeepEqual(shopper.rerankRows(rows).scores, before);

  // A new item: appended on the next row, ranked by rows as by its id.
  const count = rec.itemCount;
  assert.deepEqual(rec.addItems([{ id: 'SKU-NEW-1', price: 20 }]), { added: 1, updated: 0 });
  assert.equal(rec.rows(['SKU-NEW-1'])[0], count);
  assert.deepEqual(rec.itemIds([count]), ['SKU-NEW-1']);
  const withNew = [...list, 'SKU-NEW-1'];
  const newRows = rec.rows(withNew);
  assertSameRanking(shopper.rerankRows(newRows), shopper.rerank(withNew), withNew, newRows);
  // Removing it delists its row too; the rows grown since the first removal are tracked as well.
  rec.removeItems(['SKU-NEW-1']);
  assertSameRanking(shopper.rerankRows(newRows), shopper.rerank(withNew), withNew, newRows);
  rec.close();
});

test('bad arguments throw a tandem: TypeError or RangeError naming what is wrong, and change nothing', async () => {
  const { rec, ids, shopper } = await shop();
  const n = rec.itemCount;
  const list = candidates(ids);
  const rows = rec.rows(list);
  const state = shopper.saveState();
  const expected = shopper.rerankRows(rows, { top: 10 });
  const late = T0 + 10 * HOUR; // would end the visit, if the call went through
  const cases = [
    [() => shopper.rerankRows('SKU-1'), TypeError, 'tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got "SKU-1"'],
    [() => shopper.rerankRows(new Uint32Array([1, 2])), TypeError, 'tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got a Uint32Array'],
    [() => shopper.rerankRows(new Float64Array([1, 2])), TypeError, 'tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got a Float64Array'],
    [() => shopper.rerankRows(null), TypeError, 'tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got null'],
    [() => shopper.rerankRows([1, 2.5, 3], { time: late }), TypeError, 'tandem: rerankRows: row 1 must be an integer (a row from rec.rows(ids)), got 2.5'],
    [() => shopper.rerankRows([1, NaN], { time: late }), TypeError, 'tandem: rerankRows: row 1 must be an integer (a row from rec.rows(ids)), got NaN'],
    [() => shopper.rerankRows(['3'], { time: late }), TypeError, 'tandem: rerankRows: row 0 must be an integer (a row from rec.rows(ids)), got "3"'],
    [() => shopper.rerankRows([1, 2, 3n], { time: late }), TypeError, 'tandem: rerankRows: row 2 must be an integer (a row from rec.rows(ids)), got 3n (a BigInt)'],
    [() => shopper.rerankRows([0, n], { time: late }), RangeError, `tandem: rerankRows: row 1 is ${n}, not a row of this model (0 to ${n - 1}, or -1 for an unknown item)`],
    [() => shopper.rerankRows(Int32Array.of(5, -2), { time: late }), RangeError, `tandem: rerankRows: row 1 is -2, not a row of this model (0 to ${n - 1}, or -1 for an unknown item)`],
    [() => shopper.rerankRows(Int32Array.of(2 ** 31 - 1), { time: late }), RangeError, `tandem: rerankRows: row 0 is 2147483647, not a row of this model (0 to ${n - 1}, or -1 for an unknown item)`],
    [() => shopper.rerankRows(rows, { top: -1, time: late }), TypeError, 'tandem: top must be a non-negative integer, got -1'],
    [() => shopper.rerankRows(rows, { time: 'now' }), TypeError, 'tandem: time must be a finite number of milliseconds, got "now"'],
    [() => shopper.rerankRows(rows, { list: '', time: late }), TypeError, 'tandem: list must be a name of 1 to 200 characters, got ""'],
    [() => shopper.rerankRows(rows, null), TypeError, 'tandem: rerankRows options must be an object, got null'],
    [() => rec.rows('SKU-1'), TypeError, 'tandem: rows needs an array of item ids, got "SKU-1"'],
    [() => rec.rows(['SKU-100001', 7]), TypeError, 'tandem: rows: id 1 must be a string, got 7'],
    [() => rec.rows([{ item: 'SKU-100001' }]), TypeError, 'tandem: rows: id 0 must be a string, got an object'],
    [() => rec.itemIds(rows.buffer), TypeError, 'tandem: itemIds needs an Int32Array or an array of rows (from rec.rows(ids)), got an object'],
    [() => rec.itemIds([n]), RangeError, `tandem: itemIds: row 0 is ${n}, not a row of this model (0 to ${n - 1}, or -1 for an unknown item)`],
    [() => rec.itemIds([0.5]), TypeError, 'tandem: itemIds: row 0 must be an integer (a row from rec.rows(ids)), got 0.5'],
  ];
  for (const [call, type, message] of cases) assert.throws(call, (e) => e instanceof type && e.message === message, message);
  assert.deepEqual(shopper.saveState(), state, 'the session did not change');
  assert.deepEqual(shopper.counters, { events: 6, unknownItems: 0, sessions: 1 });
  const now = shopper.rerankRows(rows, { top: 10 });
  assert.deepEqual(now.scores, expected.scores);
  assert.deepEqual(now.positions, expected.positions);
  rec.close();
});

test('closed: rows, itemIds and rerankRows throw as the other methods do', async () => {
  const { rec, ids, shopper } = await shop();
  const rows = rec.rows(ids.slice(0, 5));
  const other = rec.session();
  other.close();
  assert.throws(() => other.rerankRows(rows), { message: 'tandem: this session is closed' });
  rec.close();
  assert.throws(() => rec.rows(ids.slice(0, 5)), { message: 'tandem: this Recommender is closed' });
  assert.throws(() => rec.itemIds(rows), { message: 'tandem: this Recommender is closed' });
  assert.throws(() => shopper.rerankRows(rows), { message: 'tandem: this session is closed' });
});
