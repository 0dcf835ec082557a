// Dirty logs never stop `tandem train`: each kind of bad row, added to a log that trains, is
// skipped and reported with its line and reason, and the model written loads and scores in the
// wasm package. A run that fails leaves no partial outputs. (docs/data.md, docs/reliability.md)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, profileFile, Recommender, tempDir } from './helpers.mjs';

// 16 shoppers walking a ring of 20 items (Taobao layout), as the CLI tests' log.
function ringRows() {
  const rows = [];
  for (let u = 0; u < 16; u++) {
    let t = 1_700_000_000 + u * 10_000;
    for (let k = 0; k < 8; k++) rows.push(`${u},SKU-${(u * 3 + k * 7) % 20},cat-${k % 3},pv,${(t += 60)}`);
  }
  return rows;
}

/** What `--profiles` writes for shoppers 0 .. n-1: a profile file each, and nothing else. */
const profileNames = (n) => Array.from({ length: n }, (_, u) => `${u}.profile`).sort();

const tiny = ['--dim', '8', '--epochs', '1', '--batch-size', '8', '--quiet'];

function train(dir, logBytes, extra = []) {
  const log = join(dir, 'log.csv');
  writeFileSync(log, logBytes);
  const out = join(dir, 'm.tandem');
  const r = spawnSync(cli, ['train', '--data', log, '--out', out, ...tiny, ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ...r, out };
}

/** The model loads in wasm (its self-test run) and gives finite scores. */
async function assertUsable(path) {
  const rec = await Recommender.create({ modelBuffer: readFileSync(path) });
  try {
    const s = rec.session();
    s.observe({ item: 'SKU-3', time: 1_700_000_000_000 });  // the model's first event type
    for (const r of s.rerank(['SKU-1', 'SKU-2', 'SKU-3', 'unknown'])) assert.ok(Number.isFinite(r.score), `${r.item}: ${r.score}`);
    s.close();
  } finally {
    rec.close();
  }
}

const bad = (text) => Buffer.from(text, 'latin1');  // bytes as written, not UTF-8 encoded
const cases = [
  ['a time of 1e50 s', '9,SKU-1,cat-0,pv,1e50', /time '1e50' is out of range/],
  ['a time of -1e308 s', '9,SKU-1,cat-0,pv,-1e308', /time '-1e308' is out of range/],
  ['a time of 1.8e308 s', '9,SKU-1,cat-0,pv,1.8e308', /bad time '1\.8e308'/],
  ['an item id that is not UTF-8', bad('9,SKU-\xff,cat-0,pv,1700000000'), /the item id is not valid UTF-8/],
  ['an item id over 1 KB', `9,${'x'.repeat(1100)},cat-0,pv,1700000000`, /the item id is longer than 1024 bytes/],
  ['a NUL inside an item id', '9,SKU-\u00001,cat-0,pv,1700000000', /the item id holds a NUL byte/],
  ['a category that is not UTF-8', bad('9,SKU-1,cat-\xc3,pv,1700000000'), /the category is not valid UTF-8/],
  ['a user id that is not UTF-8', bad('\xfe9,SKU-1,cat-0,pv,1700000000'), /the user id is not valid UTF-8/],
  ['an event name that is not UTF-8', bad('9,SKU-1,cat-0,p\xffv,1700000000'), /unknown event type 'p\\xFFv'/],
];

for (const [name, row, reason] of cases) {
  test(`train: ${name} is one malformed row, reported with its line; the model loads and scores`, async (t) => {
    const dir = tempDir(t, 'tandem-dirty-');
    const rows = ringRows();
    const log = Buffer.concat([Buffer.from(rows.slice(0, 50).join('\n') + '\n'), Buffer.from(row), Buffer.from('\n' + rows.slice(50).join('\n') + '\n')]);
    const r = train(dir, log, ['--profiles', join(dir, 'p')]);
    assert.equal(r.signal, null);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1 malformed rows skipped/);
    assert.match(r.stdout, new RegExp(`^ {11}line 51: ${reason.source}`, 'm'));
    assert.match(r.stdout, /16 users, 20 items/);
    await assertUsable(r.out);
    assert.deepEqual(readdirSync(join(dir, 'p')).sort(), profileNames(16));
  });
}

test('train: \\n\\r line breaks are reported, not turned into users named "\\r1"', async (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  const r = train(dir, ringRows().join('\n\r') + '\n');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 users, /);
  assert.match(r.stdout, /127 malformed rows skipped/);
  assert.match(r.stdout, /line 2: a carriage return inside the line/);
});

test('train: a delimited log with 70 event names keeps the first 64 and reports the rest', async (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  const rows = ringRows().map((row, i) => row.replace(',pv,', `,e${i % 70},`));
  const r = train(dir, rows.join('\n') + '\n', ['--format', 'delimited', '--user-col', '0', '--item-col', '1', '--category-col', '2',
    '--event-col', '3', '--time-col', '4']);
  assert.equal(r.signal, null);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /6 malformed rows skipped/);
  assert.match(r.stdout, /event type 'e64' would be the 65th; a model tells apart at most 64/);
  await assertUsable(r.out);
});

test('train --profiles: a 300-byte user id gets a short file name, and its profile is written', (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  const long = 'ü'.repeat(150);  // 300 bytes of UTF-8, 900 once %-encoded
  const rows = ringRows().map((row) => (row.startsWith('3,') ? long + row.slice(1) : row));
  const r = train(dir, rows.join('\n') + '\n', ['--profiles', join(dir, 'p')]);
  assert.equal(r.status, 0, r.stderr);
  const names = readdirSync(join(dir, 'p')).filter((f) => f.endsWith('.profile'));
  assert.equal(names.length, 16);
  const longName = names.find((f) => f.startsWith('%C3%BC'));
  assert.match(longName, /^(%C3%BC)+[%C3]*~[0-9a-f]{16}\.profile$/);
  assert.ok(Buffer.byteLength(longName) <= 200, longName);
  // The files written are the profiles, one per shopper, and nothing else.
  assert.deepEqual(readdirSync(join(dir, 'p')), names);
  assert.ok(!existsSync(join(dir, 'p/profiles.bin')) && !existsSync(join(dir, 'p/profiles.index.json')));
  assert.equal(readFileSync(join(dir, 'p', longName)).subarray(0, 4).toString('latin1'), 'TNDP');
});

test('train: a run that fails after training leaves the previous outputs and no partial new ones', (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  writeFileSync(join(dir, 'm.tandem'), 'yesterday');
  writeFileSync(join(dir, 'blocker'), 'a file where the profiles directory should go');
  const r = train(dir, ringRows().join('\n') + '\n', ['--profiles', join(dir, 'blocker/p'), '--report', join(dir, 'r.html')]);
  assert.equal(r.signal, null);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tandem: cannot create .*blocker\/p\.tmp: Not a directory$/m);
  assert.equal(readFileSync(join(dir, 'm.tandem'), 'utf8'), 'yesterday', 'the old model is untouched');
  assert.deepEqual(readdirSync(dir).sort(), ['blocker', 'log.csv', 'm.tandem', 'm.tandem.log.jsonl']);

  // The same run with a writable directory replaces an older profiles directory as a whole.
  mkdirSync(join(dir, 'p'));
  writeFileSync(join(dir, 'p/stale.profile'), 'stale');
  const ok = train(dir, ringRows().join('\n') + '\n', ['--profiles', join(dir, 'p')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(!existsSync(join(dir, 'p/stale.profile')));
  assert.deepEqual(readdirSync(join(dir, 'p')).sort(), profileNames(16));
  assert.deepEqual(readdirSync(dir).filter((f) => /\.(tmp|old-\d+)$/.test(f)), []);
});

test('score: a profile file whose values are finite but beyond what the model can pool is refused, not scored as NaN', async (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  const r = train(dir, ringRows().join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr);
  const rec = await Recommender.create({ modelBuffer: readFileSync(r.out) });
  const values = new Array(rec.dim + 1).fill(0);
  values[2] = 3e38;
  writeFileSync(join(dir, 'huge.profile'), profileFile(rec, values));
  rec.close();
  const s = spawnSync(cli, ['score', '--model', r.out, '--profile', join(dir, 'huge.profile'), '--candidates', 'SKU-1,SKU-2'], { encoding: 'utf8' });
  assert.equal(s.status, 1);
  assert.match(s.stderr, /^tandem: .*huge\.profile: profile value 2 is out of range \(3e\+38; a profile of this model lies within \+-[\d.e+-]+\)$/m);
  assert.equal(s.stdout, '');
});

const hasTime = existsSync('/usr/bin/time');

test('train: a 10 MB line of commas and a 50 MB line cost bounded memory (the 16 MiB line limit)', { skip: !hasTime && 'needs /usr/bin/time (Debian package time)' }, (t) => {
  const dir = tempDir(t, 'tandem-dirty-');
  const peak = (logBytes) => {
    const timeFile = join(dir, 'time.txt');
    writeFileSync(join(dir, 'log.csv'), logBytes);
    const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%M', cli, 'train', '--data', join(dir, 'log.csv'), '--out', join(dir, 'm.tandem'), ...tiny, '--threads', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return { kib: Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)), stdout: r.stdout };
  };
  const rows = ringRows();
  const clean = peak(rows.join('\n') + '\n');
  const dirty = peak(Buffer.concat([Buffer.from(rows.join('\n') + '\n'), Buffer.alloc(10 << 20, ','), Buffer.from('\n'),
    Buffer.alloc(50 << 20, 'x'), Buffer.from('\n')]));
  t.diagnostic(`peak RSS ${(clean.kib / 1024).toFixed(1)} MiB clean, ${(dirty.kib / 1024).toFixed(1)} MiB with the long lines`);
  assert.match(dirty.stdout, /line 129: expected 5 fields, found 10485761/);
  assert.match(dirty.stdout, /line 130: line is too long/);
  // One 1 MiB chunk, the 10 MiB line, and at most the 16 MiB line limit for the skipped one.
  assert.ok(dirty.kib - clean.kib < 40 * 1024, `${dirty.kib - clean.kib} KiB more`);
});
