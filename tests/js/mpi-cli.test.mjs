// `mpirun -np N tandem train` (docs/scale.md) on a small generated log: the processes train the
// model one process trains, a process that dies ends the job with mpirun's message naming it, and
// --resume continues from the last checkpoint to the uninterrupted run's model. Skipped, with the
// reason, where Open MPI's mpirun is not installed (scripts/setup.sh installs it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir } from './helpers.mjs';

const mpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0 ? 'mpirun' : null;
const skip = mpirun ? false : 'Open MPI is not installed (no mpirun): scripts/setup.sh installs it';
// As root (CI containers) Open MPI wants to be told; more processes than cores need --oversubscribe.
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };

// 600 shoppers over 60 items in 6 categories, each walking a ring with a stride of their own.
function ringLog() {
  const rows = [];
  for (let u = 0; u < 600; u++) {
    let t = 1_700_000_000 + u * 10_000;
    for (let k = 0; k < 10; k++) {
      const item = (u * 7 + k * (1 + (u % 5))) % 60;
      rows.push(`shopper-${u},SKU-${item},cat-${item % 6},${k % 6 === 5 ? 'cart' : 'pv'},${(t += 60)}`);
    }
  }
  return rows.join('\n') + '\n';
}

const options = ['--format', 'taobao', '--dim', '8', '--batch-size', '16', '--lr', '0.01', '--threads', '1', '--quiet'];

function train(np, args) {
  return spawnSync(mpirun, ['-np', String(np), cli, 'train', ...options, ...args], { encoding: 'utf8', env });
}

// The lines that must agree: every epoch's loss and validation, the test table.
const results = (stdout) => stdout.split('\n').filter((l) => /^ {2}fused +epoch|^fused |^popularity/.test(l))
  .map((l) => l.replace(/\s+[\d.]+s\s+\d+ events\/s.*?(\s+\*)?$/, '$1').replace(/\s+\d+ KiB\/step/, ''));
const fingerprint = (stdout) => stdout.match(/fingerprint ([0-9a-f]{16})/)[1];

test('mpirun -np 2 and -np 4 train the model one process trains', { skip }, (t) => {
  const dir = tempDir(t, 'tandem-mpi-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const runs = [1, 2, 4].map((np) => {
    const r = train(np, ['--data', log, '--epochs', '3', '--out', join(dir, `m${np}.tandem`), '--profiles', join(dir, `p${np}`)]);
    assert.equal(r.status, 0, r.stderr);
    return r;
  });
  const want = results(runs[0].stdout);
  assert.equal(want.filter((l) => /epoch/.test(l)).length, 3, runs[0].stdout);
  for (const r of runs.slice(1)) {
    // Printed to 4 digits, the sums in another order agree.
    assert.deepEqual(results(r.stdout), want);
    assert.match(r.stdout, /processes {2}\d, each training on its shard of the shoppers/);
    assert.match(r.stdout, /epoch {3}1 .* \d+ KiB\/step/);
    assert.match(r.stdout, /test \(600 cases,/);
  }
  // One leader writes the model; every process writes its own shoppers' profiles.
  for (const np of [1, 2, 4]) {
    assert.ok(existsSync(join(dir, `m${np}.tandem`)));
    assert.equal(readdirSync(join(dir, `p${np}`)).length, 600);
  }
  assert.equal(runs[1].stdout.match(/wrote {6}.*m2\.tandem/g).length, 1, 'written once');
  assert.deepEqual(readFileSync(join(dir, 'p2', readdirSync(join(dir, 'p2'))[0])).length > 0, true);
});

test('a process that dies ends the job, named by mpirun; --resume goes on to the uninterrupted model', { skip }, async (t) => {
  const dir = tempDir(t, 'tandem-mpi-');
  const log = join(dir, 'log.csv');
  writeFileSync(log, ringLog());
  const common = ['--data', log, '--epochs', '6', '--patience', '6'];
  const straight = train(2, [...common, '--out', join(dir, 'straight.tandem')]);
  assert.equal(straight.status, 0, straight.stderr);

  // Kill rank 1 once the first checkpoint is there.
  const checkpoint = join(dir, 'ckpt');
  const job = spawn(mpirun, ['-np', '2', cli, 'train', ...options, ...common, '--out', join(dir, 'cut.tandem'),
    '--checkpoint', checkpoint], { env });
  let stderr = '';
  job.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => job.on('exit', (code, signal) => resolve({ code, signal })));
  while (!existsSync(checkpoint)) await new Promise((r) => setTimeout(r, 20));
  const children = spawnSync('pgrep', ['-P', String(job.pid)], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
  const rank1 = children.find((pid) => {
    try { return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes('OMPI_COMM_WORLD_RANK=1'); } catch { return false; }
  });
  assert.ok(rank1, `rank 1 among mpirun's children ${children}`);
  process.kill(Number(rank1), 'SIGKILL');
  const { code } = await exited;
  assert.notEqual(code, 0);
  assert.match(stderr, /process rank 1 .* exited on signal 9/);
  assert.ok(!existsSync(join(dir, 'cut.tandem')), 'no model from a job that died');

  const resumed = train(2, [...common, '--out', join(dir, 'resumed.tandem'), '--checkpoint', checkpoint, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed {4}fused from .*ckpt at epoch [1-5]\n/);
  assert.equal(fingerprint(resumed.stdout), fingerprint(straight.stdout), 'the same weights as the run that was not cut');
});

test('an error ends every process with its message', { skip }, (t) => {
  const dir = tempDir(t, 'tandem-mpi-');
  const missing = train(2, ['--data', join(dir, 'missing.csv'), '--out', join(dir, 'm.tandem')]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /tandem: .*missing\.csv/);
  writeFileSync(join(dir, 'log.csv'), ringLog());
  const topk = train(2, ['--data', join(dir, 'log.csv'), '--out', join(dir, 'm.tandem'), '--dump-topk', join(dir, 't.jsonl')]);
  assert.notEqual(topk.status, 0);
  assert.match(topk.stderr, /tandem: --dump-topk lists every test case: run it with one process/);
});
