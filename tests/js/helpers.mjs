// Shared by the JS tests: the staged package, fixture models written by the native CLI, and an
// independent XXH64 (BigInt) to re-seal deliberately broken model files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { mock } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const packageDir = process.env.TANDEM_PACKAGE_DIR ?? join(root, 'build/package');
export const cli = process.env.TANDEM_CLI ?? join(root, 'build/native/src/cli/tandem');
export const { Recommender } = await import(pathToFileURL(join(packageDir, 'index.js')).href);

/** A fixture model file written by the native `tandem fixture` (cached in build/fixtures until the CLI changes). */
export function fixturePath({ items = 300, dim = 16, seed = 3, int8 = false } = {}) {
  const dir = join(root, 'build/fixtures');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `fixture-${items}-${dim}-${seed}${int8 ? '-int8' : ''}.tandem`);
  if (!existsSync(path) || statSync(path).mtimeMs < statSync(cli).mtimeMs) {
    const args = ['fixture', '--out', path, '--items', String(items), '--dim', String(dim), '--seed', String(seed)];
    if (int8) args.push('--int8');
    execFileSync(cli, args, { stdio: 'pipe' });
  }
  return path;
}

/** A fresh directory under the system's temporary folder, removed when test `t` ends, pass or fail. */
export function tempDir(t, prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const fixtureBytes = (options) => new Uint8Array(readFileSync(fixturePath(options)));

/**
 * A result without its recommendationId, which is new at every call: two rankings compare equal
 * when they rank the same items the same way.
 */
export const ranking = (result) => result.map(({ recommendationId, ...rest }) => rest);

/** Captures console.warn for the duration of fn; returns the messages. */
export async function warnings(fn) {
  const spy = mock.method(console, 'warn', () => {});
  try {
    await fn();
    return spy.mock.calls.map((c) => c.arguments[0]);
  } finally {
    spy.mock.restore();
  }
}

// ---- model file surgery ----

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P3 = 1609587929392839161n;
const P4 = 9650029242287828579n, P5 = 2870177450012600261n;
const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M;
const round = (acc, input) => (rotl((acc + input * P2) & M, 31) * P1) & M;
const merge = (acc, v) => (((acc ^ round(0n, v)) * P1 + P4) & M);

/** XXH64 with seed 0, from the specification. */
export function xxh64(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let p = 0, h;
  if (n >= 32) {
    let v1 = (P1 + P2) & M, v2 = P2, v3 = 0n, v4 = (M + 1n - P1) & M;
    while (p + 32 <= n) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
      p += 32;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M;
  for (; p + 8 <= n; p += 8) h = ((rotl(h ^ round(0n, view.getBigUint64(p, true)), 27) * P1) + P4) & M;
  if (p + 4 <= n) {
    h = ((rotl(h ^ ((BigInt(view.getUint32(p, true)) * P1) & M), 23) * P2) + P3) & M;
    p += 4;
  }
  for (; p < n; p++) h = (rotl(h ^ ((BigInt(bytes[p]) * P5) & M), 11) * P1) & M;
  h ^= h >> 33n; h = (h * P2) & M;
  h ^= h >> 29n; h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

const align64 = (n) => Math.ceil(n / 64) * 64;

/** Splits a model file into its header object and data section. */
export function unseal(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerSize)));
  const start = align64(16 + headerSize);
  return { header, data: bytes.slice(start, bytes.length - 8) };
}

/** Builds a model file around a header object (or raw header text) and a data section, with a valid checksum. */
export function seal(header, data, version = 3) {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const start = align64(16 + text.length);
  const out = new Uint8Array(start + data.length + 8);
  out.set([0x89, 0x54, 0x44, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(data, start);
  view.setBigUint64(out.length - 8, xxh64(out.subarray(0, out.length - 8)), true);
  return out;
}

export const tensor = (header, name) => header.tensors.find((t) => t.name === name);

// ---- session state and profile surgery (layouts: save_state in src/core/session.cpp, src/core/profile_format.h) ----

/** Byte offset of h in a saved state: magic, version, fingerprint, dim, count, has_last, last time, 3 counters, unfolded. */
const STATE_VECTORS = 4 + 4 + 8 + 4 + 4 + 1 + 8 + 3 * 8 + 8;

/** Writes the XXH64 of everything before the last 8 bytes into them (states and profile files end so). */
function reseal(bytes) {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(bytes.length - 8, xxh64(bytes.subarray(0, bytes.length - 8)), true);
  return bytes;
}

/**
 * A copy of a saved state with one float of its vectors set to `value`, checksum re-sealed. The
 * vectors follow each other: h (dim floats), c (dim), the profile's pooled values (dim), its log mass.
 */
export function doctorState(state, index, value) {
  const out = state.slice();
  new DataView(out.buffer).setFloat32(STATE_VECTORS + 4 * index, value, true);
  return reseal(out);
}

/** A profile file of `rec`'s model holding the given profileLength values. */
export function profileFile(rec, values) {
  const out = new Uint8Array(20 + 4 * values.length + 8);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('TNDP'));
  view.setUint32(4, 1, true);
  view.setBigUint64(8, BigInt(`0x${rec.fingerprint}`), true);
  view.setUint32(16, rec.dim, true);
  values.forEach((v, i) => view.setFloat32(20 + 4 * i, v, true));
  return reseal(out);
}

/** |got - want| <= tol * max(1, |want|) */
export function assertClose(assert, got, want, tol, what) {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want} (tolerance ${tol})`);
}
