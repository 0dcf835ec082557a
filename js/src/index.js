// tandem-rec: private, on-device reranking for storefront pages.
//
// Recommender: the model (immutable, shared by sessions), created asynchronously once per page.
// Session: one shopper's short-term state; observe / rerank / recommend are synchronous.
// Both hold wasm memory: close() frees it (a FinalizationRegistry frees what a page forgets).
// The wasm handles are thin (bindings/tandem_bindings.cpp); checking arguments, moving arrays,
// persistence and DOM tracking live here and in persist.js / autotrack.js. Lifetimes: docs/js-lifetimes.md.
import { resolveEventType, startTracking } from './autotrack.js';
import { fetchBytes, instantiate, toUint8Array, wasmSource } from './loader.js';
import { Store, fromBase64, toBase64 } from './persist.js';

const EXCLUDE = { none: 0, purchased: 1, seen: 2 };

const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((release) => release()) : null;
// Where WeakRef is missing, so is FinalizationRegistry: nothing would free a forgotten session
// anyway, so the Recommender holds its sessions strongly and close() still frees them all.
const weakRef = typeof WeakRef === 'function' ? (target) => new WeakRef(target) : (target) => ({ deref: () => target });

// The functions the finalizer holds are made out here, not in the constructors: a closure made in
// a constructor shares its scope with the constructor's other closures, and one of them using
// `this` would make the held function keep the object alive, so it would never be collected.
const releaseModel = (scratch, handle) => () => {
  scratch.free();
  handle.delete();
};
// A session leaves its Recommender's set when closed or collected, so a page that never closes
// its sessions does not grow the set.
const releaseSession = (handle, sessions, ref) => () => {
  handle.delete();
  sessions.delete(ref);
};

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
      const size = Math.max(bytes, this.size * 2, 1024);
      this.free();
      // A failed allocation leaves the block empty (not a size without memory), so the next, smaller
      // request allocates again instead of writing at address 0.
      const ptr = this.module._malloc(size);
      if (!ptr) throw fail(`out of wasm memory (asked for ${size} bytes)`);
      this.ptr = ptr;
      this.size = size;
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
   * @param {{wasmUrl?: string|URL, wasmBinary?: ArrayBuffer|ArrayBufferView, verify?: boolean,
   *          onProgress?: (p: {what: 'model'|'wasm', loaded: number, total: number|null}) => void}} [options]
   */
  static async create(source, options = {}) {
    if (source === null || typeof source !== 'object') throw new TypeError('tandem: Recommender.create needs { modelUrl } or { modelBuffer }');
    const hasUrl = source.modelUrl !== undefined, hasBuffer = source.modelBuffer !== undefined;
    if (hasUrl === hasBuffer) throw new TypeError('tandem: give exactly one of modelUrl and modelBuffer');
    if (hasUrl) checkUrl(source.modelUrl, 'modelUrl');
    else toUint8Array(source.modelBuffer, 'modelBuffer'); // checked again when used: it may be transferred meanwhile
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: options must be an object');
    if (options.wasmUrl !== undefined && options.wasmBinary !== undefined) throw new TypeError('tandem: give at most one of wasmUrl and wasmBinary');
    if (options.wasmUrl !== undefined) checkUrl(options.wasmUrl, 'wasmUrl');
    const { onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('tandem: onProgress must be a function');
    const wasm = wasmSource(options); // the last check: nothing is fetched for a call that fails
    const [module, modelBytes] = await Promise.all([
      instantiate(wasm, onProgress),
      hasUrl ? fetchBytes(source.modelUrl, 'the model', 'model', onProgress) : Promise.resolve(source.modelBuffer),
    ]);
    return Recommender._fromModule(module, modelBytes, options);
  }

  /** @private the instantiated module and the model bytes -> a Recommender (tests pass a fake module here). */
  static _fromModule(module, modelBytes, { verify = true } = {}) {
    return new Recommender(module, toUint8Array(modelBytes, 'modelBuffer'), verify !== false);
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
    this._lastIds = null;     // the last candidate list (a copy) and its rows: pages rerank the
    this._lastRows = null;    // same list after every event, so it is not looked up again
    this._ids = [];           // row -> storefront id, filled on demand
    this._sessions = new Set(); // weak references to the open sessions, for close()
    this.eventTypes = Array.from({ length: handle.eventTypeCount() }, (_, i) => handle.eventType(i));
    this._typeIndex = new Map(this.eventTypes.map((t, i) => [t, i]));
    this.purchaseEvent = handle.purchaseEvent() || null;
    this.itemCount = handle.itemCount();
    this.dim = handle.dim();
    this.profileLength = handle.profileLength();
    this.fingerprint = handle.fingerprint();
    this.quantized = handle.quantized();
    this.metadata = JSON.parse(handle.metadata());
    this._release = releaseModel(this._scratch, handle);
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
      // Only catalog ids are kept, so the cache stays within the catalog's size whatever ids (and
      // however long) a page sends; an unknown id is looked up again each time.
      if (row >= 0) this._rows.set(id, row);
    }
    return row;
  }

  /** Rows of a candidate list (Int32Array; -1 for unknown ids), checking every id is a string. */
  _candidateRows(items) {
    const n = items.length, last = this._lastIds;
    if (last !== null && last.length === n) {
      let i = 0;
      while (i < n && items[i] === last[i]) i++;
      if (i === n) return this._lastRows;
    }
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const id = items[i];
      if (typeof id !== 'string') throw new TypeError(`tandem: rerank candidate ${i} must be a string, got ${describe(id)}`);
      rows[i] = this._row(id);
    }
    this._lastIds = items.slice();
    this._lastRows = rows;
    return rows;
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
   * A shopper session. See SessionOptions in index.d.ts: profile, persist, storageKey.
   */
  session(options = {}) {
    this._live();
    return new Session(this, options);
  }

  /** The model's event type for a page-level kind ('view', 'click', 'cart', 'fav', 'purchase'), or undefined. */
  eventTypeFor(kind) {
    return resolveEventType(this.eventTypes, this.purchaseEvent, kind);
  }

  /**
   * Turns views (visible >= visibleFraction for >= dwellMs) and clicks of elements with
   * data-tandem-item under `root`, and data-tandem-event buttons, into events of `session`.
   * Returns the stop function. Needs a DOM (the main thread).
   */
  autoTrack(root, options = {}) {
    this._live();
    if (root === null || typeof root !== 'object' || typeof root.addEventListener !== 'function' || typeof root.querySelectorAll !== 'function') {
      throw new TypeError('tandem: autoTrack needs a DOM element to watch');
    }
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: autoTrack options must be an object');
    const { session, visibleFraction = 0.5, dwellMs = 1000, onEvent } = options;
    if (!(session instanceof Session) || session._rec !== this) throw new TypeError('tandem: autoTrack needs { session } from this Recommender');
    if (typeof visibleFraction !== 'number' || !(visibleFraction > 0 && visibleFraction <= 1)) {
      throw new TypeError(`tandem: visibleFraction must be a number in (0, 1], got ${describe(visibleFraction)}`);
    }
    if (typeof dwellMs !== 'number' || !(dwellMs >= 0)) throw new TypeError(`tandem: dwellMs must be a non-negative number, got ${describe(dwellMs)}`);
    if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('tandem: onEvent must be a function');
    return startTracking(root, { visibleFraction, dwellMs }, (item, kind) => {
      if (!session._handle || !this._handle) return false;
      const type = this.eventTypeFor(kind);
      if (type === undefined) {
        session._warn(`kind:${kind}`, `tandem: autoTrack ignores data-tandem-event=${JSON.stringify(kind)}: this model's event types are ${this.eventTypes.join(', ')}`);
        return true;
      }
      const event = { item, type, time: Date.now() };
      session.observe(event);
      onEvent?.({ ...event, kind });
      return true;
    });
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
    const { profile, persist, storageKey = 'tandem-session' } = options;
    const profileUrl = typeof profile === 'string' || profile instanceof URL;
    const profileGiven = profile !== undefined && profile !== null && !profileUrl;
    this._rec = recommender;
    this._warned = new Set();
    // A session that fails changes nothing: the options' types are checked before allocating, and
    // the profile's values (which the engine checks) on the new handle, before the storage is read.
    const store = persist === undefined || persist === null || persist === false ? null : new Store(persist, storageKey, (kind, message) => this._warn(kind, message));
    if (profileGiven) checkProfile(profile, recommender.profileLength);
    const handle = new recommender._module.SessionHandle(recommender._handle);
    const ref = weakRef(this);
    recommender._sessions.add(ref);
    this._handle = handle;
    this._release = releaseSession(handle, recommender._sessions, ref);
    finalizer?.register(this, this._release, this);
    try {
      // A state restored below brings its own (possibly folded) profile and replaces this one: the
      // option is for a new visitor.
      if (profileGiven) this._applyProfile(profile);
      this._store = store;
      // While an asynchronous storage is read: every change made meanwhile (applied at once, and
      // replayed in order on the restored state), whether one of them set the profile, and
      // whether forget() made the state being read void.
      this._pending = null;

      const saved = store ? store.load() : null;
      if (saved === null || typeof saved === 'string') {
        const restored = saved !== null && this._restoreSaved(saved);
        /** Resolves when a profile URL is fetched and an asynchronous storage is read (rejects if the profile fails). */
        this.ready = profileUrl && !restored ? this._loadProfile(profile) : Promise.resolve(this);
      } else {
        this._pending = { changes: [], profileSet: false }; // nothing is saved until the stored state has been read
        const profileBytes = profileUrl ? fetchBytes(profile, 'the profile', 'profile') : null;
        profileBytes?.catch(() => {}); // awaited below; avoids an unhandled rejection while the storage is read
        this.ready = saved.then(async (text) => {
          const pending = this._pending;
          this._pending = null;
          if (!this._handle) return this;
          if (text !== null && !pending.forgotten && this._restoreSaved(text)) {
            for (const change of pending.changes) change();
          } else if (profileBytes && !pending.profileSet) {
            const bytes = await profileBytes;
            if (!this._handle) return this;
            this._applyProfile(bytes);
          }
          if (!pending.forgotten || pending.changes.length > 0) this._persist();
          return this;
        });
      }
    } catch (e) {
      this.close();
      throw e;
    }
    // Pages that never await `ready` still hear about a failed profile download.
    this.ready.catch((e) => this._warn('profile', e.message));
  }

  _warn(kind, message) {
    if (this._warned.has(kind)) return;
    this._warned.add(kind);
    console.warn(message);
  }

  /** Restores a saved base64 state; a bad one is discarded (and removed) with a warning. */
  _restoreSaved(text) {
    let error;
    try {
      error = this._restoreBytes(fromBase64(text));
    } catch {
      error = 'the saved text is not base64';
    }
    if (!error) return true;
    this._warn('discard', `tandem: discarding the saved session state (${error.replace(/^session state: /, '')}); starting a fresh session`);
    this._store.clear();
    return false;
  }

  _restoreBytes(bytes) {
    const handle = this._handle;
    return withBytes(this._rec._module, bytes, (ptr, size) => handle.restoreState(ptr, size));
  }

  async _loadProfile(url) {
    const bytes = await fetchBytes(url, 'the profile', 'profile');
    if (this._handle) this.setProfile(bytes);
    return this;
  }

  /** Saves the state after a change (nothing while an asynchronous restore is pending). */
  _persist() {
    if (this._store && this._pending === null && this._handle) this._store.save(toBase64(this._handle.saveState()));
  }

  /**
   * Keeps a change already applied to replay it on the restored state, while an asynchronous
   * storage is read, so that the result is as if the saved state had been there from the start.
   */
  _keep(change, { setsProfile = false } = {}) {
    if (!this._pending) return;
    this._pending.changes.push(change);
    if (setsProfile) this._pending.profileSet = true;
  }

  _live() {
    if (!this._handle) throw fail('this session is closed');
    if (!this._rec._handle) throw fail('the Recommender of this session is closed');
    return this._handle;
  }

  /**
   * The shopper is back at `time` (milliseconds, default now). After more than the model's session
   * timeout since the last event the visit has ended: the short-term state resets (as the next
   * event would reset it), and until then scores are those of a new visit: the long-term profile
   * and the recently seen items, which is what the trainer scores such requests with. Earlier
   * times change nothing.
   * @param {number} [time]
   */
  resume(time = Date.now()) {
    this._live();
    this._resume(checkTime(time, 'time'));
  }

  /** resume() once its time is checked (rerank and recommend call it after all their checks). */
  _resume(seconds) {
    const handle = this._handle;
    const ended = handle.resumeAt(seconds);
    this._keep(() => handle.resumeAt(seconds));
    if (ended === 1) this._persist();
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
    const seconds = checkTime(time, 'event.time');
    const row = this._rec._row(item);
    const error = handle.observe(row, typeIndex, seconds);
    if (error) throw fail(error);
    this._keep(() => handle.observe(row, typeIndex, seconds));
    this._persist();
  }

  /**
   * The candidates sorted by score, best first (ties keep the given order). Unknown ids are scored
   * as the catalog's average item. Returns every candidate unless `top` is given. Each entry has
   * longTerm = |long| / (|long| + |short|), the share of the long-term profile in what the interest
   * contributed (0.5 when both are 0), and the session's gate.
   * With `time` (milliseconds, e.g. Date.now()), the ranking is asked for at that time: once more
   * than the model's session timeout has passed since the last event, the visit has ended and
   * the new one starts without its short-term state (see resume()).
   * @param {string[]} items
   * @param {{top?: number, time?: number}} [options]
   * @returns {{item: string, score: number, longTerm: number, gate: number}[]}
   */
  rerank(items, options = {}) {
    const handle = this._live();
    if (!Array.isArray(items)) throw new TypeError('tandem: rerank needs an array of item ids');
    checkOptions(options, 'rerank');
    const seconds = options.time === undefined ? undefined : checkTime(options.time, 'time');
    const n = items.length;
    const top = options.top === undefined ? n : checkCount(options.top, 'top');
    const rec = this._rec;
    const module = rec._module;
    // Resolve ids first: an id lookup may grow wasm memory, which replaces the heap views.
    const rows = rec._candidateRows(items);
    // One block: rows | positions | scores | ranked rows | long parts | short parts.
    const base = rec._scratch.reserve(n * 24 + 16);
    // Everything that can fail has been done: only now may the call end the visit.
    if (seconds !== undefined) this._resume(seconds);
    const gate = handle.gateMean();
    const positionsPtr = base + n * 4, scoresPtr = base + n * 8, rankedPtr = base + n * 12;
    const longPtr = base + n * 16, shortPtr = base + n * 20;
    module.HEAP32.set(rows, base >> 2);
    const count = handle.rerank(base, n, Math.min(top, n), positionsPtr, scoresPtr);
    const positions = module.HEAP32.subarray(positionsPtr >> 2, (positionsPtr >> 2) + count);
    for (let i = 0; i < count; i++) module.HEAP32[(rankedPtr >> 2) + i] = rows[positions[i]];
    handle.scoreParts(rankedPtr, count, longPtr, shortPtr);
    const f32 = module.HEAPF32, i32 = module.HEAP32;
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      const long = Math.abs(f32[(longPtr >> 2) + i]), short = Math.abs(f32[(shortPtr >> 2) + i]);
      out[i] = {
        item: items[i32[(positionsPtr >> 2) + i]],
        score: f32[(scoresPtr >> 2) + i],
        longTerm: long + short > 0 ? long / (long + short) : 0.5,
        gate,
      };
    }
    return out;
  }

  /**
   * The k best items of the whole catalog (`time` as for rerank).
   * @param {{k?: number, exclude?: 'none'|'purchased'|'seen'|string[], time?: number}} [options] default k 10, exclude 'purchased'
   * @returns {{item: string, score: number}[]}
   */
  recommend(options = {}) {
    const handle = this._live();
    checkOptions(options, 'recommend');
    const seconds = options.time === undefined ? undefined : checkTime(options.time, 'time');
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
    // Everything that can fail has been done: only now may the call end the visit.
    if (seconds !== undefined) this._resume(seconds);
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
   * profile file (checked against the model's fingerprint), or null to clear it: applied at once.
   * A URL (string or URL) is fetched: returns a promise, and the profile applies when it arrives.
   */
  setProfile(profile) {
    this._live();
    if (typeof profile === 'string' || profile instanceof URL) return this._loadProfile(profile).then(() => undefined);
    this._applyProfile(profile);
    // An explicit profile outlives the one a state restored meanwhile brings.
    if (this._pending) {
      const copy = profile === null ? null : profile.slice();
      this._keep(() => this._applyProfile(copy), { setsProfile: true });
    }
    this._persist();
    return undefined;
  }

  /** Hands a vector, a profile file's bytes or null to the engine (without saving). */
  _applyProfile(profile) {
    const handle = this._live();
    const module = this._rec._module;
    if (profile === null) {
      handle.clearProfile();
      return;
    }
    const vector = checkProfile(profile, this._rec.profileLength) === 'vector';
    const error = withBytes(module, toUint8Array(profile, 'profile'), (ptr, size) =>
      vector ? handle.setProfile(ptr, profile.length) : handle.setProfileFile(ptr, size),
    );
    if (error) throw fail(error);
  }

  /** The current profile vector (after foldSession, the device's updated copy). */
  profile() {
    const handle = this._live();
    const rec = this._rec;
    const ptr = rec._scratch.reserve(rec.profileLength * 4);
    handle.profile(ptr);
    return rec._module.HEAPF32.slice(ptr >> 2, (ptr >> 2) + rec.profileLength);
  }

  /** Folds the session's recent events into the local copy of the long-term profile (and persists it). */
  foldSession() {
    const handle = this._live();
    handle.foldRecentEvents();
    this._keep(() => handle.foldRecentEvents());
    this._persist();
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
    const handle = this._live();
    handle.reset();
    this._keep(() => handle.reset());
    this._persist();
  }

  /** Forgets everything this device knows: short-term state, recent events, the profile, and the saved copy. */
  forget() {
    const handle = this._live();
    handle.reset();
    handle.clearProfile();
    // The state being read is the saved copy forgotten here: it is not restored.
    if (this._pending) this._pending = { changes: [], profileSet: true, forgotten: true };
    return this._store ? Promise.resolve(this._store.clear()).then(() => undefined) : Promise.resolve();
  }

  /** The state to keep between page loads (versioned, checksummed, tied to the model). */
  saveState() {
    return this._live().saveState().slice();
  }

  /** Restores a saved state; throws (and changes nothing) when it is corrupt, stale or from another model. */
  restoreState(bytes) {
    this._live();
    const state = toUint8Array(bytes, 'state');
    const error = this._restoreBytes(state);
    if (error) throw fail(error);
    if (this._pending) {
      const copy = state.slice();
      this._keep(() => this._restoreBytes(copy), { setsProfile: true });
    }
    this._persist();
  }

  close() {
    if (!this._handle) return;
    finalizer?.unregister(this);
    this._release();
    this._handle = null;
  }
}

/** 'vector' or 'file' for a valid profile argument; throws a TypeError otherwise. */
function checkProfile(profile, length) {
  if (profile instanceof Float32Array) return 'vector';
  if (profile instanceof ArrayBuffer || profile instanceof Uint8Array) return 'file';
  throw new TypeError(`tandem: profile must be a Float32Array of ${length} values, a profile file's bytes or its URL, got ${describe(profile)}`);
}

// The range of a JavaScript Date, which the engine also holds times to (src/core/limits.h):
// checked here so that it is said in the API's unit, and before anything changes, for every method
// that takes a time (the engine's resume does not report it).
const MAX_TIME_MS = 8.64e15;

/** A time in milliseconds, as the engine's seconds. */
function checkTime(time, name) {
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new TypeError(`tandem: ${name} must be a finite number of milliseconds, got ${describe(time)}`);
  if (Math.abs(time) > MAX_TIME_MS) throw new RangeError(`tandem: ${name} must lie within ±8.64e15 ms (the range of a Date), got ${time}`);
  return time / 1000;
}

function checkUrl(url, name) {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`tandem: ${name} must be a string or a URL, got ${describe(url)}`);
}

function checkOptions(options, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`tandem: ${what} options must be an object, got ${describe(options)}`);
}

function checkCount(value, name) {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`tandem: ${name} must be a non-negative integer, got ${describe(value)}`);
  return value;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : String(value);
}
