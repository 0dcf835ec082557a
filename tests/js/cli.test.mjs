// The trainer's command line on a small generated log: options from a JSON config, the files a
// run writes (model, profiles, JSONL log, report, top-k dump, checkpoint), eval, and errors that
// name the problem.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, root, tempDir } from './helpers.mjs';

// 24 shoppers over 30 items: each walks a ring of items with a stride, so the next item is learnable.
// Every second shopper is back an hour later for the last event (a return, after the session timeout).
function ringLog() {
  const rows = [];
  for (let u = 0; u < 24; u++) {
    let t = 1_700_000_000 + u * 10_000;
    for (let k = 0; k < 12; k++) {
      const item = (u * 5 + k * 7) % 30;
      rows.push(`${u},SKU-${item},cat-${item % 3},${k % 6 === 5 ? 'cart' : 'pv'},${(t += k === 11 && u % 2 ? 3600 : 60)}`);
    }
  }
  return rows.join('\n') + '\n';
}

function run(args) {
  return spawnSync(cli, args, { encoding: 'utf8' });
}

test('train writes the model, profiles, log, report, top-k dump and checkpoint; eval reads them back', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ format: 'taobao', dim: 8, epochs: 3, 'batch-size': 8, lr: 0.01, ablation: true, 'history-dropout': 0.5, 'branch-dropout': 0.2 }));
  const out = join(dir, 'm.tandem');
  const r = run(['train', '--config', join(dir, 'run.json'), '--data', log, '--out', out, '--profiles', join(dir, 'p'),
    '--report', join(dir, 'r.html'), '--dump-topk', join(dir, 'topk.jsonl'), '--checkpoint', join(dir, 'ckpt'), '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /data {7}.*log\.csv \(taobao\): 288 rows, 24 users, 30 items, 3 categories, 288 events/);
  assert.match(r.stdout, /protocol   leave-one-out: 216 training targets, 24 validation cases, 24 test cases/);
  // Each model's line names the regularisers that apply to it.
  assert.match(r.stdout, /^train      fused: dim 8, 216 targets per epoch, batch 8, dropout 0\.30, history dropout 0\.50, branch dropout 0\.20, lr 0\.01, 2 threads$/m);
  assert.match(r.stdout, /^train      long-only: .*, dropout 0\.30, history dropout 0\.50, lr 0\.01, 2 threads$/m);
  assert.match(r.stdout, /^train      short-only: .*, dropout 0\.30, lr 0\.01, 2 threads$/m);
  assert.match(r.stdout, /^note       only 3 Adam steps per epoch \(24 shoppers, 8 per batch\); a smaller --batch-size/m);
  assert.equal(r.stdout.match(/^note /gm).length, 1, 'once, not for every ablation');
  for (const name of ['popularity', 'recently viewed', 'fused', 'long-only', 'short-only']) assert.match(r.stdout, new RegExp(`^${name} +0\\.\\d{4}`, 'm'));
  // The main model against every other row, paired over the same 24 cases.
  const fusedNdcg = Number(/^fused(?: +[\d.]+){4} +([\d.]+)/m.exec(r.stdout)[1]);
  const own = /^fused NDCG@10 ([\d.]+), standard error ([\d.]+); paired differences over the same cases:$/m.exec(r.stdout);
  assert.ok(own, r.stdout);
  assert.equal(Number(own[1]), fusedNdcg);
  for (const name of ['popularity', 'recently viewed', 'long-only', 'short-only']) {
    const m = new RegExp(`^  against ${name} +([+-][\\d.]+)(?: \\(([+-][\\d.]+) %\\))?, standard error ([\\d.]+)$`, 'm').exec(r.stdout);
    assert.ok(m, `${name}: ${r.stdout}`);
    const other = Number(new RegExp(`^${name}(?: +[\\d.]+){4} +([\\d.]+)`, 'm').exec(r.stdout)[1]);
    assert.ok(Math.abs(Number(m[1]) - (fusedNdcg - other)) <= 0.00011, `${name}: ${m[1]} vs ${fusedNdcg} - ${other}`);
  }
  // NDCG@10 by what each test case holds out (four kinds) and by when it is asked for (in the visit
  // or on a return): 24 cases in each partition, and every row's NDCG@10 is the case-weighted mean
  // of its column over either (to the rounding of the printed values).
  const lines = r.stdout.split('\n');
  const at = lines.indexOf('NDCG@10 by what the test case holds out, and by when it is asked for:');
  assert.ok(at > 0, r.stdout);
  // The log's categories make the new-in-category baseline (the reference for items not seen before).
  const names = ['popularity', 'recently viewed', 'new in category', 'fused', 'long-only', 'short-only'];
  assert.equal(lines[at + 1], `test case                 cases   share  ${names.join('  ')}`);
  const groups = lines.slice(at + 2, at + 8).map((line) => /^(.+?) +(\d+) +([\d.]+)%((?: +[\d.]+)+)$/.exec(line));
  assert.deepEqual(groups.map((k) => k && k[1]), ['in the recent window', 'earlier in the history', 'new to the shopper', 'item not seen before',
    'asked in the visit', 'asked on a return']);
  const kinds = groups.slice(0, 4), visits = groups.slice(4);
  assert.deepEqual(visits.map((k) => Number(k[2])), [12, 12], 'every second shopper is back after an hour');
  for (const partition of [kinds, visits]) {
    assert.equal(partition.reduce((n, k) => n + Number(k[2]), 0), 24);
    names.forEach((name, i) => {
      const overall = Number(new RegExp(`^${name}(?: +[\\d.]+){4} +([\\d.]+)`, 'm').exec(r.stdout)[1]);
      const weighted = partition.reduce((s, k) => s + Number(k[2]) * Number(k[4].trim().split(/ +/)[i]), 0) / 24;
      assert.ok(Math.abs(weighted - overall) <= 0.0002, `${name}: ${weighted} vs ${overall}`);
    });
  }
  assert.equal(kinds[0][2] + kinds[1][2], '00', 'a shopper of the ring log never comes back to an item');

  const epochs = readFileSync(`${out}.log.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(epochs.length, 9, 'three epochs for each of the three models');
  assert.deepEqual(epochs.map((e) => e.model), ['fused', 'fused', 'fused', 'long-only', 'long-only', 'long-only', 'short-only', 'short-only', 'short-only']);
  assert.ok(epochs.every((e) => e.loss > 0 && e.validation.cases === 24));

  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  assert.match(html, /<svg[^>]*>.*training loss/s);
  assert.match(html, /<td>short-only<\/td>/);
  // The breakdown, with the same cases as the terminal's table.
  assert.match(html, new RegExp(`<tr><td>new to the shopper</td><td>${kinds[2][2]}</td>`));
  assert.match(html, /<tr><td>asked on a return<\/td><td>12<\/td><td>50\.0 %<\/td>/);
  assert.match(html, /<h2>NDCG@10 by what the test case holds out, and by when it is asked for<\/h2><table><tr><th>test case<\/th><th>cases<\/th><th>share<\/th><th>popularity<\/th>/);
  assert.doesNotMatch(html, /<script/);

  const topk = readFileSync(join(dir, 'topk.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(topk.length, 24);
  // Each line names the shopper and the held-out event's position in their history (0-based).
  assert.deepEqual([topk[0].user, topk[0].position], ['0', 11]);
  assert.ok(topk.every((c, i) => c.user === String(i) && c.position === 11));
  assert.equal(topk[0].topk.length, 20);
  assert.ok(topk.every((c) => c.topk.every((id) => /^SKU-\d+$/.test(id))));

  // --profiles: one profile file per shopper and nothing else (servers read a store: tandem profiles).
  assert.deepEqual(readdirSync(join(dir, 'p')).sort(), Array.from({ length: 24 }, (_, u) => `${u}.profile`).sort());
  assert.ok(!existsSync(join(dir, 'p', 'profiles.bin')) && !existsSync(join(dir, 'p', 'profiles.index.json')));
  const record = readFileSync(join(dir, 'p', '0.profile'));
  assert.equal(record.length, 20 + 4 * (8 + 1) + 8, 'a profile file of dim 8 (src/core/profile_format.h)');
  assert.equal(record.subarray(0, 4).toString('latin1'), 'TNDP');
  assert.ok(existsSync(join(dir, 'ckpt')) && existsSync(join(dir, 'ckpt.long-only')));

  const inspect = execFileSync(cli, ['inspect', out, '--verify'], { encoding: 'utf8' });
  assert.match(inspect, /self-test  passed/);
  assert.match(inspect, /"trained_on":"log.csv"/);

  // eval takes the log's format from the model, and the training run's config file (its training
  // options skipped); the model keeps its name from train, fused.
  const ev = run(['eval', '--config', join(dir, 'run.json'), '--model', out, '--data', log, '--baselines']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /log\.csv \(taobao\)/);
  // The model file's own test numbers are what eval measures again.
  const meta = JSON.parse(/metadata   (.*)/.exec(inspect)[1]);
  const fused = /^fused +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+)/m.exec(ev.stdout);
  assert.ok(fused, ev.stdout);
  assert.equal(Number(fused[5]), Number(meta.test.fused['ndcg@10'].toFixed(4)));
  // --k sets the cutoffs (NDCG@10 is always among them).
  const k = run(['eval', '--model', out, '--data', log, '--k', '1,3']);
  assert.equal(k.status, 0, k.stderr);
  assert.match(k.stdout, /^model +HR@1 +NDCG@1 +MRR@1 +HR@3 +NDCG@3 +MRR@3 +HR@10 +NDCG@10 +MRR@10$/m);
});

test('--no-features and --no-repeat-term train the model without those levers, and say so', (t) => {
  const dir = tempDir(t, 'tandem-levers-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const out = join(dir, 'm.tandem');
  const r = run(['train', '--data', log, '--format', 'taobao', '--dim', '8', '--epochs', '1', '--batch-size', '8',
    '--no-features', '--no-repeat-term', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^features   off \(ids only\)$/m);
  assert.match(r.stdout, /^levers     repeat term off$/m);
  const inspect = execFileSync(cli, ['inspect', out, '--verify'], { encoding: 'utf8' });
  assert.match(inspect, /items {6}30 \(float32 item table\), 0 categories/);
  assert.match(inspect, /self-test  passed/);
  const meta = JSON.parse(/metadata   (.*)/.exec(inspect)[1]);
  assert.equal(meta.options.repeat_term, false);
  assert.equal(meta.options.features, false);

  const plain = run(['train', '--data', log, '--format', 'taobao', '--dim', '8', '--epochs', '1', '--batch-size', '8',
    '--out', join(dir, 'plain.tandem'), '--quiet']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /^levers/m);
  assert.match(plain.stdout, /^features   category \(3 values\)$/m);
  assert.match(execFileSync(cli, ['inspect', join(dir, 'plain.tandem')], { encoding: 'utf8' }), /30 \(float32 item table\), 3 categories/);
});

test('resume continues from the checkpoint', (t) => {
  const dir = tempDir(t, 'tandem-resume-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const common = ['train', '--data', log, '--format', 'taobao', '--dim', '8', '--batch-size', '8', '--checkpoint', join(dir, 'ckpt'), '--quiet'];
  assert.equal(run([...common, '--epochs', '2', '--out', join(dir, 'a.tandem')]).status, 0);
  const resumed = run([...common, '--epochs', '3', '--resume', '--out', join(dir, 'b.tandem')]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed    fused from .*ckpt at epoch 2/);
  assert.match(resumed.stdout, /fused {6}epoch {3}3 /);
  assert.doesNotMatch(resumed.stdout, /epoch {3}1 /);
});

test('a run killed with SIGKILL leaves no partial output and resumes from its last checkpoint to the same model', async (t) => {
  const dir = tempDir(t, 'tandem-kill-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  // Twelve epochs (no early stop) give the kill time to land mid-run.
  const common = ['train', '--data', log, '--format', 'taobao', '--dim', '8', '--batch-size', '8', '--epochs', '12',
    '--patience', '100', '--checkpoint', join(dir, 'ckpt'), '--quiet'];
  const straight = run([...common, '--out', join(dir, 'straight.tandem')]);
  assert.equal(straight.status, 0, straight.stderr);
  const fingerprint = (stdout) => /fingerprint ([0-9a-f]{16})/.exec(stdout)?.[1];

  const out = join(dir, 'killed.tandem');
  const child = spawn(cli, [...common, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (/fused {6}epoch {3}2 /.test(stdout)) child.kill('SIGKILL');
  });
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL', `the run ended before the kill:\n${stdout}`);
  assert.ok(!existsSync(out), 'no model file from a killed run');
  assert.ok(existsSync(join(dir, 'ckpt')));

  // The checkpoint is whole (atomic writes): it loads, and the run continues after its epoch with
  // the optimizer state it saved, so it ends with exactly the uninterrupted run's weights.
  const resumed = run([...common, '--resume', '--out', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const at = Number(/resumed    fused from .*ckpt at epoch (\d+)/.exec(resumed.stdout)?.[1]);
  assert.ok(at >= 1 && at < 12, resumed.stdout);
  assert.match(resumed.stdout, new RegExp(`fused {6}epoch {2,3}${at + 1} `));
  assert.doesNotMatch(resumed.stdout, new RegExp(`fused {6}epoch {2,3}${at} `));
  assert.equal(fingerprint(resumed.stdout), fingerprint(straight.stdout));
  assert.ok(fingerprint(straight.stdout));
});

test('bad options and bad input fail with a message that names the problem', (t) => {
  const dir = tempDir(t, 'tandem-bad-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, '1,SKU-1,c,pv,1700000000\n1,SKU-2,c,pv\n1,SKU-3,c,wink,1700000100\n1,SKU-4,c,pv,1700000200\n');
  let r = run(['train', '--data', log, '--out', join(dir, 'm'), '--dimm', '8']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'tandem: unknown option --dimm (see tandem train --help)\n');
  r = run(['train', '--data', log, '--out', join(dir, 'm'), '--lr', 'fast']);
  assert.match(r.stderr, /^tandem: --lr must be a number in \[/);
  r = run(['train', '--data', log, '--out', join(dir, 'm'), '--int8', '--float32']);
  assert.equal(r.stderr, 'tandem: give at most one of --int8 and --float32\n');
  r = run(['train', '--data', join(dir, 'missing.csv'), '--out', join(dir, 'm')]);
  assert.match(r.stderr, /^tandem: cannot open .*missing\.csv: No such file or directory\n$/);
  r = run(['train', '--data', log, '--out', join(dir, 'm'), '--strict']);
  assert.equal(r.stderr, `tandem: ${log}: line 2: expected 5 fields, found 4\n`);
  writeFileSync(join(dir, 'bad.json'), '{"dim": 8, "colour": "red"}');
  r = run(['train', '--config', join(dir, 'bad.json'), '--data', log, '--out', join(dir, 'm')]);
  assert.equal(r.stderr, `tandem: ${join(dir, 'bad.json')}: unknown option 'colour'\n`);
  r = run(['frobnicate']);
  assert.equal(r.stderr, "tandem: unknown command 'frobnicate' (see tandem --help)\n");
});

test('export --int8 writes the same model with an int8 item table, which ranks like the float32 one', async (t) => {
  const { Recommender, fixturePath } = await import('./helpers.mjs');
  const dir = tempDir(t, 'tandem-export-');
  const source = fixturePath({ items: 300, dim: 16, seed: 3 });
  const out = join(dir, 'int8.tandem');
  const r = run(['export', '--model', source, '--out', out, '--int8']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*int8\.tandem: 300 items, dim 16, int8 item table, \d+ bytes, fingerprint [0-9a-f]{16}$/m);
  const f32 = await Recommender.create({ modelBuffer: readFileSync(source) });
  const int8 = await Recommender.create({ modelBuffer: readFileSync(out) });
  assert.equal(f32.quantized, false);
  assert.equal(int8.quantized, true);
  assert.equal(int8.itemCount, 300);
  assert.notEqual(int8.fingerprint, f32.fingerprint);
  // 300 x 16 float32 values (19,200 bytes) become 300 x 16 int8 values and 300 float32 scales (6,000 bytes)
  const saved = readFileSync(source).length - readFileSync(out).length;
  assert.ok(saved > 12_000 && saved < 14_400, `the file shrank by ${saved} bytes`);
  // The same shopper on both: the int8 top 10 keeps at least 9 of the float32 top 10.
  const sessions = [f32.session(), int8.session()];
  for (const s of sessions) for (let i = 0; i < 6; i++) s.observe({ item: `SKU-${100000 + i * 13}`, type: 'view', time: 1_700_000_000_000 + i * 60_000 });
  const [a, b] = sessions.map((s) => s.recommend({ k: 10, exclude: 'none' }).map((x) => x.item));
  assert.ok(b.filter((id) => a.includes(id)).length >= 9, `${a} vs ${b}`);
  f32.close();
  int8.close();
  const missing = run(['export', '--model', join(dir, 'nope.tandem'), '--out', out]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^tandem: .*nope\.tandem/m);
});

test('eval --protocol time splits after dropping the events of items the model does not know', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const known = ringLog();
  writeFileSync(join(dir, 'known.csv'), known);
  const out = join(dir, 'm.tandem');
  const trained = run(['train', '--data', join(dir, 'known.csv'), '--out', out, '--dim', '8', '--epochs', '2', '--batch-size', '8', '--quiet']);
  assert.equal(trained.status, 0, trained.stderr);
  // The same log with events of items the model never saw, early in every shopper's history: once
  // they are dropped, the cases must be the ones of the log without them.
  const rows = known.trim().split('\n');
  const extra = rows.filter((_, i) => i % 12 === 0).map((row) => row.replace(/,SKU-\d+,/, ',NEW-1,').replace(/,(\d+)$/, (_, t) => `,${Number(t) - 30}`));
  writeFileSync(join(dir, 'with-new.csv'), [...extra, ...rows].join('\n') + '\n');
  const evalOf = (log) => {
    const r = run(['eval', '--model', out, '--data', join(dir, log), '--protocol', 'time', '--test-days', '1']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const plain = evalOf('known.csv'), withNew = evalOf('with-new.csv');
  assert.match(withNew, /^note {7}24 events of items the model does not know were dropped before splitting$/m);
  const table = (text) => text.slice(text.indexOf('\ntest ('));
  assert.match(table(plain), /test \(\d+ cases, time, whole catalog ranked, repeats allowed\)/);
  assert.equal(table(withNew), table(plain));
});

test('every command has --help (and -h) listing its options; tandem --version', () => {
  for (const [command, option] of [['train', '--history-dropout X'], ['eval', '--baselines'], ['inspect', '--verify'],
    ['export', '--int8'], ['fixture', '--items N'], ['score', '--candidates ID,...']]) {
    for (const flag of ['--help', '-h']) {
      const r = run([command, flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: tandem ${command} `));
      assert.ok(r.stdout.includes(`  ${option}`), `${command}: ${r.stdout}`);
    }
  }
  // Ranges and defaults come from the same table that parses and checks the values.
  assert.match(run(['train', '--help']).stdout, /^ {2}--dim D {19}the model dimension \(2\.\.1024, default 64\)$/m);
  assert.equal(run(['train', '--dim', '1']).stderr, "tandem: --dim must be an integer in 2..1024, got '1'\n");
  assert.match(run(['--version']).stdout, /^tandem \d+\.\d+\.\d+ \(model format 3\)\n$/);
  assert.match(run(['--help']).stdout, /^ {2}score {4}/m);
});

test('export --safetensors and import give back the same model; a file rewritten by the Python module imports too', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const model = join(dir, 'm.tandem');
  assert.equal(run(['train', '--data', log, '--out', model, '--dim', '8', '--epochs', '2', '--batch-size', '8', '--quiet']).status, 0);
  const ex = run(['export', '--model', model, '--safetensors', join(dir, 'w.safetensors')]);
  assert.equal(ex.status, 0, ex.stderr);
  const config = JSON.parse(readFileSync(join(dir, 'w.config.json'), 'utf8'));
  assert.equal(config.dim, 8);
  assert.deepEqual(config.features, [{ name: 'category', kind: 'path', values: ['cat-0', 'cat-1', 'cat-2'], parents: [-1, -1, -1] }]);
  assert.equal(readFileSync(join(dir, 'w.ids.txt'), 'utf8').split('\n').length, 31);
  const fingerprint = (path) => /fingerprint ([0-9a-f]{16})/.exec(execFileSync(cli, ['inspect', path], { encoding: 'utf8' }))[1];
  const scores = (path) => JSON.parse(execFileSync(cli, ['score', '--model', path, '--events', 'SKU-3@view@1700000000,SKU-10@cart@1700000060',
    '--candidates', 'SKU-1,SKU-2,SKU-17,nope'], { encoding: 'utf8' }));
  const imported = join(dir, 'back.tandem');
  const im = run(['import', '--weights', join(dir, 'w.safetensors'), '--config', join(dir, 'w.config.json'), '--ids', join(dir, 'w.ids.txt'), '--out', imported]);
  assert.equal(im.status, 0, im.stderr);
  assert.equal(fingerprint(imported), fingerprint(model));
  assert.deepEqual(scores(imported), scores(model));

  const python = spawnSync('python3', ['--version']);
  if (python.status !== 0) return t.diagnostic('python3 not found: the Python writer was not checked');
  const rewritten = join(dir, 'py.safetensors');
  const py = spawnSync('python3', [join(root, 'bench/safetensors_io.py'), 'roundtrip', join(dir, 'w.safetensors'), rewritten], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const again = run(['import', '--weights', rewritten, '--config', join(dir, 'w.config.json'), '--ids', join(dir, 'w.ids.txt'), '--out', join(dir, 'py.tandem')]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(fingerprint(join(dir, 'py.tandem')), fingerprint(model));

  // Weights that do not fit the configuration are refused by name.
  const wrong = run(['import', '--weights', join(dir, 'w.safetensors'), '--config', join(dir, 'w.config.json'), '--ids', log, '--out', join(dir, 'x.tandem')]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^tandem: weights: tensor 'item_available' has shape \[30\], the configuration and 288 ids give \[288\]\n$/);
});

test('--catalog trains with item features; tandem catalog adds, reprices and drops items of a model file', (t) => {
  const dir = tempDir(t, 'tandem-catalog-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  // Every item with a brand and a price, some discounted; two items no event names.
  const rows = [];
  for (let i = 0; i < 30; i++) rows.push({ id: `SKU-${i}`, category: `shop/cat-${i % 3}`, brand: `b${i % 4}`, price: 5 + i, ...(i % 5 === 0 ? { list_price: 10 + 2 * i } : {}) });
  rows.push({ id: 'SKU-LISTED', category: 'shop/cat-1', brand: 'b1', price: 20 }, { id: 'SKU-HIDDEN', category: 'shop/cat-2', available: false });
  writeFileSync(join(dir, 'catalog.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n{"id": "SKU-BAD", "discount": 2}\n');
  const model = join(dir, 'm.tandem');
  const r = run(['train', '--data', log, '--catalog', join(dir, 'catalog.jsonl'), '--out', model, '--dim', '8', '--epochs', '2', '--batch-size', '8', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^catalog    .*catalog\.jsonl: 32 items listed, 2 of them in no event, 1 malformed rows skipped$/m);
  assert.match(r.stdout, /^ {11}line 33: discount 2 is not a share in \[0, 1\) \(0\.25 is 25 % off\)$/m);
  assert.match(r.stdout, /^features   category \(4 values\), brand \(4 values\), price, discount$/m);
  assert.match(r.stdout, /^data .* 288 rows, 24 users, 32 items, 4 categories, 288 events$/m);
  const scores = (path, candidates, events = 'SKU-3@view@1700000000,SKU-6@view@1700000060') =>
    JSON.parse(execFileSync(cli, ['score', '--model', path, '--events', events, '--candidates', candidates.join(',')], { encoding: 'utf8' })).scores;

  // The whole assortment now: SKU-29 gone, SKU-4 repriced, SKU-NEW added like SKU-LISTED (no events).
  const now = rows.filter((x) => x.id !== 'SKU-29' && x.id !== 'SKU-HIDDEN').map((x) => (x.id === 'SKU-4' ? { ...x, price: 400 } : x));
  now.push({ id: 'SKU-NEW', category: 'shop/cat-1', brand: 'b1', price: 20 });
  writeFileSync(join(dir, 'now.jsonl'), now.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const updated = join(dir, 'now.tandem');
  const c = run(['catalog', '--model', model, '--catalog', join(dir, 'now.jsonl'), '--out', updated]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /^catalog    .*now\.jsonl: 31 rows, 0 malformed rows skipped; 30 items updated, 1 added, 2 dropped$/m);
  assert.match(c.stdout, /^wrote .*now\.tandem: 31 items, dim 8, float32 item table/m);
  assert.match(execFileSync(cli, ['inspect', updated, '--verify'], { encoding: 'utf8' }), /self-test  passed/);
  const before = scores(model, ['SKU-4', 'SKU-5', 'SKU-LISTED']);
  const after = scores(updated, ['SKU-4', 'SKU-5', 'SKU-LISTED', 'SKU-NEW', 'SKU-29']);
  assert.notEqual(after['SKU-4'], before['SKU-4'], 'the new price moves the score');
  assert.ok(Math.abs(after['SKU-5'] - before['SKU-5']) < 1e-6, 'an item whose features did not change scores as before');
  assert.ok(Math.abs(after['SKU-NEW'] - after['SKU-LISTED']) < 1e-6, 'a new item scores as a catalog item without events of the same features');
  // eval --catalog: the catalog changes the model before the log is matched to it.
  const ev = run(['eval', '--model', model, '--data', log, '--catalog', join(dir, 'now.jsonl')]);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /^catalog    .*now\.jsonl: 31 items listed, 1 of them new to the model, 0 malformed rows skipped$/m);
  assert.match(ev.stdout, /^data .* 288 rows, 24 users, 33 items, /m);
  // --partial keeps what the file does not list.
  writeFileSync(join(dir, 'sale.jsonl'), '{"id": "SKU-7", "discount": 0.5}\n');
  const p = run(['catalog', '--model', model, '--catalog', join(dir, 'sale.jsonl'), '--out', join(dir, 'sale.tandem'), '--partial']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /1 items updated, 0 added, 0 dropped \(--partial\)$/m);
  assert.match(p.stdout, /sale\.tandem: 32 items/);
  // Errors name the problem.
  assert.equal(run(['catalog', '--model', model, '--out', join(dir, 'x.tandem')]).stderr, 'tandem: catalog needs --model FILE, --catalog FILE and --out FILE\n');
  writeFileSync(join(dir, 'strict.jsonl'), '{"id": "SKU-1"}\n{"id": "SKU-2", "price": -1}\n');
  assert.equal(run(['catalog', '--model', model, '--catalog', join(dir, 'strict.jsonl'), '--out', join(dir, 'x.tandem'), '--strict']).stderr,
    `tandem: ${join(dir, 'strict.jsonl')}: line 2: price -1 is not a number in [0, 1e+12]\n`);
  writeFileSync(join(dir, 'none.jsonl'), '{"id": "SKU-1"}\n');
  assert.match(run(['catalog', '--model', model, '--catalog', join(dir, 'none.jsonl'), '--out', join(dir, 'x.tandem')]).stdout, /31 dropped/);
});

test('every recipe in models/ is a valid training config', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const recipes = readdirSync(join(root, 'models')).filter((f) => f.endsWith('.json'));
  assert.ok(recipes.length >= 4, recipes.join(', '));
  for (const recipe of recipes) {
    const r = run(['train', '--config', join(root, 'models', recipe), '--data', log, '--format', 'taobao', '--out', join(dir, 'm.tandem'),
      '--dim', '8', '--epochs', '1', '--quiet']);
    assert.equal(r.status, 0, `${recipe}: ${r.stderr}`);
    // and tandem eval accepts it as its config (training options skipped)
    const e = run(['eval', '--config', join(root, 'models', recipe), '--model', join(dir, 'm.tandem'), '--data', log, '--format', 'taobao']);
    assert.equal(e.status, 0, `${recipe}: ${e.stderr}`);
  }
});

test('--event-map ga4 reads a log in GA4 event names with the package preset: page views skipped, the kinds as types', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const names = { pv: 'view_item', cart: 'add_to_cart' };
  const rows = ringLog().trim().split('\n').flatMap((row, i) => {
    const [u, item, , kind, time] = row.split(',');
    const ga4 = `${u},${item},${names[kind]},${time}`;
    return i % 5 === 0 ? [`${u},-,page_view,${time}`, ga4] : [ga4];
  });
  writeFileSync(join(dir, 'ga4.csv'), rows.join('\n') + '\n');
  const r = run(['train', '--data', join(dir, 'ga4.csv'), '--format', 'delimited', '--user-col', '0', '--item-col', '1', '--event-col', '2',
    '--time-col', '3', '--event-map', 'ga4', '--out', join(dir, 'm.tandem'), '--dim', '8', '--epochs', '1', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 288 rows, 24 users, 30 items/);
  assert.match(r.stdout, /^ {11}58 rows of events the event map calls no interest skipped$/m);
  assert.doesNotMatch(r.stdout, /log's own names/);
  assert.match(execFileSync(cli, ['inspect', join(dir, 'm.tandem')], { encoding: 'utf8' }), /^events {5}view, click, fav, cart, purchase \(purchase: purchase\)$/m);
  // A JSON file in the same shape works too; names outside it are malformed rows.
  writeFileSync(join(dir, 'map.json'), JSON.stringify({ view_item: 'view', add_to_cart: 'cart', page_view: null }));
  const own = run(['train', '--data', join(dir, 'ga4.csv'), '--format', 'delimited', '--user-col', '0', '--item-col', '1', '--event-col', '2',
    '--time-col', '3', '--event-map', join(dir, 'map.json'), '--out', join(dir, 'n.tandem'), '--dim', '8', '--epochs', '1', '--quiet']);
  assert.equal(own.status, 0, own.stderr);
  const bad = run(['train', '--data', join(dir, 'ga4.csv'), '--format', 'delimited', '--user-col', '0', '--item-col', '1',
    '--event-map', join(dir, 'missing.json'), '--out', join(dir, 'x.tandem')]);
  assert.match(bad.stderr, /^tandem: cannot open .*missing\.json: No such file or directory\n$/);
});

test('--refit trains the main model again on training + validation for the epochs validation chose, and exports it', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const base = ['train', '--data', log, '--dim', '8', '--epochs', '4', '--patience', '4', '--batch-size', '8', '--lr', '0.01', '--quiet'];
  const plain = run([...base, '--out', join(dir, 'plain.tandem')]);
  const refit = run([...base, '--out', join(dir, 'refit.tandem'), '--refit']);
  const again = run([...base, '--out', join(dir, 'again.tandem'), '--refit']);
  for (const r of [plain, refit, again]) assert.equal(r.status, 0, r.stderr);
  const best = Number(/fused +best epoch (\d+)/.exec(refit.stdout)[1]);
  assert.match(refit.stdout, new RegExp(`^refit {6}fused on the training and validation targets for ${best} epochs$`, 'm'));
  // The refit's epochs train on the ring log's 216 training and 24 validation targets.
  assert.match(refit.stdout, /^train {6}fused: dim 8, 240 targets per epoch/m);
  const fingerprint = (r) => /fingerprint ([0-9a-f]{16})/.exec(r.stdout)[1];
  assert.notEqual(fingerprint(refit), fingerprint(plain));
  assert.equal(fingerprint(refit), fingerprint(again), 'the same seed refits the same model');
  const meta = JSON.parse(/metadata   (.*)/.exec(execFileSync(cli, ['inspect', join(dir, 'refit.tandem')], { encoding: 'utf8' }))[1]);
  assert.equal(meta.refit, true);
});

test('--test FILE: a published split whose test file names the test sessions (time protocol)', (t) => {
  const dir = tempDir(t, 'tandem-cli-');
  const rows = ringLog().trim().split('\n');
  const isTest = (row) => Number(row.split(',')[0]) >= 20;  // sessions 20..23 are the test file's
  writeFileSync(join(dir, 'train.csv'), rows.filter((r) => !isTest(r)).join('\n') + '\n');
  writeFileSync(join(dir, 'test.csv'), rows.filter(isTest).join('\n') + '\n');
  const args = ['--data', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--protocol', 'time'];
  const r = run(['train', ...args, '--out', join(dir, 'm.tandem'), '--dim', '8', '--epochs', '1', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  // 24 sessions of 12 events: 4 test sessions (44 cases), a tenth of the other 20 validate (2: 22), 18 train (198).
  assert.match(r.stdout, /: 288 rows, 24 users, 30 items/);
  assert.match(r.stdout, /^protocol   time: 198 training targets, 22 validation cases, 44 test cases$/m);
  const e = run(['eval', '--model', join(dir, 'm.tandem'), ...args]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^protocol   time: 198 training targets, 22 validation cases, 44 test cases$/m);
  const wrong = run(['train', '--data', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--out', join(dir, 'x.tandem')]);
  assert.equal(wrong.stderr, 'tandem: a test log (--test) needs --protocol time\n');
});
