// Candidate ids resolve in one call per rerank: ids the Recommender has not seen go to wasm as
// UTF-8 bytes back to back (findItems), and give the same rows as looking each up alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, fixturePath, Recommender, tempDir } from './helpers.mjs';

/** The 300-item fixture model with its ids replaced (through a safetensors round trip). */
function modelWithIds(t, ids) {
  const dir = tempDir(t, 'tandem-ids-');
  execFileSync(cli, ['export', '--model', fixturePath(), '--safetensors', join(dir, 'w.safetensors')]);
  writeFileSync(join(dir, 'w.ids.txt'), ids.join('\n') + '\n');
  execFileSync(cli, ['import', '--weights', join(dir, 'w.safetensors'), '--config', join(dir, 'w.config.json'), '--ids', join(dir, 'w.ids.txt'),
    '--out', join(dir, 'm.tandem')]);
  return readFileSync(join(dir, 'm.tandem'));
}

test('a candidate list resolves in one call: non-ASCII ids, unknown ids, lone surrogates, and ids seen before', async (t) => {
  const ids = Array.from({ length: 300 }, (_, i) => ['caf\u00e9-', '\u{1F45F}-', '\u9774-', 'SKU-'][i % 4] + i);
  ids[7] = '\uFFFD';  // an id that a lone surrogate encoded as U+FFFD would match
  const rec = await Recommender.create({ modelBuffer: modelWithIds(t, ids) });
  const calls = { one: 0, batch: 0 };
  const handle = rec._handle;
  const { findItem, findItems } = handle;
  handle.findItem = (...a) => (calls.one++, findItem.apply(handle, a));
  handle.findItems = (...a) => (calls.batch++, findItems.apply(handle, a));
  const s = rec.session();
  const candidates = [ids[1], 'nope', ids[2], '\uD800', ids[3], ids[1], ids[7], 'caf\u00e9', ids[250]];
  const ranked = s.rerank(candidates);
  assert.deepEqual(calls, { one: 0, batch: 1 });
  assert.deepEqual(ranked.map((r) => r.item).sort(), [...candidates].sort());
  // The same scores as each id looked up alone (hasItem, findItem), the lone surrogate unknown.
  const score = new Map(ranked.map((r) => [r.item, r.score]));
  const unknown = score.get('nope');
  for (const id of candidates) {
    const known = id !== 'nope' && id !== '\uD800' && id !== 'caf\u00e9';
    assert.equal(rec.hasItem(id), known, id);
    if (!known) assert.equal(score.get(id), unknown, id);
  }
  assert.notEqual(score.get(ids[7]), undefined);
  // Seen ids come from the cache: a second list only looks up what is new.
  calls.batch = 0;
  s.rerank([ids[1], ids[2], ids[4]]);
  assert.equal(calls.batch, 1);
  s.rerank([ids[1], ids[2], ids[4], ids[3]].reverse());
  assert.equal(calls.batch, 1, 'every id was cached');
  s.close();
  rec.close();
});
