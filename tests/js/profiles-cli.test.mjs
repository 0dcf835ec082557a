// `tandem profiles` from the outside: the native CLI on small generated logs and two tiny trained
// models, its SQLite store read back with better-sqlite3 and its Redis store through a
// redis-server this file starts on a free loopback port and stops. Asserted: dirty rows are
// skipped and reported (and --strict stops at the first, as tandem train does); a log cut in two
// and applied as two runs equals one --rebuild of the whole log; the same batch again changes
// nothing; another model's incremental run is refused with the store unchanged; bad --store values
// say what is wrong; and end to end, tandem-rec/server (build/package/server.js) on a real
// node:http server hands the signed-in shopper exactly the stored bytes, which a real Recommender
// applies. (src/train/profile_store.h, docs/deploying.md)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Recommender, cli, packageDir, tempDir } from './helpers.mjs';
import { freePort, redisMissing, startRedis } from './redis.mjs';

const { createProfileHandler, sqliteStore, redisStore, profileInfo } = await import(pathToFileURL(join(packageDir, 'server.js')).href);
const Database = createRequire(import.meta.url)('better-sqlite3');

// ---------------------------------------------------------------- the log and the models

const TYPES = ['pv', 'pv', 'pv', 'cart', 'fav', 'pv', 'buy'];

/** 30 shoppers over 30 items (Taobao layout), 6 to 17 events each, in time order: [user, item, category, type, time]. */
function logRows() {
  const rows = [];
  for (let u = 0; u < 30; u++) {
    let t = 1_700_000_000 + u * 7_000;
    const n = 6 + (u * 7) % 12;
    for (let k = 0; k < n; k++) {
      const item = (u * 11 + k * 7 + (k % 3) * 5) % 30;
      // Some shoppers come back after a day: the fold spans visits.
      t += k === Math.floor(n / 2) && u % 3 === 0 ? 86_400 : 45 + ((u + k) % 5) * 30;
      rows.push([String(u), `SKU-${item}`, `cat-${item % 4}`, TYPES[(u + k) % TYPES.length], t]);
    }
  }
  return rows;
}

const csv = (rows) => rows.map((r) => r.join(',')).join('\n') + '\n';

/**
 * The log cut in two per shopper by time: every event of a shopper in the first part is earlier
 * than their events in the second. Shoppers 0, 4, 8, ... are in the first part only, 1, 5, 9, ...
 * in the second only (new to the store then), the others in both.
 */
function cutInTwo(rows) {
  const first = [], second = [];
  const byUser = new Map();
  for (const r of rows) byUser.set(r[0], [...(byUser.get(r[0]) ?? []), r]);
  for (const [user, mine] of byUser) {
    const u = Number(user);
    const k = u % 4 === 0 ? mine.length : u % 4 === 1 ? 0 : Math.floor(mine.length / 2) + (u % 3) - 1;
    first.push(...mine.slice(0, k));
    second.push(...mine.slice(k));
  }
  return { first, second };
}

function run(args) {
  return spawnSync(cli, args, { encoding: 'utf8' });
}

// Two tiny models of the same log (different seeds, so different fingerprints).
const setup = { dir: mkdtempSync(join(tmpdir(), 'tandem-profiles-cli-')) };
after(() => rmSync(setup.dir, { recursive: true, force: true }));
before(() => {
  const { dir } = setup;
  setup.log = join(dir, 'log.csv');
  writeFileSync(setup.log, csv(logRows()));
  for (const [name, seed] of [['m1', 1], ['m2', 2]]) {
    const out = join(dir, `${name}.tandem`);
    const r = run(['train', '--data', setup.log, '--out', out, '--dim', '8', '--epochs', '1', '--batch-size', '8', '--seed', String(seed), '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    setup[name] = out;
    setup[`${name}Fingerprint`] = /fingerprint ([0-9a-f]{16})/.exec(r.stdout)[1];
  }
  assert.notEqual(setup.m1Fingerprint, setup.m2Fingerprint);
});

/** Runs `tandem profiles` and returns the parsed counts of its profiles line with the output. */
function profiles(model, log, store, extra = []) {
  const r = run(['profiles', '--model', model, '--data', log, '--store', store, ...extra]);
  const m = /^profiles {3}(\S+), model ([0-9a-f]{16}), batch (\S+): (\d+) created, (\d+) updated, (\d+) already held this batch, (\d+) unreadable left as they were(?:, (\d+) records of other shoppers or models removed)?; (\d+) events folded/m.exec(r.stdout);
  const counts = m && { store: m[1], model: m[2], batch: m[3], created: +m[4], updated: +m[5], already: +m[6], unreadable: +m[7], removed: m[8] === undefined ? null : +m[8], events: +m[9] };
  return { ...r, counts };
}

/** Every record of an SQLite store, by user: { profile, fingerprint, events, updated, batch }; and its model. */
function readSqlite(path) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT user, profile, fingerprint, events, updated, batch FROM profiles ORDER BY user').all();
    const model = db.prepare("SELECT value FROM store_meta WHERE key = 'model'").get()?.value ?? null;
    return { model, records: new Map(rows.map(({ user, ...rest }) => [user, rest])) };
  } finally {
    db.close();
  }
}

/** The d + 1 floats of a profile file (src/core/profile_format.h: "TNDP", version, fingerprint, dim d, floats, XXH64). */
function profileValues(bytes) {
  profileInfo(bytes); // checks the magic, the size and the checksum
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dim = view.getUint32(16, true);
  return Array.from({ length: dim + 1 }, (_, i) => view.getFloat32(20 + 4 * i, true));
}

/** Asserts two stores' records are the same profiles (floats within 1e-5) of the same shoppers and events. */
function assertSameProfiles(got, want, what) {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same shoppers`);
  for (const [user, w] of want) {
    const g = got.get(user);
    assert.equal(g.fingerprint, w.fingerprint, `${what}: ${user}'s model`);
    assert.equal(profileInfo(g.profile).fingerprint, w.fingerprint, `${what}: the model inside ${user}'s profile`);
    assert.equal(Number(g.events), Number(w.events), `${what}: ${user}'s events`);
    const a = profileValues(g.profile), b = profileValues(w.profile);
    assert.equal(a.length, b.length);
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-5, `${what}: ${user}'s value ${i}: ${x} vs ${b[i]}`));
  }
}

// ---------------------------------------------------------------- SQLite

test('dirty rows are skipped and reported with line and reason; the profiles are the clean log\'s; --strict stops at the first, as train does', (t) => {
  const dir = tempDir(t, 'tandem-profiles-');
  const rows = logRows().map((r) => r.join(','));
  // Line 3: a row cut short; line 8: an unknown event type; line 12: a time that is no time.
  const dirty = [...rows.slice(0, 2), '0,SKU-1,cat-1,pv', ...rows.slice(2, 6), '3,SKU-2,cat-2,wink,1700000100', ...rows.slice(6, 9),
    '4,SKU-3,cat-3,pv,yesterday', ...rows.slice(9)];
  const log = join(dir, 'dirty.csv');
  writeFileSync(log, dirty.join('\n') + '\n');
  const r = profiles(setup.m1, log, join(dir, 'dirty.db'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^data {7}.*dirty\\.csv \\(taobao\\): ${rows.length} rows, 30 shoppers, ${rows.length} events; 3 malformed rows skipped`, 'm'));
  assert.match(r.stdout, /^ {11}line 3: expected 5 fields, found 4$/m);
  assert.match(r.stdout, /^ {11}line 8: unknown event type 'wink'$/m);
  assert.match(r.stdout, /^ {11}line 12: .*'yesterday'/m);
  assert.equal(r.counts.created, 30);
  assert.equal(r.counts.events, rows.length);
  // What is stored is what the clean log makes.
  assert.equal(profiles(setup.m1, setup.log, join(dir, 'clean.db')).status, 0);
  const dirtyStore = readSqlite(join(dir, 'dirty.db')), clean = readSqlite(join(dir, 'clean.db'));
  for (const [user, record] of clean.records) assert.deepEqual(dirtyStore.records.get(user).profile, record.profile, user);

  // --strict: the first malformed row is an error, with train's message; no store is made.
  const strict = profiles(setup.m1, log, join(dir, 'strict.db'), ['--strict']);
  assert.equal(strict.status, 1);
  assert.equal(strict.stderr, `tandem: ${log}: line 3: expected 5 fields, found 4\n`);
  assert.ok(!existsSync(join(dir, 'strict.db')), 'nothing written');
  const train = run(['train', '--data', log, '--out', join(dir, 'x.tandem'), '--strict']);
  assert.equal(train.status, 1);
  assert.equal(train.stderr, strict.stderr);
});

test('the log cut in two and applied as two runs equals one --rebuild of the whole log; the same batch again changes nothing', (t) => {
  const dir = tempDir(t, 'tandem-profiles-');
  const { first, second } = cutInTwo(logRows());
  writeFileSync(join(dir, 'first.csv'), csv(first));
  writeFileSync(join(dir, 'second.csv'), csv(second));
  const users = (rows) => new Set(rows.map((r) => r[0]));
  const both = [...users(second)].filter((u) => users(first).has(u));
  assert.ok(both.length >= 10 && users(first).size < 30 && users(second).size < 30, 'shoppers in one part, and in both');

  const split = join(dir, 'split.db');
  const a = profiles(setup.m1, join(dir, 'first.csv'), split);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual([a.counts.created, a.counts.updated, a.counts.already], [users(first).size, 0, 0]);
  assert.equal(a.counts.store, `sqlite:${split}`);
  const b = profiles(setup.m1, join(dir, 'second.csv'), `sqlite:${split}`);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual([b.counts.created, b.counts.updated, b.counts.already], [users(second).size - both.length, both.length, 0]);
  assert.equal(b.counts.events, second.length);
  assert.notEqual(b.counts.batch, a.counts.batch);

  const whole = join(dir, 'whole.db');
  const w = profiles(setup.m1, setup.log, whole, ['--rebuild']);
  assert.equal(w.status, 0, w.stderr);
  assert.deepEqual([w.counts.created, w.counts.removed, w.counts.events], [30, 0, first.length + second.length]);
  const splitStore = readSqlite(split), wholeStore = readSqlite(whole);
  assert.equal(splitStore.model, setup.m1Fingerprint);
  assert.equal(wholeStore.model, setup.m1Fingerprint);
  assertSameProfiles(splitStore.records, wholeStore.records, 'two runs vs one rebuild');
  // Each record names the batch that last wrote it.
  for (const [user, record] of splitStore.records) assert.equal(record.batch, users(second).has(user) ? b.counts.batch : a.counts.batch, user);

  // The second part again: every shopper of it already holds this batch, and no record changes.
  const again = profiles(setup.m1, join(dir, 'second.csv'), split);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual([again.counts.created, again.counts.updated, again.counts.already, again.counts.events], [0, 0, users(second).size, 0]);
  assert.equal(again.counts.batch, b.counts.batch, 'the same events, the same batch id');
  assert.deepEqual(readSqlite(split), splitStore);
});

test('an incremental run with another model is refused, naming --rebuild, and leaves the store as it was; --rebuild replaces it', (t) => {
  const dir = tempDir(t, 'tandem-profiles-');
  const path = join(dir, 'p.db');
  assert.equal(profiles(setup.m1, setup.log, path, ['--rebuild']).status, 0);
  const before = readSqlite(path);
  const fileBefore = readFileSync(path);
  const r = profiles(setup.m2, setup.log, path);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tandem: sqlite:${path} holds the profiles of model ${setup.m1Fingerprint}, and this model is ${setup.m2Fingerprint}: ` +
    'profiles of two models do not mix; rebuild the store from the full log (--rebuild)\n');
  assert.equal(r.counts, null);
  assert.deepEqual(readSqlite(path), before);
  assert.deepEqual(readFileSync(path), fileBefore);
  // The way the message names: a rebuild with the other model replaces every record.
  const rebuilt = profiles(setup.m2, setup.log, path, ['--rebuild']);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  const after = readSqlite(path);
  assert.equal(after.model, setup.m2Fingerprint);
  assert.equal(after.records.size, 30);
  for (const record of after.records.values()) assert.equal(profileInfo(record.profile).fingerprint, setup.m2Fingerprint);
});

test('bad --store values fail with a message that says what is wrong, and change nothing', async (t) => {
  const dir = tempDir(t, 'tandem-profiles-');
  const fail = (store) => {
    const r = profiles(setup.m1, setup.log, store);
    assert.equal(r.status, 1, `${store}: ${r.stdout}`);
    assert.equal(r.counts, null);
    return r.stderr;
  };
  assert.match(fail('redis://host:99999'), /^tandem: redis:\/\/host:99999: the port must be in 1\.\.65535 \(expected redis:\/\/.*HOST\[:PORT\]\[\/DB\]\)\n$/);
  assert.match(fail('redis://127.0.0.1:6379/x'), /^tandem: redis:\/\/127\.0\.0\.1:6379\/x: the database must be a number /);
  assert.equal(fail(dir), `tandem: sqlite:${dir}: cannot open: a directory, not a database file (name a file in it, e.g. ${join(dir, 'profiles.db')})\n`);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'these are not profiles\n'.repeat(100));
  assert.equal(fail(text), `tandem: sqlite:${text}: file is not a database (not a profile store)\n`);
  assert.equal(readFileSync(text, 'utf8'), 'these are not profiles\n'.repeat(100), 'the file is left as it was');
  assert.match(fail(join(dir, 'no-such-dir', 'p.db')), /^tandem: sqlite:.*no-such-dir\/p\.db: cannot open: unable to open database file\n$/);
  // Nothing listening on the loopback port.
  const port = await freePort();
  assert.match(fail(`redis://127.0.0.1:${port}/0`), new RegExp(`^tandem: redis://127\\.0\\.0\\.1:${port}/0: cannot connect: .*refused`, 'i'));
});

// ---------------------------------------------------------------- end to end: the store, the server, a page

/** The shop's sign-in of these tests: a bearer token per shopper. */
const byToken = (req) => /^Bearer user-(\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;

/** Serves `handler` on 127.0.0.1 until test `t` ends; returns the base URL. */
async function listen(t, handler) {
  const server = createServer(handler);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}

/**
 * Asserts that the handler at `base` (over a store `tandem profiles` wrote with model m1) answers
 * each signed-in shopper's GET /profile?model=<fp> with exactly `records`' bytes, and that a real
 * Recommender of m1 fetching it applies them. `signIn(user)` sets who the page's requests are of.
 */
async function assertServedAndApplied(base, records, signIn) {
  const fp = setup.m1Fingerprint;
  for (const [user, record] of records) {
    const r = await fetch(`${base}/profile?model=${fp}`, { headers: { authorization: `Bearer user-${user}` } });
    assert.equal(r.status, 200, user);
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), new Uint8Array(record.profile), `${user}'s stored bytes`);
    assert.equal(r.headers.get('cache-control'), 'private, no-cache');
    assert.equal(r.headers.get('etag'), `"${profileInfo(record.profile).checksum}"`);
  }
  assert.equal((await fetch(`${base}/profile?model=${fp}`, { headers: { authorization: 'Bearer user-nobody' } })).status, 404);
  assert.equal((await fetch(`${base}/profile?model=${setup.m2Fingerprint}`, { headers: { authorization: 'Bearer user-3' } })).status, 404, 'another model\'s page');
  assert.equal((await fetch(`${base}/profile?model=${fp}`)).status, 401);

  const rec = await Recommender.create({ modelBuffer: readFileSync(setup.m1) });
  try {
    assert.equal(rec.fingerprint, fp);
    const fresh = rec.session();
    const prior = Array.from(fresh.profile());
    fresh.close();
    for (const user of ['3', '10', '29']) {
      signIn(user);
      const s = rec.session({ profile: (model) => `${base}/profile?model=${model}` });
      assert.equal(await s.ready, s);
      const applied = Array.from(s.profile());
      assert.deepEqual(applied, profileValues(records.get(user).profile), `${user}'s stored profile, applied`);
      assert.notDeepEqual(applied, prior);
      s.close();
    }
  } finally {
    rec.close();
  }
}

test('end to end, SQLite: tandem profiles writes the store; tandem-rec/server on node:http serves each signed-in shopper the stored bytes; a real Recommender applies them', async (t) => {
  const dir = tempDir(t, 'tandem-profiles-');
  const path = join(dir, 'profiles.db');
  const r = profiles(setup.m1, setup.log, path, ['--rebuild']);
  assert.equal(r.status, 0, r.stderr);
  const { records } = readSqlite(path);
  assert.equal(records.size, 30);
  const store = sqliteStore(path);
  t.after(() => store.close());
  let page = null;
  const handler = createProfileHandler({ store, authenticate: (req) => byToken(req) ?? page });
  const base = await listen(t, handler);
  await assertServedAndApplied(base, records, (user) => (page = user));
  // An update by tandem profiles while the server runs is served at the next request (WAL).
  const later = logRows().filter((row) => row[0] === '3').map(([, item, category, type, time]) => ['3', item, category, type, time + 10 * 86_400]);
  writeFileSync(join(dir, 'later.csv'), csv(later));
  const u = profiles(setup.m1, join(dir, 'later.csv'), path);
  assert.equal(u.status, 0, u.stderr);
  assert.equal(u.counts.updated, 1);
  const updated = readSqlite(path).records.get('3');
  assert.notDeepEqual(updated.profile, records.get('3').profile);
  const again = await fetch(`${base}/profile?model=${setup.m1Fingerprint}`, { headers: { authorization: 'Bearer user-3' } });
  assert.deepEqual(new Uint8Array(await again.arrayBuffer()), new Uint8Array(updated.profile));
});

// ---------------------------------------------------------------- Redis

const redis = { port: 0, server: null, skip: redisMissing };
const redisCli = (args) => redis.server.cli(args);

before(async () => {
  if (redis.skip) return;
  redis.server = await startRedis({ dir: setup.dir });
  redis.port = redis.server.port;
});

after(() => redis.server?.stop());

/** Every record of a Redis store (database `db`) for `users`, read with the package's redisStore. */
async function readRedis(db, users) {
  const store = redisStore(`redis://127.0.0.1:${redis.port}/${db}`);
  try {
    const records = new Map();
    for (const user of users) {
      const record = await store.get(user);
      if (record) records.set(user, record);
    }
    return records;
  } finally {
    store.close();
  }
}

test('Redis: the same profiles as SQLite; the log cut in two equals one --rebuild; tandem-rec/server serves the stored bytes and a page applies them', async (t) => {
  if (redis.skip) {
    t.diagnostic(`skipped: ${redis.skip}`);
    return t.skip(redis.skip);
  }
  const dir = tempDir(t, 'tandem-profiles-');
  const users = Array.from({ length: 30 }, (_, u) => String(u));
  const url = (db) => `redis://127.0.0.1:${redis.port}/${db}`;
  // One rebuild of the whole log, into database 4: byte for byte what the SQLite store holds.
  const w = profiles(setup.m1, setup.log, url(4), ['--rebuild']);
  assert.equal(w.status, 0, w.stderr);
  assert.deepEqual([w.counts.store, w.counts.created, w.counts.removed], [url(4), 30, 0]);
  assert.equal(redisCli(['-n', '4', 'GET', 'tandem:profiles:model']), setup.m1Fingerprint);
  const whole = await readRedis(4, users);
  assert.equal(profiles(setup.m1, setup.log, join(dir, 'p.db'), ['--rebuild']).status, 0);
  const sqlite = readSqlite(join(dir, 'p.db')).records;
  for (const [user, record] of sqlite) {
    assert.deepEqual(new Uint8Array(whole.get(user).profile), new Uint8Array(record.profile), user);
    assert.equal(whole.get(user).events, record.events, user);
  }
  // The two parts into database 5, then the second again: skipped whole.
  const { first, second } = cutInTwo(logRows());
  writeFileSync(join(dir, 'first.csv'), csv(first));
  writeFileSync(join(dir, 'second.csv'), csv(second));
  assert.equal(profiles(setup.m1, join(dir, 'first.csv'), url(5)).status, 0);
  const b = profiles(setup.m1, join(dir, 'second.csv'), url(5));
  assert.equal(b.status, 0, b.stderr);
  const split = await readRedis(5, users);
  assertSameProfiles(split, whole, 'Redis: two runs vs one rebuild');
  const again = profiles(setup.m1, join(dir, 'second.csv'), url(5));
  assert.deepEqual([again.counts.created, again.counts.updated, again.counts.already], [0, 0, new Set(second.map((r) => r[0])).size]);
  assert.deepEqual(await readRedis(5, users), split);
  // Another model's incremental run: refused, naming --rebuild; nothing changed.
  const refused = profiles(setup.m2, setup.log, url(5));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^tandem: redis:.* holds the profiles of model [0-9a-f]{16}, and this model is [0-9a-f]{16}: .*\(--rebuild\)\n$/);
  assert.deepEqual(await readRedis(5, users), split);

  // Served from Redis by tandem-rec/server, applied by a page.
  const store = redisStore(url(4));
  t.after(() => store.close());
  let page = null;
  const base = await listen(t, createProfileHandler({ store, authenticate: (req) => byToken(req) ?? page }));
  await assertServedAndApplied(base, whole, (user) => (page = user));
});
