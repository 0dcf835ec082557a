// The numeric handle API in Chromium (issue #21): a page resolves its candidate ids once with
// rec.rows(ids) and reranks by rows with session.rerankRows. On the demo's trained model and an
// int8 fixture written by the native CLI (served under /fixture/): the same scores, order and
// long-term shares as rerank of the ids, compared to the bit in the page; the results stay valid
// after wasm memory grows; a delisted row ranks as rerank ranks the removed id; a tile of a
// rerankRows result is measured at its position; bad rows throw. Needs build/demo
// (scripts/demo.sh --no-serve) and build/package.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixturePath } from '../js/helpers.mjs';
import { demoAndBrowser, recordedPage } from './helpers.mjs';

const shop = demoAndBrowser({ 'int8.tandem': fixturePath({ items: 300, dim: 16, seed: 3, int8: true }) });

for (const model of ['/demo.tandem', '/fixture/int8.tandem']) {
  test(`rerankRows in Chromium (${model}): rerank's scores, order and shares to the bit; copies that outlive a heap growth; delisted rows; measured tiles; bad rows throw`, async () => {
    const context = await shop.browser.newContext();
    const { page, log } = await recordedPage(context);
    await page.goto(`${shop.base}/test/blank.html`);
    const r = await page.evaluate(async (url) => {
      const { Recommender } = await import('/tandem-rec/index.js');
      const impressions = [];
      const rec = await Recommender.create({ modelUrl: url }, { onImpression: (e) => impressions.push(e) });
      const s = rec.session();
      // The catalog's ids (recommend lists them all), a few events, and a candidate list of fresh strings.
      const catalog = s.recommend({ k: rec.itemCount, exclude: 'none' }).map((x) => x.item);
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) s.observe({ item: catalog[(i * 31) % catalog.length], type: 'view', time: t0 + i * 10_000 });
      const list = Array.from({ length: 120 }, (_, i) => (' ' + catalog[(i * 53 + 7) % catalog.length]).slice(1));
      list.splice(9, 0, 'not-in-the-catalog');
      const rows = rec.rows(list);
      // Same to the bit: rows, positions, scores, shares, gate, arm.
      const compare = (byRows, byIds) => {
        if (byRows.scores.length !== byIds.length) return `length ${byRows.scores.length} vs ${byIds.length}`;
        for (let i = 0; i < byIds.length; i++) {
          const p = byRows.positions[i];
          if (list[p] !== byIds[i].item || byRows.rows[i] !== rows[p]) return `entry ${i}: ${list[p]} vs ${byIds[i].item}`;
          if (!Object.is(byRows.scores[i], byIds[i].score) || !Object.is(byRows.longTerm[i], byIds[i].longTerm)) return `entry ${i}: ${byRows.scores[i]} vs ${byIds[i].score}`;
        }
        if (byIds.length > 0 && (!Object.is(byRows.gate, byIds[0].gate) || byRows.arm !== byIds[0].arm)) return 'gate or arm';
        return 'same';
      };
      const checks = {
        all: compare(s.rerankRows(rows), s.rerank(list)),
        top10: compare(s.rerankRows(rows, { top: 10 }), s.rerank(list, { top: 10 })),
        array: compare(s.rerankRows(Array.from(rows), { top: 10 }), s.rerank(list, { top: 10 })),
        later: compare(s.rerankRows(rows, { top: 10, time: t0 + 3 * 3_600_000 }), s.rerank(list, { top: 10 })),
      };
      // The results are copies: a heap growth (a long list's scratch memory) leaves them readable.
      const kept = s.rerankRows(rows, { top: 10 });
      const before = Array.from(kept.scores);
      const heap = rec._module.HEAPU8.buffer;
      for (let n = 1 << 16; rec._module.HEAPU8.buffer === heap && n <= 1 << 24; n *= 2) s.rerankRows(new Int32Array(n), { top: 1 });
      const grew = heap.byteLength === 0;
      const intact = kept.scores.length === 10 && before.every((x, i) => Object.is(x, kept.scores[i]));
      // Delisted: the old rows rank as rerank ranks the removed ids.
      const gone = [list[0], list[4]];
      rec.removeItems(gone);
      checks.delisted = compare(s.rerankRows(rows), s.rerank(list));
      const goneRows = Array.from(rec.rows(gone));
      // A tile of a rerankRows result, measured at its position.
      const result = s.rerankRows(rows, { top: 10, list: 'grid' });
      const names = rec.itemIds(result.rows);
      const at = names.findIndex((id, i) => i > 0 && id !== null);
      s.impression({ item: names[at], recommendationId: result.recommendationId });
      const measured = impressions.map((e) => [e.position === at, e.list, e.arm, e.item === names[at]]);
      // Bad rows.
      const errors = [[rec.itemCount], [1.5], new Float32Array(2), 'x'].map((bad) => {
        try {
          s.rerankRows(bad);
          return 'no error';
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      });
      const itemCount = rec.itemCount;
      rec.close();
      return { checks, grew, intact, goneRows, measured, errors, itemCount };
    }, model);
    assert.deepEqual(r.checks, { all: 'same', top10: 'same', array: 'same', later: 'same', delisted: 'same' });
    assert.equal(r.grew, true, 'the heap grew');
    assert.equal(r.intact, true, 'the result kept its values');
    assert.deepEqual(r.goneRows, [-1, -1]);
    assert.deepEqual(r.measured, [[true, 'grid', 'tandem', true]]);
    assert.deepEqual(r.errors, [
      `RangeError: tandem: rerankRows: row 0 is ${r.itemCount}, not a row of this model (0 to ${r.itemCount - 1}, or -1 for an unknown item)`,
      'TypeError: tandem: rerankRows: row 0 must be an integer (a row from rec.rows(ids)), got 1.5',
      'TypeError: tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got a Float32Array',
      'TypeError: tandem: rerankRows needs an Int32Array or an array of rows (from rec.rows(ids)), got "x"',
    ]);
    assert.deepEqual(log.errors, []);
    await context.close();
  });
}
