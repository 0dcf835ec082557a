// tandem-rec: private, on-device reranking for storefront pages.
//
// Recommender: the model (immutable, shared by sessions), created asynchronously once per page.
// Session: one shopper's short-term state; observe / rerank / recommend are synchronous.
// Both hold wasm memory: close() frees it (a FinalizationRegistry frees what a page forgets).
import { fetchBytes, instantiate, toUint8Array } from './loader.js';

const EXCLUDE = { none: 0, purchased: 1, seen: 2 };

const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((release) => release()) : null;

function fail(message) {
  return new Error(`tandem: ${message}`);
}

/** Reusable blocks of wasm memory for moving arrays across the boundary in one go. */
class Scratch {
  constructor(module) {
    this.module = module;
    this.ptr = 0;
    this.size = 0;
  }
  /** Returns an address with at least `bytes` bytes (8-aligned). Views must be taken after this call. */
  reserve(bytes) {
    if (bytes > this.size) {
      if (this.ptr) this.module._free(this.ptr);
      this.size = Math.max(bytes, this.size * 2, 1024);
      this.ptr = this.module._malloc(this.size);
      if (!this.ptr) throw fail(`out of wasm memory (asked for ${this.size} bytes)`);
    }
    return this.ptr;
  }
  free() {
    if (this.ptr) this.module._free(this.ptr);
    this.ptr = 0;
    this.size = 0;
  }
}

/** Copies bytes into wasm memory for the duration of `use(ptr, size)`. */
function withBytes(module, bytes, use) {
  const ptr = module._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw fail(`out of wasm memory (asked for ${bytes.byteLength} bytes)`);
  try {
    module.HEAPU8.set(bytes, ptr);
    return use(ptr, bytes.byteLength);
  } finally {
    module._free(ptr);
  }
}

export class Recommender {
  /**
   * @param {{modelUrl?: string|URL, modelBuffer?: ArrayBuffer|ArrayBufferView}} source exactly one of the two
   * @param {{wasmUrl?: string|URL, wasmBinary?: ArrayBuffer|ArrayBufferView, verify?: boolean}} [options]
   */
  static async create(source, options = {}) {
    if (source === null || typeof source !== 'object') throw new TypeError('tandem: Recommender.create needs { modelUrl } or { modelBuffer }');
    const hasUrl = source.modelUrl !== undefined, hasBuffer = source.modelBuffer !== undefined;
    if (hasUrl === hasBuffer) throw new TypeError('tandem: give exactly one of modelUrl and modelBuffer');
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: options must be an object');
    const [module, modelBytes] = await Promise.all([
      instantiate(options),
      hasUrl ? fetchBytes(source.modelUrl, 'the model') : Promise.resolve(source.modelBuffer),
    ]);
    return new Recommender(module, toUint8Array(modelBytes, 'modelBuffer'), options.verify !== false);
  }

  /** @private use Recommender.create */
  constructor(module, bytes, verify) {
    this._module = module;
    const handle = new module.ModelHandle();
    const error = withBytes(module, bytes, (ptr, size) => handle.load(ptr, size, verify));
    if (error) {
      handle.delete();
      throw fail(error);
    }
    this._handle = handle;
    this._scratch = new Scratch(module);
    this._rows = new Map();   // storefront id -> row (-1 unknown), resolved once per page
    this._ids = [];           // row -> storefront id, filled on demand
    this._sessions = new Set(); // WeakRefs: close() closes what is still open
    this.eventTypes = Array.from({ length: handle.eventTypeCount() }, (_, i) => handle.eventType(i));
    this._typeIndex = new Map(this.eventTypes.map((t, i) => [t, i]));
    this.purchaseEvent = handle.purchaseEvent() || null;
    this.itemCount = handle.itemCount();
    this.dim = handle.dim();
    this.profileLength = handle.profileLength();
    this.fingerprint = handle.fingerprint();
    this.quantized = handle.quantized();
    this.metadata = JSON.parse(handle.metadata());
    const scratch = this._scratch;
    this._release = () => {
      scratch.free();
      handle.delete();
    };
    finalizer?.register(this, this._release, this);
  }

  _live() {
    if (!this._handle) throw fail('this Recommender is closed');
    return this._handle;
  }

  /** Row of a storefront id in the model, or -1. */
  _row(id) {
    let row = this._rows.get(id);
    if (row === undefined) {
      row = this._handle.findItem(id);
      this._rows.set(id, row);
    }
    return row;
  }

  _id(row) {
    let id = this._ids[row];
    if (id === undefined) id = this._ids[row] = this._handle.itemId(row);
    return id;
  }

  /** Whether the model knows a storefront item id. */
  hasItem(id) {
    this._live();
    if (typeof id !== 'string') throw new TypeError('tandem: item ids are strings');
    return this._row(id) >= 0;
  }

  /**
   * A shopper session.
   * @param {{profile?: Float32Array|ArrayBuffer|Uint8Array}} [options] a profile vector (profileLength floats) or a profile file
   */
  session(options = {}) {
    this._live();
    const session = new Session(this, options);
    session._ref = new WeakRef(session);
    this._sessions.add(session._ref);
    return session;
  }

  /** Frees the model and every session of it. Further calls throw. */
  close() {
    if (!this._handle) return;
    for (const ref of this._sessions) ref.deref()?.close();
    finalizer?.unregister(this);
    this._release();
    this._handle = null;
  }
}

export class Session {
  /** @private use Recommender.session() */
  constructor(recommender, options) {
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: session options must be an object');
    this._rec = recommender;
    const module = recommender._module;
    const handle = new module.SessionHandle(recommender._handle);
    this._handle = handle;
    this._release = () => handle.delete();
    finalizer?.register(this, this._release, this);
    if (options.profile !== undefined && options.profile !== null) {
      try {
        this.setProfile(options.profile);
      } catch (e) {
        this.close();
        throw e;
      }
    }
  }

  _live() {
    if (!this._handle) throw fail('this session is closed');
    if (!this._rec._handle) throw fail('the Recommender of this session is closed');
    return this._handle;
  }

  /**
   * Records one event. Unknown item ids are counted and ignored; bad types throw.
   * @param {{item: string, type?: string, time?: number}} event time in milliseconds (Date.now()), default now
   */
  observe(event) {
    const handle = this._live();
    if (event === null || typeof event !== 'object') throw new TypeError('tandem: observe needs an event object { item, type, time }');
    const { item, type = this._rec.eventTypes[0], time = Date.now() } = event;
    if (typeof item !== 'string' || item.length === 0) throw new TypeError(`tandem: event.item must be a non-empty string, got ${describe(item)}`);
    const typeIndex = this._rec._typeIndex.get(type);
    if (typeIndex === undefined) throw new TypeError(`tandem: unknown event type ${describe(type)}; this model knows ${this._rec.eventTypes.join(', ')}`);
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new TypeError(`tandem: event.time must be a finite number of milliseconds, got ${describe(time)}`);
    const error = handle.observe(this._rec._row(item), typeIndex, time / 1000);
    if (error) throw fail(error);
  }

  /**
   * The candidates sorted by score, best first (ties keep the given order). Unknown ids are scored
   * as the catalog's average item. Returns every candidate unless `top` is given.
   * @param {string[]} items
   * @param {{top?: number}} [options]
   * @returns {{item: string, score: number}[]}
   */
  rerank(items, options = {}) {
    const handle = this._live();
    if (!Array.isArray(items)) throw new TypeError('tandem: rerank needs an array of item ids');
    const n = items.length;
    const top = options.top === undefined ? n : checkCount(options.top, 'top');
    const rec = this._rec;
    const module = rec._module;
    // Resolve ids first: an id lookup may grow wasm memory, which replaces the heap views.
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const id = items[i];
      if (typeof id !== 'string') throw new TypeError(`tandem: rerank candidate ${i} must be a string, got ${describe(id)}`);
      rows[i] = rec._row(id);
    }
    const base = rec._scratch.reserve(n * 12 + 16);
    module.HEAP32.set(rows, base >> 2);
    const positionsPtr = base + n * 4, scoresPtr = base + n * 8;
    const count = handle.rerank(base, n, Math.min(top, n), positionsPtr, scoresPtr);
    const positions = module.HEAP32, scores = module.HEAPF32;
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = { item: items[positions[(positionsPtr >> 2) + i]], score: scores[(scoresPtr >> 2) + i] };
    }
    return out;
  }

  /**
   * The k best items of the whole catalog.
   * @param {{k?: number, exclude?: 'none'|'purchased'|'seen'|string[]}} [options] default k 10, exclude 'purchased'
   * @returns {{item: string, score: number}[]}
   */
  recommend(options = {}) {
    const handle = this._live();
    const k = options.k === undefined ? 10 : checkCount(options.k, 'k');
    const exclude = options.exclude === undefined ? 'purchased' : options.exclude;
    let mode = 0, excluded = [];
    if (Array.isArray(exclude)) {
      excluded = exclude;
    } else if (Object.hasOwn(EXCLUDE, exclude)) {
      mode = EXCLUDE[exclude];
    } else {
      throw new TypeError(`tandem: exclude must be 'none', 'purchased', 'seen' or an array of ids, got ${describe(exclude)}`);
    }
    const rec = this._rec;
    const module = rec._module;
    const kk = Math.min(k, rec.itemCount);
    const ex = new Int32Array(excluded.length);
    let m = 0;
    for (const id of excluded) {
      if (typeof id !== 'string') throw new TypeError('tandem: excluded ids must be strings');
      const row = rec._row(id);
      if (row >= 0) ex[m++] = row;
    }
    const base = rec._scratch.reserve(excluded.length * 4 + kk * 8 + 16);
    module.HEAP32.set(ex, base >> 2);
    const rowsPtr = base + excluded.length * 4, scoresPtr = rowsPtr + kk * 4;
    const count = handle.recommend(kk, mode, base, m, rowsPtr, scoresPtr);
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = { item: rec._id(module.HEAP32[(rowsPtr >> 2) + i]), score: module.HEAPF32[(scoresPtr >> 2) + i] };
    }
    return out;
  }

  /**
   * The long-term profile: a Float32Array of recommender.profileLength values, or the bytes of a
   * profile file (checked against the model's fingerprint). null clears it.
   */
  setProfile(profile) {
    const handle = this._live();
    const module = this._rec._module;
    if (profile === null) {
      handle.clearProfile();
      return;
    }
    let error;
    if (profile instanceof Float32Array) {
      error = withBytes(module, new Uint8Array(profile.buffer, profile.byteOffset, profile.byteLength), (ptr) =>
        handle.setProfile(ptr, profile.length),
      );
    } else if (profile instanceof ArrayBuffer || profile instanceof Uint8Array) {
      error = withBytes(module, toUint8Array(profile, 'profile'), (ptr, size) => handle.setProfileFile(ptr, size));
    } else {
      throw new TypeError(`tandem: profile must be a Float32Array of ${this._rec.profileLength} values or a profile file's bytes, got ${describe(profile)}`);
    }
    if (error) throw fail(error);
  }

  /** The current profile vector (after foldRecentEvents, the device's updated copy). */
  profile() {
    const handle = this._live();
    const rec = this._rec;
    const ptr = rec._scratch.reserve(rec.profileLength * 4);
    handle.profile(ptr);
    return rec._module.HEAPF32.slice(ptr >> 2, (ptr >> 2) + rec.profileLength);
  }

  /** Folds the recent events into the local copy of the long-term profile. */
  foldRecentEvents() {
    this._live().foldRecentEvents();
  }

  /** The share of long-term interest in the current ranking, 0..1. */
  get gate() {
    return this._live().gateMean();
  }

  /** Events that updated the state, unknown items ignored, short-term sessions started. */
  get counters() {
    const h = this._live();
    return { events: h.events(), unknownItems: h.unknownItems(), sessions: h.sessions() };
  }

  /** The recent events, oldest first: { item, type, time (ms) }. */
  recentEvents() {
    const h = this._live();
    const rec = this._rec;
    return Array.from({ length: h.recentCount() }, (_, i) => ({
      item: rec._id(h.recentItem(i)),
      type: rec.eventTypes[h.recentType(i)],
      time: h.recentTime(i) * 1000,
    }));
  }

  /** Forgets the short-term state and recent events; keeps the profile. */
  reset() {
    this._live().reset();
  }

  /** The state to keep between page loads (versioned, checksummed, tied to the model). */
  saveState() {
    return this._live().saveState().slice();
  }

  /** Restores a saved state; throws (and changes nothing) when it is corrupt, stale or from another model. */
  restoreState(bytes) {
    const handle = this._live();
    const error = withBytes(this._rec._module, toUint8Array(bytes, 'state'), (ptr, size) => handle.restoreState(ptr, size));
    if (error) throw fail(error);
  }

  close() {
    if (!this._handle) return;
    finalizer?.unregister(this);
    this._release();
    this._handle = null;
    this._rec._sessions.delete(this._ref);
  }
}

function checkCount(value, name) {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`tandem: ${name} must be a non-negative integer, got ${describe(value)}`);
  return value;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : String(value);
}
