// A model and profiles written by `tandem train` on a small generated log: the wasm engine loads
// them, and a profile file plus a sequence of events give the same scores in wasm as natively
// (`tandem score`, the same C++ compiled for this machine), within 1e-5 relative.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Recommender, assertClose, cli, fixtureBytes, unseal, tempDir, warnings } from './helpers.mjs';

// 30 shoppers over 40 items in 4 categories, with views, carts, favourites and purchases.
function smallLog() {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = [];
  for (let u = 0; u < 30; u++) {
    let t = 1_700_000_000 + u * 5000;
    const taste = u % 4;
    for (let k = 0; k < 14; k++) {
      const cat = next() < 0.7 ? taste : Math.floor(next() * 4);
      const item = 100 + cat * 10 + Math.floor(next() * 10);
      const r = next();
      const behaviour = r < 0.75 ? 'pv' : r < 0.85 ? 'cart' : r < 0.93 ? 'fav' : 'buy';
      t += k === 7 ? 7200 : 20 + Math.floor(next() * 300);
      rows.push(`${9000 + u},SKU-${item},cat-${cat},${behaviour},${t}`);
    }
  }
  return rows.join('\n') + '\n';
}

test('trained model and profile files: the same scores in wasm as natively', async (t) => {
  const dir = tempDir(t, 'tandem-trained-');
  writeFileSync(join(dir, 'log.csv'), smallLog());
  const model = join(dir, 'shop.tandem');
  execFileSync(cli, ['train', '--data', join(dir, 'log.csv'), '--format', 'taobao', '--out', model, '--profiles', join(dir, 'profiles'),
    '--dim', '16', '--epochs', '2', '--batch-size', '8', '--quiet'], { stdio: 'pipe' });

  const bytes = new Uint8Array(readFileSync(model));
  const rec = await Recommender.create({ modelBuffer: bytes });
  assert.deepEqual(rec.eventTypes, ['view', 'cart', 'fav', 'purchase']);
  assert.equal(rec.metadata.trained_on, 'log.csv');

  // The self-test the trainer stored comes from a real shopper: wasm matches it at 1e-5.
  const st = unseal(bytes).header.selftest;
  const s0 = rec.session({ profile: new Float32Array(st.profile) });
  for (const e of st.events) s0.observe({ item: e.item, type: e.type, time: e.time * 1000 });
  const got0 = new Map(s0.rerank(st.candidates).map((r) => [r.item, r.score]));
  st.candidates.forEach((id, i) => assertClose(assert, got0.get(id), st.scores[i], 1e-5, id));

  const candidates = ['SKU-100', 'SKU-105', 'SKU-112', 'SKU-127', 'SKU-139', 'SKU-131', 'SKU-404'];
  const events = [['SKU-112', 'view', 1_800_000_000], ['SKU-113', 'cart', 1_800_000_030], ['SKU-404', 'view', 1_800_000_050], ['SKU-131', 'purchase', 1_800_000_400]];
  for (const user of ['9000', '9013', '9029']) {
    const profileFile = join(dir, 'profiles', `${user}.profile`);
    const native = JSON.parse(execFileSync(cli, ['score', '--model', model, '--profile', profileFile,
      '--events', events.map((e) => e.join('@')).join(','), '--candidates', candidates.join(',')], { encoding: 'utf8' }));
    const shopper = rec.session({ profile: new Uint8Array(readFileSync(profileFile)) });
    for (const [item, type, seconds] of events) shopper.observe({ item, type, time: seconds * 1000 });
    const wasm = new Map(shopper.rerank(candidates).map((r) => [r.item, r.score]));
    for (const id of candidates) assertClose(assert, wasm.get(id), native.scores[id], 1e-5, `user ${user}, ${id}`);
    assertClose(assert, shopper.gate, native.gate, 1e-5, `user ${user} gate`);
    assert.equal(native.new_visit, false);
    // Asked for an hour after the last event: a new visit's scores, natively (--time) and in wasm.
    const back = 1_800_000_400 + 3600;
    const returned = JSON.parse(execFileSync(cli, ['score', '--model', model, '--profile', profileFile,
      '--events', events.map((e) => e.join('@')).join(','), '--candidates', candidates.join(','), '--time', String(back)], { encoding: 'utf8' }));
    assert.equal(returned.new_visit, true);
    const wasmBack = new Map(shopper.rerank(candidates, { time: back * 1000 }).map((r) => [r.item, r.score]));
    for (const id of candidates) assertClose(assert, wasmBack.get(id), returned.scores[id], 1e-5, `user ${user} back, ${id}`);
    assert.notEqual(returned.scores['SKU-100'], native.scores['SKU-100']);
    shopper.close();
  }
  const badTime = spawnSync(cli, ['score', '--model', model, '--candidates', 'SKU-100', '--time', 'noon'], { encoding: 'utf8' });
  assert.equal(badTime.status, 1);
  assert.equal(badTime.stderr.trim(), "tandem: --time takes seconds, got 'noon'");
  // The same profile file is another model's for a model of the same dimension (its fingerprint):
  // that session gets the population prior and one warning, and nothing throws.
  const other = await Recommender.create({ modelBuffer: fixtureBytes({ dim: 16 }) });
  const said = await warnings(async () => {
    const foreign = other.session({ profile: new Uint8Array(readFileSync(join(dir, 'profiles', '9000.profile'))) });
    assert.deepEqual(foreign.profile(), other.session().profile());
  });
  assert.equal(said.length, 1);
  assert.match(said[0], /^tandem: the profile is from another model \(fingerprint [0-9a-f]{16}, this model [0-9a-f]{16}\); using the population prior$/);
  rec.close();
  other.close();
});
