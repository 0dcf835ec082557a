// The demo shop's profile store: one SQLite database file, build/demo/profiles.db, in the layout
// `tandem profiles --store` writes (src/train/profile_store.h), made here from the profile files
// the trainer wrote (`tandem train --profiles build/demo/profiles`) so that the demo server serves
// profiles as a shop would: GET /profile for the signed-in shopper (demo/serve.mjs), never a URL
// that names one. Remade when the profile files are newer than it. The events column counts each
// shopper's rows of the demo log; updated is the profile file's time.
// Without better-sqlite3 (an optional peer dependency of tandem-rec, a devDependency here) the same
// records are served from memory, and the server says so.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const TABLE = `CREATE TABLE profiles (
  user TEXT PRIMARY KEY NOT NULL,   -- the shop's user id, as in the logs
  profile BLOB NOT NULL,            -- a profile file (src/core/profile_format.h)
  fingerprint TEXT NOT NULL,        -- the model's fingerprint, 16 lowercase hex digits
  events INTEGER NOT NULL,          -- how many events the profile folds
  updated INTEGER NOT NULL          -- unix time of the last update, milliseconds
) WITHOUT ROWID`;

function loadSqlite() {
  try {
    return createRequire(import.meta.url)('better-sqlite3');
  } catch {
    return null;
  }
}

/** The records the trainer's profile files make: [{ user, profile, fingerprint, events, updated }]. */
function records(demoDir, profileInfo) {
  const dir = join(demoDir, 'profiles');
  if (!existsSync(dir)) return [];
  const events = new Map();
  const log = join(demoDir, 'demo-log.csv');
  if (existsSync(log)) {
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const user = line.slice(0, line.indexOf(','));
      if (user) events.set(user, (events.get(user) ?? 0) + 1);
    }
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.profile'))
    .sort()
    .map((f) => {
      const user = f.slice(0, -'.profile'.length);
      const profile = readFileSync(join(dir, f));
      return { user, profile, fingerprint: profileInfo(profile).fingerprint, events: events.get(user) ?? 0, updated: Math.round(statSync(join(dir, f)).mtimeMs) };
    });
}

/**
 * The store the demo serves from: { store, kind: 'sqlite' | 'memory', path, count }. `server` is
 * the staged tandem-rec/server module (its sqliteStore and profileInfo).
 */
export function demoProfileStore(demoDir, server) {
  const Database = loadSqlite();
  const path = join(demoDir, 'profiles.db');
  const dir = join(demoDir, 'profiles');
  if (!Database) {
    const rows = new Map(records(demoDir, server.profileInfo).map((r) => [r.user, r]));
    return { store: { get: async (user) => rows.get(user) ?? null }, kind: 'memory', path: null, count: rows.size };
  }
  const newest = existsSync(dir) ? Math.max(statSync(dir).mtimeMs, ...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs)) : 0;
  if (!existsSync(path) || statSync(path).mtimeMs < newest) {
    // Written aside and renamed into place: a server reading the old file never sees half of it.
    const temp = `${path}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    const db = new Database(temp);
    try {
      db.pragma('journal_mode = WAL');
      db.exec(TABLE);
      const insert = db.prepare('INSERT INTO profiles (user, profile, fingerprint, events, updated) VALUES (@user, @profile, @fingerprint, @events, @updated)');
      db.transaction((rows) => rows.forEach((r) => insert.run(r)))(records(demoDir, server.profileInfo));
      db.pragma('journal_mode = DELETE'); // one file to rename (a WAL database is three)
    } finally {
      db.close();
    }
    for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true });
    renameSync(temp, path);
  }
  const db = new Database(path, { readonly: true });
  const count = db.prepare('SELECT count(*) AS n FROM profiles').get().n;
  db.close();
  return { store: server.sqliteStore(path, { Database }), kind: 'sqlite', path, count };
}
