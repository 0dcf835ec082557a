// `tandem prepare` (docs/data.md, "Logs larger than memory"): a log prepared in many sorted runs
// trains the same model, byte for byte in its weights, as the log itself; and every bad input is
// an error that names it, with no temporary files left beside the output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir } from './helpers.mjs';

const run = (args) => spawnSync(cli, args, { encoding: 'utf8' });

// 400 shoppers whose rows interleave, so every run holds some of most of them, with times out of
// order, ties and exact duplicates: enough rows (about 30,000) for several runs of a 1M budget.
function messyLog() {
  const rows = [];
  let x = 12345;
  const random = (n) => ((x = (x * 1103515245 + 12345) % 2147483648) % n);
  const types = ['pv', 'pv', 'pv', 'cart', 'fav', 'buy'];
  for (let k = 0; k < 30000; k++) {
    const user = random(400), item = random(k % 3 ? 60 : 400);
    const row = `u${user},SKU-${item},cat-${item % 9},${types[random(6)]},${1_700_000_000 + random(5000) * 60}`;
    rows.push(row);
    if (k % 17 === 0) rows.push(row);
  }
  return rows.join('\n') + '\n';
}

test('a prepared log trains the same model as the log; the catalog and k-core apply when it is prepared', (t) => {
  const dir = tempDir(t, 'tandem-prepare-');
  mkdirSync(join(dir, 'raw'));
  mkdirSync(join(dir, 'prepared'));
  writeFileSync(join(dir, 'raw/log.csv'), messyLog());
  writeFileSync(join(dir, 'catalog.jsonl'), '{"id": "SKU-1", "brand": "acme", "price": 9.5}\n{"id": "SKU-new", "category": "cat-1"}\n');
  const data = ['--catalog', join(dir, 'catalog.jsonl'), '--min-user-events', '5', '--min-item-count', '3'];
  // Named as the log, so that the models' metadata (the file trained on) is the same too.
  const prepared = join(dir, 'prepared/log.csv');
  const p = run(['prepare', '--data', join(dir, 'raw/log.csv'), '--out', prepared, '--memory-budget', '1M', ...data]);
  assert.equal(p.status, 0, p.stderr);
  const runs = Number(p.stdout.match(/(\d+) sorted runs/)[1]);
  assert.ok(runs > 1, p.stdout);
  assert.match(p.stdout, /duplicates dropped/);
  assert.match(p.stdout, /wrote {6}.*prepared\/log\.csv \(\d+ bytes\): \d+ users, \d+ items, \d+ events/);
  assert.deepEqual(readdirSync(join(dir, 'prepared')), ['log.csv']);

  const train = (log, more) => {
    const out = join(dir, `${more.length ? 'raw' : 'prepared'}.tandem`);
    const r = run(['train', '--data', log, '--out', out, '--epochs', '1', '--threads', '1', '--dim', '8', '--quiet', ...more]);
    assert.equal(r.status, 0, r.stderr);
    const e = run(['export', '--model', out, '--safetensors', `${out}.safetensors`]);
    assert.equal(e.status, 0, e.stderr);
    return { stdout: r.stdout, weights: readFileSync(`${out}.safetensors`), ids: readFileSync(`${out}.ids.txt`, 'utf8') };
  };
  const fromLog = train(join(dir, 'raw/log.csv'), data);
  const fromPrepared = train(prepared, []);
  const line = (s, name) => s.split('\n').find((l) => l.startsWith(name));
  assert.equal(line(fromPrepared.stdout, 'data').replace('prepared/', 'raw/'), line(fromLog.stdout, 'data'));
  assert.equal(line(fromPrepared.stdout, 'protocol'), line(fromLog.stdout, 'protocol'));
  assert.equal(line(fromPrepared.stdout, 'features'), line(fromLog.stdout, 'features'));
  assert.equal(fromPrepared.stdout.match(/fingerprint (\w+)/)[1], fromLog.stdout.match(/fingerprint (\w+)/)[1]);
  assert.ok(fromPrepared.weights.equals(fromLog.weights), 'the same weights');
  assert.equal(fromPrepared.ids, fromLog.ids);
});

test('prepare and the readers of its file say what is wrong and leave no temporary files', (t) => {
  const dir = tempDir(t, 'tandem-prepare-bad-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, messyLog());
  const out = join(dir, 'log.prepared');
  const fails = (args, message) => {
    const r = run(args);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, message);
  };
  fails(['prepare', '--data', log, '--out', out, '--temp-dir', join(dir, 'missing')],
    new RegExp(`^tandem: cannot write ${join(dir, 'missing')}/log\\.prepared\\.probe-\\d+\\.tmp: No such file or directory\\n$`));
  fails(['prepare', '--data', log, '--out', join(dir, 'missing/p')], /cannot write .*missing\/p\.tmp: No such file or directory/);
  fails(['prepare', '--data', log, '--out', out, '--memory-budget', '12Q'],
    /--memory-budget: a memory budget is a byte count of at least 1M, optionally with K, M, G or T \(512M, 1G\), got '12Q'/);
  fails(['prepare', '--data', join(dir, 'none.csv'), '--out', out], /cannot open .*none\.csv: No such file or directory/);
  assert.deepEqual(readdirSync(dir), ['log.csv']);

  assert.equal(run(['prepare', '--data', log, '--out', out]).status, 0);
  fails(['prepare', '--data', out, '--out', join(dir, 'again')], /log\.prepared is a prepared-data file already/);
  fails(['train', '--data', out, '--out', join(dir, 'm.tandem'), '--min-item-count', '2'],
    /log\.prepared is a prepared-data file: a k-core filter \(--min-user-events, --min-item-count\) is applied when it is prepared \(tandem prepare\), not when it is read/);
  const bytes = readFileSync(out);
  writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 100));
  fails(['train', '--data', join(dir, 'cut'), '--out', join(dir, 'm.tandem')], /cut: truncated prepared-data file|cut: checksum mismatch/);
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 12] ^= 0x10;
  writeFileSync(join(dir, 'flipped'), flipped);
  fails(['train', '--data', join(dir, 'flipped'), '--out', join(dir, 'm.tandem')],
    /flipped: checksum mismatch \(corrupt or truncated prepared-data file\)/);
  const version = Buffer.from(bytes);
  version[8] = 9;
  writeFileSync(join(dir, 'version'), version);
  fails(['train', '--data', join(dir, 'version'), '--out', join(dir, 'm.tandem')],
    /version: unsupported prepared-data file version 9 \(this build reads 1\)/);
  // A prepared file keeps its log's format: the run and the model's metadata name it.
  const pairs = join(dir, 'pairs.txt');
  writeFileSync(pairs, Array.from({ length: 600 }, (_, k) => `u${k % 40} i${(k * 7) % 25}`).join('\n') + '\n');
  assert.equal(run(['prepare', '--data', pairs, '--format', 'user-item', '--out', join(dir, 'pairs.prepared')]).status, 0);
  const trained = run(['train', '--data', join(dir, 'pairs.prepared'), '--out', join(dir, 'pairs.tandem'), '--epochs', '1', '--dim', '4', '--quiet']);
  assert.equal(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /pairs\.prepared \(user-item\): 600 rows, 40 users, 25 items/);
  assert.match(run(['inspect', join(dir, 'pairs.tandem')]).stdout, /"format":"user-item"/);
  assert.match(run(['--help']).stdout, /\n {2}prepare {2}/);
  assert.match(run(['prepare', '--help']).stdout, /--memory-budget BYTES/);
});
