// tandem-rec/server: serves each shopper their own long-term profile, and nobody else's.
//
// createProfileHandler({ store, authenticate }) is a plain node:http handler, (req, res) =>
// Promise<void>, so it mounts in node:http, Express and Fastify alike. It answers GET /profile for
// the shopper the shop's own authenticate(req) returns (its session cookie, its bearer token): the
// URL never names a shopper, so no URL can reach another shopper's profile. The answer is the
// profile file's bytes (the "TNDP" envelope of src/core/profile_format.h, the model fingerprint
// inside), with a strong ETag (the file's own XXH64 checksum, its last 8 bytes), Cache-Control
// private and Vary: Cookie, Authorization; 404 when the store has none, or holds one of another
// model than the page asked for (`?model=<fingerprint>`): the page then uses the population prior.
//
// Stores (written by `tandem profiles --store S`, src/train/profile_store.h; read here only):
//   sqliteStore(path)   one SQLite database file, table profiles (user, profile, fingerprint,
//                       events, updated), read with better-sqlite3 (an optional peer dependency,
//                       loaded only when this store is used)
//   redisStore(url)     redis://[user:password@]host[:port][/db], a hash per shopper at
//                       "tandem:profile:<user>" (fields profile, fingerprint, events, updated),
//                       read with HMGET over a minimal RESP2 client on node:net (below)
//   any object with async get(user) -> { profile, fingerprint, updated? } | null
// A store that fails or answers something that is not a profile of the fingerprint it names is a
// 503 (the error goes to onError); the handler never throws and never crashes the server.
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';

const HEX16 = /^[0-9a-f]{16}$/;

// ---------------------------------------------------------------- profile files

const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P3 = 1609587929392839161n;
const P4 = 9650029242287828579n, P5 = 2870177450012600261n;
const rotl = (x, r) => ((x << r) | (x >> (64n - r))) & M64;
const round = (acc, lane) => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
const mergeRound = (acc, v) => (((acc ^ round(0n, v)) * P1 + P4) & M64);

/** XXH64 with seed 0 of `bytes` (the checksum every tandem file ends with, src/core/envelope.h). */
function xxh64(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let p = 0, h;
  if (n >= 32) {
    let v1 = (P1 + P2) & M64, v2 = P2, v3 = 0n, v4 = (M64 + 1n - P1) & M64;
    for (; p + 32 <= n; p += 32) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = mergeRound(mergeRound(mergeRound(mergeRound(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M64;
  for (; p + 8 <= n; p += 8) h = ((rotl(h ^ round(0n, view.getBigUint64(p, true)), 27n) * P1) + P4) & M64;
  if (p + 4 <= n) {
    h = ((rotl(h ^ ((BigInt(view.getUint32(p, true)) * P1) & M64), 23n) * P2) + P3) & M64;
    p += 4;
  }
  for (; p < n; p++) h = (rotl(h ^ ((BigInt(bytes[p]) * P5) & M64), 11n) * P1) & M64;
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

const hex64 = (value) => value.toString(16).padStart(16, '0');

/**
 * What a profile file says about itself: { fingerprint, checksum } (16 hex digits each), after
 * checking its layout (src/core/profile_format.h: "TNDP", version 1, fingerprint, dim d, d + 1
 * floats, XXH64 of everything before). Throws an Error saying what is wrong.
 * @param {Uint8Array} bytes
 */
export function profileInfo(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('a profile must be bytes (Uint8Array or Buffer)');
  if (bytes.length < 4 || bytes[0] !== 0x54 || bytes[1] !== 0x4e || bytes[2] !== 0x44 || bytes[3] !== 0x50) throw new Error('not a profile file (no "TNDP" magic)');
  if (bytes.length < 28) throw new Error(`profile file truncated: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 1) throw new Error(`profile file version ${version} (this package reads 1)`);
  const dim = view.getUint32(16, true);
  if (bytes.length !== 20 + 4 * (dim + 1) + 8) throw new Error(`profile file of dim ${dim} has ${bytes.length} bytes, expected ${20 + 4 * (dim + 1) + 8}`);
  const checksum = view.getBigUint64(bytes.length - 8, true);
  if (xxh64(bytes.subarray(0, bytes.length - 8)) !== checksum) throw new Error('profile file checksum mismatch (corrupt or truncated)');
  return { fingerprint: hex64(view.getBigUint64(8, true)), checksum: hex64(checksum) };
}

/** A store's record -> { bytes, fingerprint, etag }; throws an Error saying what is wrong with it. */
function checkRecord(record) {
  if (record === null || typeof record !== 'object') throw new Error(`the store returned ${describe(record)}, not a record { profile, fingerprint } or null`);
  const { profile, fingerprint } = record;
  if (!(profile instanceof Uint8Array)) throw new Error(`the record's profile is ${describe(profile)}, not bytes`);
  if (typeof fingerprint !== 'string' || !HEX16.test(fingerprint)) throw new Error(`the record's fingerprint is ${describe(fingerprint)}, not 16 lowercase hex digits`);
  const info = profileInfo(profile);
  if (info.fingerprint !== fingerprint) throw new Error(`the record says model ${fingerprint}, its profile file is of model ${info.fingerprint}`);
  return { bytes: profile, fingerprint, etag: `"${info.checksum}"` };
}

function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

// ---------------------------------------------------------------- the handler

/** Whether an If-None-Match header matches `etag` (weak comparison, as RFC 9110 says for it). */
function matches(ifNoneMatch, etag) {
  if (typeof ifNoneMatch !== 'string') return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The handler of GET (and HEAD) /profile: the authenticated shopper's profile file. See
 * server.d.ts for the options.
 * @param {import('./server.d.ts').ProfileHandlerOptions} options
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
 */
export function createProfileHandler(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('tandem: createProfileHandler needs { store, authenticate }');
  const { store, authenticate, path = '/profile', maxAge = 0, onError = (e) => console.error(e) } = options;
  if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
    throw new TypeError('tandem: store must be sqliteStore(path), redisStore(url) or an object with async get(user)');
  }
  if (typeof authenticate !== 'function') throw new TypeError('tandem: authenticate must be a function (request) -> the user id, or null');
  if (path !== null && (typeof path !== 'string' || !path.startsWith('/'))) throw new TypeError(`tandem: path must be a path starting with / (or null for any), got ${describe(path)}`);
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new TypeError(`tandem: maxAge must be a non-negative integer of seconds, got ${describe(maxAge)}`);
  if (typeof onError !== 'function') throw new TypeError('tandem: onError must be a function');
  // The profile answers (200, 304, and 404 too) are this shopper's: no shared cache may keep them,
  // and a browser revalidates (ETag) unless maxAge lets it reuse its copy for a while.
  const cacheControl = maxAge > 0 ? `private, max-age=${maxAge}` : 'private, no-cache';
  const personal = { 'cache-control': cacheControl, vary: 'Cookie, Authorization' };

  const report = (error) => {
    try {
      onError(error);
    } catch {
      // an onError that throws changes nothing: the answer is already chosen
    }
  };

  return async function profileHandler(req, res) {
    const send = (status, headers, body) => {
      if (res.headersSent) return;
      const text = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { 'x-content-type-options': 'nosniff', ...headers, ...(text ? { 'content-length': text.length } : {}) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const plain = (status, text, headers = {}) =>
      send(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }, `${text}\n`);
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (path !== null && url.pathname !== path) return plain(404, 'not found');
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'only GET and HEAD', { allow: 'GET, HEAD' });
      // The page may say which model it runs: a profile of any other model is no profile for it.
      const model = url.searchParams.get('model');
      if (model !== null && !HEX16.test(model)) return plain(400, 'model must be a model fingerprint, 16 lowercase hex digits');
      let user;
      try {
        user = await authenticate(req);
      } catch (e) {
        report(e);
        return plain(500, 'authentication failed');
      }
      if (user === null || user === undefined || user === false) return plain(401, 'not signed in');
      if (typeof user !== 'string' || user.length === 0) {
        report(new TypeError(`tandem: authenticate returned ${describe(user)}; it must return the user id (a non-empty string) or null`));
        return plain(500, 'authentication failed');
      }
      let found;
      try {
        const record = await store.get(user);
        found = record === null || record === undefined ? null : checkRecord(record);
      } catch (e) {
        report(e instanceof Error ? new Error(`tandem: the profile store failed for user ${JSON.stringify(user)}: ${e.message}`, { cause: e }) : e);
        return plain(503, 'the profile store is unavailable', { 'retry-after': '5' });
      }
      if (found === null || (model !== null && found.fingerprint !== model)) {
        return send(404, { ...personal, 'content-type': 'text/plain; charset=utf-8' }, 'no profile\n');
      }
      const headers = { ...personal, etag: found.etag };
      if (matches(req.headers['if-none-match'], found.etag)) return send(304, headers);
      return send(200, { ...headers, 'content-type': 'application/octet-stream' }, found.bytes);
    } catch (e) {
      report(e);
      try {
        if (!res.headersSent) plain(500, 'internal error');
        else res.destroy();
      } catch {
        // the connection is gone
      }
    }
  };
}

// ---------------------------------------------------------------- SQLite

/**
 * The profiles in one SQLite database file (`tandem profiles --store PATH` or `sqlite:PATH`), read
 * with better-sqlite3 (install it beside tandem-rec: npm install better-sqlite3). The database is
 * opened read-only on the first request (again after a failure); SQLite's WAL journal lets it read
 * while `tandem profiles` writes, each update appearing whole when committed.
 * @param {string} path
 * @param {{ Database?: any }} [options] Database: the better-sqlite3 constructor, if loaded already
 */
export function sqliteStore(path, options = {}) {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('tandem: sqliteStore needs the database file\'s path');
  const file = path.startsWith('sqlite:') ? path.slice('sqlite:'.length) : path;
  let db = null, select = null;
  const open = () => {
    const Database = options.Database ?? loadBetterSqlite3();
    const database = new Database(file, { readonly: true, fileMustExist: true });
    try {
      select = database.prepare('SELECT profile, fingerprint, events, updated FROM profiles WHERE user = ?');
    } catch (e) {
      database.close();
      throw e;
    }
    db = database;
  };
  return {
    name: `sqlite:${file}`,
    async get(user) {
      try {
        if (db === null) open();
        const row = select.get(user);
        return row === undefined ? null : { profile: row.profile, fingerprint: row.fingerprint, events: row.events, updated: row.updated };
      } catch (e) {
        // Opened again at the next request: the file may have been replaced or repaired meanwhile.
        this.close();
        throw new Error(`sqlite:${file}: ${e.message}`, { cause: e });
      }
    },
    close() {
      try {
        db?.close();
      } catch {
        // closing a broken connection
      }
      db = null;
      select = null;
    },
  };
}

let betterSqlite3 = null;
function loadBetterSqlite3() {
  try {
    // Resolved as the shop's own `require('better-sqlite3')` would be, from beside tandem-rec.
    betterSqlite3 ??= createRequire(import.meta.url)('better-sqlite3');
  } catch (e) {
    throw new Error(`sqliteStore needs better-sqlite3 beside tandem-rec (npm install better-sqlite3): ${e.message.split('\n')[0]}`);
  }
  return betterSqlite3;
}

// ---------------------------------------------------------------- Redis

/**
 * The profiles in Redis (`tandem profiles --store redis://HOST:PORT/DB`): a hash per shopper at
 * "tandem:profile:<user>", read with HMGET over one connection (pipelined; reconnected at the next
 * request after a failure). `timeout`: milliseconds a request may take (connecting included).
 * @param {string} url redis://[user:password@]host[:port][/db]
 * @param {{ timeout?: number, prefix?: string }} [options]
 */
export function redisStore(url, { timeout = 2000, prefix = 'tandem:profile:' } = {}) {
  const target = parseRedisUrl(url);
  if (typeof timeout !== 'number' || !(timeout > 0)) throw new TypeError(`tandem: timeout must be a positive number of milliseconds, got ${describe(timeout)}`);
  const client = new RespClient(target, timeout);
  return {
    name: `redis://${target.host}:${target.port}/${target.db}`,
    async get(user) {
      const reply = await client.command(['HMGET', prefix + user, 'profile', 'fingerprint', 'events', 'updated']);
      if (!Array.isArray(reply) || reply.length !== 4) throw new Error(`redis: HMGET replied ${describe(reply)}, not 4 values`);
      const [profile, fingerprint, events, updated] = reply;
      if (reply.every((v) => v === null)) return null;
      if (profile === null) throw new Error(`redis: ${prefix}${user} has no profile field`);
      if (fingerprint === null) throw new Error(`redis: ${prefix}${user} has no fingerprint field`);
      return { profile, fingerprint: fingerprint.toString('latin1'), events: integerField(events, 'events'), updated: integerField(updated, 'updated') };
    },
    close() {
      client.close();
    },
  };
}

function integerField(value, name) {
  if (value === null) return null;
  const text = value.toString('latin1');
  if (!/^-?\d{1,16}$/.test(text)) throw new Error(`redis: the ${name} field is ${JSON.stringify(text.slice(0, 20))}, not an integer`);
  return Number(text);
}

function parseRedisUrl(url) {
  let u;
  try {
    u = new URL(String(url));
  } catch {
    throw new TypeError(`tandem: ${describe(url)} is not a redis:// URL`);
  }
  if (u.protocol !== 'redis:') throw new TypeError(`tandem: redisStore takes redis://host:port/db, got ${u.protocol}//… (TLS, rediss://, is not supported)`);
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0) throw new TypeError(`tandem: the database in ${describe(url)} must be a number`);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** A RESP2 command: an array of bulk strings. */
function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

class ProtocolError extends Error {}

/**
 * Parses one RESP2 reply at `offset` of `buf`: { value, end } or null when incomplete. Errors
 * (-ERR ...) are values of class Error; anything that is not RESP2 throws a ProtocolError.
 */
function parseReply(buf, offset, depth = 0) {
  if (offset >= buf.length) return null;
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) {
    if (buf.length - offset > 64 * 1024) throw new ProtocolError('a reply line longer than 64 KB');
    return null;
  }
  const type = buf[offset];
  const line = buf.toString('latin1', offset + 1, lineEnd);
  const integer = () => {
    if (!/^-?\d{1,15}$/.test(line)) throw new ProtocolError(`bad length or integer ${JSON.stringify(line.slice(0, 20))}`);
    return Number(line);
  };
  switch (type) {
    case 0x2b: // + simple string
      return { value: line, end: lineEnd + 2 };
    case 0x2d: // - error
      return { value: new Error(`redis: ${line}`), end: lineEnd + 2 };
    case 0x3a: // : integer
      return { value: integer(), end: lineEnd + 2 };
    case 0x24: { // $ bulk string
      const n = integer();
      if (n === -1) return { value: null, end: lineEnd + 2 };
      if (n < 0 || n > 512 * 1024 * 1024) throw new ProtocolError(`bad bulk length ${n}`);
      const start = lineEnd + 2;
      if (buf.length < start + n + 2) return null;
      if (buf[start + n] !== 0x0d || buf[start + n + 1] !== 0x0a) throw new ProtocolError('a bulk string not followed by CRLF');
      return { value: buf.subarray(start, start + n), end: start + n + 2 };
    }
    case 0x2a: { // * array
      const n = integer();
      if (n === -1) return { value: null, end: lineEnd + 2 };
      if (n < 0 || n > 1 << 20 || depth > 8) throw new ProtocolError(`bad array length ${n}`);
      const items = [];
      let end = lineEnd + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end, depth + 1);
        if (item === null) return null;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new ProtocolError(`unexpected reply byte 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/**
 * One connection to Redis, made at the first command and again at the next command after it
 * broke. Commands are pipelined; replies are matched in order. A command that takes longer than
 * `timeout` (connecting included) fails, and so does every other one in flight: the connection is
 * closed, since their replies can no longer be told apart.
 */
class RespClient {
  constructor(target, timeout) {
    this.target = target;
    this.timeout = timeout;
    this.socket = null;
    this.pending = [];      // { resolve, reject, timer } in the order sent
    this.buffer = Buffer.alloc(0);
  }

  command(args) {
    if (this.socket === null) this.connect();
    return this.send(args);
  }

  send(args, handshake = null) {
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null, handshake };
      entry.timer = setTimeout(() => this.fail(new Error(`redis: no reply within ${this.timeout} ms`)), this.timeout);
      this.pending.push(entry);
      this.socket.write(encodeCommand(args));
    });
  }

  connect() {
    const { host, port, db, user, password } = this.target;
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => this.receive(socket, chunk));
    socket.on('error', (e) => this.fail(new Error(`redis ${host}:${port}: ${e.message}`), socket));
    socket.on('close', () => this.fail(new Error(`redis ${host}:${port}: connection closed`), socket));
    // Sent first on the new connection; their replies come first too, and one that is not OK fails
    // the connection and every command behind it (see receive).
    const quiet = () => {};
    if (password) this.send(user ? ['AUTH', user, password] : ['AUTH', password], 'AUTH').catch(quiet);
    if (db !== 0) this.send(['SELECT', db], `SELECT ${db}`).catch(quiet);
  }

  receive(socket, chunk) {
    if (socket !== this.socket) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const reply = parseReply(this.buffer, offset);
        if (reply === null) break;
        offset = reply.end;
        const entry = this.pending.shift();
        if (!entry) throw new ProtocolError('a reply nobody asked for');
        clearTimeout(entry.timer);
        if (entry.handshake !== null && reply.value !== 'OK') {
          const why = reply.value instanceof Error ? reply.value.message : `redis: replied ${describe(reply.value)}`;
          const error = new Error(`${why} (to ${entry.handshake})`);
          entry.reject(error);
          this.fail(error);
          return;
        }
        if (reply.value instanceof Error) entry.reject(reply.value);
        else entry.resolve(reply.value);
      }
    } catch (e) {
      this.fail(e instanceof ProtocolError ? new Error(`redis: not a RESP2 reply (${e.message})`) : e);
      return;
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(offset));
  }

  /** Fails every command in flight and drops the connection (the next command reconnects). */
  fail(error, socket = this.socket) {
    if (socket !== this.socket || socket === null) return;
    this.socket = null;
    socket.destroy();
    const pending = this.pending;
    this.pending = [];
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  close() {
    this.fail(new Error('redis: the store was closed'));
  }
}
