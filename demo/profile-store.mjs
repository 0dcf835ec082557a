// The demo shop's profile store, read here and never written: build/demo/profiles.db, which
// scripts/demo.sh makes with `tandem profiles --model build/demo/demo.tandem --data
// build/demo/demo-log.csv --store build/demo/profiles.db --rebuild` right after training the demo
// model. The store's format has one writer, the trainer (src/train/profile_store.h); the demo server
// serves it as a shop would: GET /profile for the signed-in shopper (demo/serve.mjs), never a URL
// that names one.
//
// The fallback: without better-sqlite3 (an optional peer dependency of tandem-rec, a devDependency
// here) or without the database file, the records are made in memory from the per-shopper profile
// files that `tandem train --profiles build/demo/profiles` writes (the events column counting each
// shopper's rows of the demo log, updated the file's time), and the server says so.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

function loadSqlite() {
  try {
    return createRequire(import.meta.url)('better-sqlite3');
  } catch {
    return null;
  }
}

/** The fallback's records, from the trainer's profile files: [{ user, profile, fingerprint, events, updated }]. */
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
 * The store the demo serves from: { store, kind: 'sqlite' | 'memory', path, count, why }. `server`
 * is the staged tandem-rec/server module (its sqliteStore and profileInfo); `why` says why the
 * profiles are served from memory (null for SQLite).
 */
export function demoProfileStore(demoDir, server) {
  const Database = loadSqlite();
  const path = join(demoDir, 'profiles.db');
  if (Database && existsSync(path)) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    let count;
    try {
      count = db.prepare('SELECT count(*) AS n FROM profiles').get().n;
    } finally {
      db.close();
    }
    return { store: server.sqliteStore(path, { Database }), kind: 'sqlite', path, count, why: null };
  }
  const why = Database ? `no ${path} (scripts/demo.sh makes it with tandem profiles)` : 'better-sqlite3 is not installed: npm ci';
  const rows = new Map(records(demoDir, server.profileInfo).map((r) => [r.user, r]));
  return { store: { get: async (user) => rows.get(user) ?? null }, kind: 'memory', path: null, count: rows.size, why };
}
