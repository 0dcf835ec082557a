// tandem-rec/server against real stores: an SQLite database file (better-sqlite3, WAL, the table
// `tandem profiles --store` writes: src/train/profile_store.h) and a real redis-server that this
// file starts on a free loopback port and stops. Profile files are made with the real wasm
// (sessions folded into a profile, written in the profile file layout). Asserted: each signed-in
// shopper gets exactly their own bytes whatever the URL says, the 401/404/304/405/503 paths, the
// ETag, ?model= of another model, garbage in the store (503 and onError, nothing crashes), and a
// page (the real Recommender in Node) that fetches its profile from the handler.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Recommender, fixtureBytes, packageDir, profileFile, tempDir, warnings } from './helpers.mjs';
import { freePort, redisMissing, startRedis } from './redis.mjs';

const { createProfileHandler, sqliteStore, redisStore, profileInfo } = await import(pathToFileURL(join(packageDir, 'server.js')).href);
const Database = createRequire(import.meta.url)('better-sqlite3');

const T0 = 1.7e12;
const TABLE = `CREATE TABLE profiles (
  user TEXT PRIMARY KEY NOT NULL,
  profile BLOB NOT NULL,
  fingerprint TEXT NOT NULL,
  events INTEGER NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID`;

// Two models of the same dimension (different fingerprints), and real profiles of each.
const recA = await Recommender.create({ modelBuffer: fixtureBytes({ seed: 3 }) });
const recB = await Recommender.create({ modelBuffer: fixtureBytes({ seed: 4 }) });
after(() => {
  recA.close();
  recB.close();
});

/** A profile made by the real wasm: a session that saw `items`, folded; { vector, file }. */
function realProfile(rec, items) {
  const s = rec.session();
  items.forEach((item, i) => s.observe({ item, type: i % 3 ? 'view' : 'cart', time: T0 + i * 60_000 }));
  s.foldSession();
  const vector = s.profile();
  s.close();
  return { vector, file: profileFile(rec, vector) };
}

const sku = (n) => `SKU-${100000 + n}`;
const alice = realProfile(recA, [1, 2, 3, 4].map(sku));
const bob = realProfile(recA, [200, 201, 202].map(sku));
const carol = realProfile(recB, [50, 51].map(sku)); // a profile of model B
const aliceLater = realProfile(recA, [1, 2, 3, 4, 5, 6].map(sku));
const etagOf = (file) => `"${new DataView(file.buffer, file.byteOffset).getBigUint64(file.length - 8, true).toString(16).padStart(16, '0')}"`;

/** The shop's sign-in of these tests: a bearer token per shopper. */
const TOKENS = { 'tok-alice': 'alice', 'tok-bob': 'bob', 'tok-carol': 'carol', 'tok-dave': 'dave', 'tok-junk': 'junk', 'tok-liar': 'liar', 'tok-nofield': 'nofield', 'tok-wrongtype': 'wrongtype' };
const byToken = (req) => TOKENS[/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]] ?? null;

/** Serves `handler` on 127.0.0.1 until test `t` ends; returns the base URL. */
async function listen(t, handler) {
  const server = createServer(handler);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}

/** A request as a browser of `token` makes it; { status, headers, bytes }. */
async function ask(base, path = '/profile', { token, method = 'GET', headers = {} } = {}) {
  const response = await fetch(base + path, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** An SQLite profile store file as `tandem profiles` writes it (WAL journal), with `rows` [user, file, fingerprint]. */
function sqliteFile(t, rows) {
  const path = join(tempDir(t, 'tandem-store-'), 'profiles.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(TABLE);
  const insert = db.prepare('INSERT INTO profiles (user, profile, fingerprint, events, updated) VALUES (?, ?, ?, ?, ?)');
  for (const [user, file, fingerprint] of rows) insert.run(user, Buffer.from(file), fingerprint, 4, Date.now());
  return { path, db };
}

const standardRows = () => [
  ['alice', alice.file, recA.fingerprint],
  ['bob', bob.file, recA.fingerprint],
  ['carol', carol.file, recB.fingerprint],
  ['junk', new TextEncoder().encode('{"not": "a profile"}'), recA.fingerprint],
  ['liar', bob.file, recB.fingerprint], // the record's fingerprint is not its file's
];

/** Asserts the answers every store must give (its records: standardRows), with errors counted in `errors`. */
async function assertServes(base, errors) {
  // The signed-in shopper gets exactly their profile file.
  const a = await ask(base, '/profile', { token: 'tok-alice' });
  assert.equal(a.status, 200);
  assert.deepEqual(a.bytes, alice.file);
  assert.equal(a.headers.get('content-type'), 'application/octet-stream');
  assert.equal(a.headers.get('content-length'), String(alice.file.length));
  assert.equal(a.headers.get('etag'), etagOf(alice.file));
  assert.equal(a.headers.get('cache-control'), 'private, no-cache');
  assert.equal(a.headers.get('vary'), 'Cookie, Authorization');
  assert.deepEqual(profileInfo(a.bytes), { fingerprint: recA.fingerprint, checksum: etagOf(alice.file).slice(1, -1) });
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).headers.get('etag'), a.headers.get('etag'), 'the ETag is stable');
  // Nothing in the URL reaches another shopper: alice's sign-in gets alice's profile or nothing.
  for (const path of ['/profile?user=bob', '/profile?user=bob&model=' + recA.fingerprint, '/profile/bob', '/profiles/bob.profile', '/profile;user=bob', '/bob', '/profile?id=bob&user[]=bob']) {
    const r = await ask(base, path, { token: 'tok-alice' });
    assert.ok(r.status === 200 || r.status === 404, `${path}: ${r.status}`);
    assert.notDeepEqual(r.bytes, bob.file, path);
    if (r.status === 200) assert.deepEqual(r.bytes, alice.file, path);
  }
  const b = await ask(base, '/profile', { token: 'tok-bob' });
  assert.deepEqual(b.bytes, bob.file);
  assert.notEqual(b.headers.get('etag'), a.headers.get('etag'));
  // Nobody signed in: 401, and never cached.
  for (const token of [undefined, 'tok-nobody']) {
    const r = await ask(base, '/profile?user=alice', { token });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  // 304 on a matching If-None-Match (a list, weak or strong), with the same ETag.
  for (const inm of [a.headers.get('etag'), `"0000000000000000", ${a.headers.get('etag')}`, `W/${a.headers.get('etag')}`, '*']) {
    const r = await ask(base, '/profile', { token: 'tok-alice', headers: { 'if-none-match': inm } });
    assert.equal(r.status, 304, inm);
    assert.equal(r.bytes.length, 0);
    assert.equal(r.headers.get('etag'), a.headers.get('etag'));
    assert.equal(r.headers.get('cache-control'), 'private, no-cache');
  }
  assert.equal((await ask(base, '/profile', { token: 'tok-alice', headers: { 'if-none-match': etagOf(bob.file) } })).status, 200);
  // ?model=: this model's profile, or 404 (never one of another model's space); a bad fingerprint: 400.
  assert.deepEqual((await ask(base, `/profile?model=${recA.fingerprint}`, { token: 'tok-alice' })).bytes, alice.file);
  const wrongModel = await ask(base, `/profile?model=${recB.fingerprint}`, { token: 'tok-alice' });
  assert.equal(wrongModel.status, 404);
  assert.equal(wrongModel.headers.get('cache-control'), 'private, no-cache', 'a 404 is this shopper\'s too');
  assert.equal(wrongModel.headers.get('vary'), 'Cookie, Authorization');
  assert.equal((await ask(base, `/profile?model=${recA.fingerprint}`, { token: 'tok-carol' })).status, 404);
  assert.deepEqual((await ask(base, `/profile?model=${recB.fingerprint}`, { token: 'tok-carol' })).bytes, carol.file);
  assert.equal((await ask(base, '/profile?model=ABC', { token: 'tok-alice' })).status, 400);
  // A shopper without a profile: 404.
  assert.equal((await ask(base, '/profile', { token: 'tok-dave' })).status, 404);
  // HEAD: the headers of GET, no body; other methods: 405.
  const head = await ask(base, '/profile', { token: 'tok-alice', method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('etag'), a.headers.get('etag'));
  assert.equal(head.headers.get('content-length'), String(alice.file.length));
  assert.equal(head.bytes.length, 0);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const r = await ask(base, '/profile', { token: 'tok-alice', method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
  // Garbage in the store: 503 with a short body, the error to onError; the next request is served.
  const before = errors.length;
  for (const token of ['tok-junk', 'tok-liar']) {
    const r = await ask(base, '/profile', { token });
    assert.equal(r.status, 503, token);
    assert.equal(new TextDecoder().decode(r.bytes), 'the profile store is unavailable\n');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  assert.equal(errors.length, before + 2);
  assert.match(errors[before].message, /^tandem: the profile store failed for user "junk": not a profile file \(no "TNDP" magic\)$/);
  assert.match(errors[before + 1].message, /^tandem: the profile store failed for user "liar": the record says model [0-9a-f]{16}, its profile file is of model [0-9a-f]{16}$/);
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 200);
}

test('SQLite store: each shopper gets exactly their own profile file; 401, 404, 304, 405, ?model=, HEAD; garbage is a 503', async (t) => {
  const { path, db } = sqliteFile(t, standardRows());
  db.close();
  const errors = [];
  const store = sqliteStore(path);
  t.after(() => store.close());
  const base = await listen(t, createProfileHandler({ store, authenticate: byToken, onError: (e) => errors.push(e) }));
  await assertServes(base, errors);
  // The file is opened read-only: the server cannot change a profile.
  assert.equal(store.name, `sqlite:${path}`);
});

test('SQLite store: an update committed by the writer is served at the next request (WAL: read while written), with a new ETag', async (t) => {
  const { path, db } = sqliteFile(t, standardRows());
  const store = sqliteStore(`sqlite:${path}`);
  t.after(() => store.close());
  const base = await listen(t, createProfileHandler({ store, authenticate: byToken, maxAge: 60 }));
  const first = await ask(base, '/profile', { token: 'tok-alice' });
  assert.equal(first.headers.get('cache-control'), 'private, max-age=60');
  // The writer holds its connection open (as `tandem profiles` does) and commits an update.
  db.transaction(() => {
    db.prepare('UPDATE profiles SET profile = ?, events = 6, updated = ? WHERE user = ?').run(Buffer.from(aliceLater.file), Date.now(), 'alice');
    db.prepare('INSERT INTO profiles VALUES (?, ?, ?, ?, ?)').run('dave', Buffer.from(bob.file), recA.fingerprint, 3, Date.now());
  })();
  const second = await ask(base, '/profile', { token: 'tok-alice', headers: { 'if-none-match': first.headers.get('etag') } });
  assert.equal(second.status, 200, 'the old ETag no longer matches');
  assert.deepEqual(second.bytes, aliceLater.file);
  assert.equal(second.headers.get('etag'), etagOf(aliceLater.file));
  assert.deepEqual((await ask(base, '/profile', { token: 'tok-dave' })).bytes, bob.file);
  // A transaction not committed yet is not seen.
  db.exec('BEGIN');
  db.prepare('DELETE FROM profiles WHERE user = ?').run('bob');
  assert.deepEqual((await ask(base, '/profile', { token: 'tok-bob' })).bytes, bob.file);
  db.exec('ROLLBACK');
  db.close();
});

test('SQLite store: a missing database file or table is a 503 (onError told), and serving starts once the file is there', async (t) => {
  const dir = tempDir(t, 'tandem-store-');
  const path = join(dir, 'later.db');
  const errors = [];
  const store = sqliteStore(path);
  t.after(() => store.close());
  const base = await listen(t, createProfileHandler({ store, authenticate: byToken, onError: (e) => errors.push(e) }));
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 503);
  assert.match(errors[0].message, /^tandem: the profile store failed for user "alice": sqlite:.*later\.db: unable to open database file$/);
  const empty = new Database(path);
  empty.exec('CREATE TABLE other (x)');
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 503);
  assert.match(errors[1].message, /no such table: profiles$/);
  empty.exec(TABLE);
  empty.prepare('INSERT INTO profiles VALUES (?, ?, ?, ?, ?)').run('alice', Buffer.from(alice.file), recA.fingerprint, 4, Date.now());
  empty.close();
  assert.deepEqual((await ask(base, '/profile', { token: 'tok-alice' })).bytes, alice.file);
  assert.equal(errors.length, 2);
});

test('custom stores and the shop\'s authenticate: a throwing or garbled store is a 503, a throwing authenticate a 500; onError by default is console.error', async (t) => {
  const records = { alice: { profile: alice.file, fingerprint: recA.fingerprint, updated: 1 } };
  const errors = [];
  let mode = 'ok';
  const store = {
    async get(user) {
      if (mode === 'throw') throw new Error('connection refused');
      if (mode === 'junk') return { profile: 'not bytes', fingerprint: recA.fingerprint };
      if (mode === 'upper') return { profile: alice.file, fingerprint: recA.fingerprint.toUpperCase() };
      if (mode === 'truncated') return { profile: alice.file.subarray(0, alice.file.length - 1), fingerprint: recA.fingerprint };
      if (mode === 'corrupt') {
        const bad = alice.file.slice();
        bad[30] ^= 1;
        return { profile: bad, fingerprint: recA.fingerprint };
      }
      return records[user] ?? null;
    },
  };
  let auth = byToken;
  const base = await listen(t, createProfileHandler({ store, authenticate: (req) => auth(req), onError: (e) => errors.push(e) }));
  assert.deepEqual((await ask(base, '/profile', { token: 'tok-alice' })).bytes, alice.file);
  const expected = {
    throw: 'connection refused',
    junk: 'the record\'s profile is "not bytes", not bytes',
    upper: `the record's fingerprint is "${recA.fingerprint.toUpperCase()}", not 16 lowercase hex digits`,
    truncated: `profile file of dim 16 has ${alice.file.length - 1} bytes, expected ${alice.file.length}`,
    corrupt: 'profile file checksum mismatch (corrupt or truncated)',
  };
  for (const [m, message] of Object.entries(expected)) {
    mode = m;
    assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 503, m);
    assert.equal(errors.at(-1).message, `tandem: the profile store failed for user "alice": ${message}`);
  }
  mode = 'ok';
  auth = () => {
    throw new Error('session backend down');
  };
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 500);
  assert.equal(errors.at(-1).message, 'session backend down');
  auth = async () => 42;
  assert.equal((await ask(base, '/profile', { token: 'tok-alice' })).status, 500);
  assert.match(errors.at(-1).message, /^tandem: authenticate returned 42; it must return the user id/);
  auth = async () => null;
  assert.equal((await ask(base, '/profile')).status, 401);
  // path: another path is a 404; null answers any path (a handler mounted on its own route).
  assert.equal((await ask(base, '/elsewhere', { token: 'tok-alice' })).status, 404);
  const anyPath = await listen(t, createProfileHandler({ store, authenticate: () => 'alice', path: null }));
  assert.deepEqual((await ask(anyPath, '/api/me/profile')).bytes, alice.file);
  // The default onError is console.error; an onError that throws changes nothing.
  mode = 'throw';
  const logged = [];
  const original = console.error;
  console.error = (e) => logged.push(e);
  try {
    const quiet = await listen(t, createProfileHandler({ store, authenticate: () => 'alice' }));
    assert.equal((await ask(quiet)).status, 503);
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0].message, /connection refused$/);
  const throwing = await listen(t, createProfileHandler({ store, authenticate: () => 'alice', onError: () => { throw new Error('x'); } }));
  assert.equal((await ask(throwing)).status, 503);
  // Options are checked when the handler is made.
  assert.throws(() => createProfileHandler({ store: {}, authenticate: byToken }), TypeError);
  assert.throws(() => createProfileHandler({ store, authenticate: 'x' }), TypeError);
  assert.throws(() => createProfileHandler({ store, authenticate: byToken, maxAge: -1 }), TypeError);
  assert.throws(() => createProfileHandler({ store, authenticate: byToken, path: 'profile' }), TypeError);
});

// ---------------------------------------------------------------- Redis

const redis = { port: 0, server: null, skip: redisMissing };
const redisCli = (args, input) => redis.server.cli(args, input);

before(async () => {
  if (redis.skip) return;
  redis.server = await startRedis();
  redis.port = redis.server.port;
});

after(() => redis.server?.stop());

/** Writes a record as `tandem profiles --store redis://...` does: a hash at tandem:profile:<user>. */
function redisRecord(db, user, file, fingerprint) {
  const key = `tandem:profile:${user}`;
  // -x: the last argument from standard input, byte for byte (the profile is binary).
  redisCli(['-n', String(db), '-x', 'HSET', key, 'profile'], Buffer.from(file));
  redisCli(['-n', String(db), 'HSET', key, 'fingerprint', fingerprint, 'events', '4', 'updated', String(Date.now())]);
}

test('Redis store: each shopper gets exactly their own profile; 401, 404, 304, 405, ?model=, HEAD; garbage and WRONGTYPE are 503s', async (t) => {
  if (redis.skip) return t.skip(redis.skip);
  const db = 3; // not the default database: the store SELECTs it
  for (const [user, file, fingerprint] of standardRows()) redisRecord(db, user, file, fingerprint);
  redisCli(['-n', String(db), 'HSET', 'tandem:profile:nofield', 'fingerprint', recA.fingerprint, 'events', '1']);
  redisCli(['-n', String(db), 'SET', 'tandem:profile:wrongtype', 'a string']);
  assert.equal(redisCli(['-n', String(db), '--no-raw', 'HSTRLEN', 'tandem:profile:alice', 'profile']), `(integer) ${alice.file.length}`);
  const errors = [];
  const store = redisStore(`redis://127.0.0.1:${redis.port}/${db}`, { timeout: 2000 });
  t.after(() => store.close());
  assert.equal(store.name, `redis://127.0.0.1:${redis.port}/${db}`);
  const base = await listen(t, createProfileHandler({ store, authenticate: byToken, onError: (e) => errors.push(e) }));
  await assertServes(base, errors);
  assert.equal((await ask(base, '/profile', { token: 'tok-nofield' })).status, 503);
  assert.equal(errors.at(-1).message, 'tandem: the profile store failed for user "nofield": redis: tandem:profile:nofield has no profile field');
  assert.equal((await ask(base, '/profile', { token: 'tok-wrongtype' })).status, 503);
  assert.match(errors.at(-1).message, /^tandem: the profile store failed for user "wrongtype": redis: WRONGTYPE /);
  // Many requests at once share the connection (pipelined), each answered with its own record.
  const all = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(base, '/profile', { token: i % 2 ? 'tok-alice' : 'tok-bob' })));
  all.forEach((r, i) => assert.deepEqual(r.bytes, i % 2 ? alice.file : bob.file));
  // The connection dropped by the server: the request in flight fails or is served, the next one reconnects.
  redisCli(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
  await new Promise((ok) => setTimeout(ok, 50));
  assert.deepEqual((await ask(base, '/profile', { token: 'tok-alice' })).bytes, alice.file);
  // A user id is a key's bytes as they are: one with a colon or non-ASCII is its own key.
  redisRecord(db, 'ünï:côde', bob.file, recA.fingerprint);
  const uni = await listen(t, createProfileHandler({ store, authenticate: () => 'ünï:côde' }));
  assert.deepEqual((await ask(uni)).bytes, bob.file);
});

test('Redis store: a server that is down, never answers or answers garbage is a 503 within the timeout, and the store recovers', async (t) => {
  if (redis.skip) return t.skip(redis.skip);
  const errors = [];
  const handler = (store) => createProfileHandler({ store, authenticate: () => 'alice', onError: (e) => errors.push(e) });
  // Nobody listening.
  const down = redisStore(`redis://127.0.0.1:${await freePort()}`, { timeout: 500 });
  t.after(() => down.close());
  assert.equal((await ask(await listen(t, handler(down)))).status, 503);
  assert.match(errors.at(-1).message, /ECONNREFUSED/);
  // A server that accepts and never answers; then one that answers what is not RESP2.
  let behaviour = 'silent';
  const sockets = new Set();
  const fake = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {
      if (behaviour === 'garbage') socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      if (behaviour === 'short') socket.write('*4\r\n$3\r\nabc\r\n');
    });
  });
  await new Promise((ok) => fake.listen(0, '127.0.0.1', ok));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((ok) => fake.close(ok));
  });
  const odd = redisStore(`redis://127.0.0.1:${fake.address().port}/0`, { timeout: 300 });
  t.after(() => odd.close());
  const base = await listen(t, handler(odd));
  const started = Date.now();
  assert.equal((await ask(base)).status, 503);
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 2000, `answered after ${waited} ms`);
  assert.match(errors.at(-1).message, /redis: no reply within 300 ms$/);
  behaviour = 'garbage';
  assert.equal((await ask(base)).status, 503);
  assert.match(errors.at(-1).message, /redis: not a RESP2 reply \(unexpected reply byte 0x48\)$/);
  behaviour = 'short'; // a reply that never completes: the timeout again
  assert.equal((await ask(base)).status, 503);
  assert.match(errors.at(-1).message, /no reply within 300 ms$/);
  // The real server: AUTH refused (no password set there) fails the request; a good URL works.
  redisRecord(0, 'alice', alice.file, recA.fingerprint);
  const authed = redisStore(`redis://someone:secret@127.0.0.1:${redis.port}/0`);
  t.after(() => authed.close());
  assert.equal((await ask(await listen(t, handler(authed)))).status, 503);
  assert.match(errors.at(-1).message, /redis: (ERR|WRONGPASS)/);
  const good = redisStore(`redis://127.0.0.1:${redis.port}`);
  t.after(() => good.close());
  assert.deepEqual((await ask(await listen(t, handler(good)))).bytes, alice.file);
  assert.throws(() => redisStore('rediss://127.0.0.1:6379'), /TLS, rediss:\/\/, is not supported/);
  assert.throws(() => redisStore('redis://127.0.0.1:6379/x'), /must be a number/);
});

// ---------------------------------------------------------------- a page

test('a page (the real Recommender in Node) fetches its profile from the handler: applied; none is the prior with no throw; another model\'s is a 404', async (t) => {
  const { path, db } = sqliteFile(t, standardRows());
  db.close();
  const store = sqliteStore(path);
  t.after(() => store.close());
  let signedIn = 'alice';
  const seen = [];
  const handler = createProfileHandler({ store, authenticate: () => signedIn });
  const base = await listen(t, (req, res) => {
    seen.push(req.url);
    return handler(req, res);
  });
  const url = (fp) => `${base}/profile?model=${fp}`;
  const said = await warnings(async () => {
    const s = recA.session({ profile: url });
    assert.equal(await s.ready, s);
    assert.deepEqual(s.profile(), alice.vector, 'alice\'s profile, applied');
    // dave has no profile: 404, the population prior, nothing thrown.
    signedIn = 'dave';
    const d = recA.session({ profile: url });
    assert.equal(await d.ready, d);
    assert.deepEqual(d.profile(), recA.session().profile());
    // A page of model B: alice's profile is model A's, so the store answers 404 for B: the prior.
    signedIn = 'alice';
    const other = recB.session({ profile: url });
    await other.ready;
    assert.deepEqual(other.profile(), recB.session().profile());
    // carol's profile is B's: applied by B's page.
    signedIn = 'carol';
    const c = recB.session({ profile: url });
    await c.ready;
    assert.deepEqual(c.profile(), carol.vector);
  });
  assert.deepEqual(said, [], 'no warning: a missing profile is normal');
  assert.deepEqual(seen, [url(recA.fingerprint), url(recA.fingerprint), url(recB.fingerprint), url(recB.fingerprint)].map((u) => u.slice(base.length)));
  rmSync(path, { force: true });
});
