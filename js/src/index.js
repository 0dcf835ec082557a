// tandem-rec: private, on-device reranking for storefront pages.
//
// Recommender: the model, shared by its sessions (its weights fixed, its catalog changed by addItems
// and removeItems), created asynchronously once per page.
// Session: one shopper's short-term state; observe / rerank / recommend are synchronous.
// Both hold wasm memory: close() frees it (a FinalizationRegistry frees what a page forgets).
// The wasm handles are thin (bindings/tandem_bindings.cpp); checking arguments, moving arrays,
// persistence, event names, measurement and DOM tracking live here and in persist.js, events.js,
// measure.js and autotrack.js. Lifetimes: docs/js-lifetimes.md; measurement: docs/measuring.md.
import { recommendationOf, startTracking } from './autotrack.js';
import { checkEventMap, resolveEvent, resolveKind } from './events.js';
import { fetchBytes, instantiate, pageUrl, toUint8Array, wasmSource } from './loader.js';
import { Measure, newRecommendationId, parseRecord, recordText } from './measure.js';
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
const releaseModel = (scratch, handle, prior) => () => {
  scratch.free();
  prior.handle?.delete();
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

const encoder = new TextEncoder();

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

/** Throws unless `rows` (an argument of `what`) is an Int32Array or an array; returns whether it is typed. */
function checkRowsType(rows, what) {
  const typed = rows instanceof Int32Array;
  if (!typed && !Array.isArray(rows)) throw new TypeError(`tandem: ${what} needs an Int32Array or an array of rows (from rec.rows(ids)), got ${describe(rows)}`);
  return typed;
}

/** Copies bytes into newly allocated wasm memory; returns their address. */
function copyIn(module, bytes) {
  const ptr = module._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw fail(`out of wasm memory (asked for ${bytes.byteLength} bytes)`);
  module.HEAPU8.set(bytes, ptr);
  return ptr;
}

/** Copies bytes into wasm memory for the duration of `use(ptr, size)`. */
function withBytes(module, bytes, use) {
  const ptr = copyIn(module, bytes);
  try {
    return use(ptr, bytes.byteLength);
  } finally {
    module._free(ptr);
  }
}

export class Recommender {
  /**
   * @param {{modelUrl?: string|URL, modelBuffer?: ArrayBuffer|ArrayBufferView}} source exactly one of the two
   * @param {import('./index.d.ts').CreateOptions} [options] see index.d.ts
   */
  static async create(source, options = {}) {
    if (source === null || typeof source !== 'object') throw new TypeError('tandem: Recommender.create needs { modelUrl } or { modelBuffer }');
    const hasUrl = source.modelUrl !== undefined, hasBuffer = source.modelBuffer !== undefined;
    if (hasUrl === hasBuffer) throw new TypeError('tandem: give exactly one of modelUrl and modelBuffer');
    if (hasUrl) checkUrl(source.modelUrl, 'modelUrl');
    else toUint8Array(source.modelBuffer, 'modelBuffer'); // checked again when used: it may be transferred meanwhile
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: options must be an object');
    for (const name of ['wasmUrl', 'wasmPath']) if (options[name] !== undefined) checkUrl(options[name], name);
    const { onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('tandem: onProgress must be a function');
    checkModelOptions(options);
    const wasm = wasmSource(options); // the last check: nothing is fetched for a call that fails
    const [module, modelBytes] = await Promise.all([
      instantiate(wasm, onProgress),
      hasUrl ? fetchBytes(source.modelUrl, 'the model', 'model', onProgress) : Promise.resolve(source.modelBuffer),
    ]);
    return Recommender._fromModule(module, modelBytes, options);
  }

  /** @private the instantiated module and the model bytes -> a Recommender (tests pass a fake module here). */
  static _fromModule(module, modelBytes, options = {}) {
    return new Recommender(module, toUint8Array(modelBytes, 'modelBuffer'), checkModelOptions(options));
  }

  /** @private use Recommender.create */
  constructor(module, bytes, { verify, holdout, eventMap, hooks }) {
    this._module = module;
    const handle = new module.ModelHandle();
    // The model takes the copy for good (it reads its item table there, bindings' load): one copy
    // of the file in wasm memory, not two.
    const error = handle.load(copyIn(module, bytes), bytes.byteLength, verify);
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
    // Rows removeItems delisted (1; addItems lists them again), for rerankRows, which takes rows a
    // page resolved before: a delisted row is scored as an unknown id, as rerank scores its id.
    // null until the first removeItems; then a Uint8Array of at least itemCount entries.
    this._delisted = null;
    this._catalogs = new Map(); // catalog.json URL -> promise of its checked manifest (loadParts)
    this._parts = new Map();    // part URL -> promise of its addition, once asked for (loadParts)
    this._sessions = new Set(); // weak references to the open sessions, for close()
    // The session of a shopper nobody knows (no profile, no events), made when the holdout arm
    // first asks recommend() for the catalog's non-personal order (see Session.recommend).
    this._prior = { handle: null };
    this.eventTypes = Array.from({ length: handle.eventTypeCount() }, (_, i) => handle.eventType(i));
    this._typeIndex = new Map(this.eventTypes.map((t, i) => [t, i]));
    this.purchaseEvent = handle.purchaseEvent() || null;
    this._names = { eventTypes: this.eventTypes, purchaseEvent: this.purchaseEvent, eventMap };
    // The model's types that are conversions (what onConversion reports and the counters count).
    this._conversions = new Map();
    for (const kind of ['cart', 'purchase']) {
      const type = resolveKind(this.eventTypes, this.purchaseEvent, kind);
      if (type !== undefined) this._conversions.set(type, kind);
    }
    this.holdout = holdout;
    this._hooks = hooks;
    this.itemCount = handle.itemCount();
    this.dim = handle.dim();
    this.profileLength = handle.profileLength();
    this.fingerprint = handle.fingerprint();
    this.quantized = handle.quantized();
    this.metadata = JSON.parse(handle.metadata());
    this._release = releaseModel(this._scratch, handle, this._prior);
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

  /**
   * Writes the ids items[i] for i of `which` into wasm memory as the bindings take them (UTF-8
   * bytes back to back, their lengths as int32, -1 for an id that cannot be one), after `extra`
   * bytes the caller uses; returns { base (the extra bytes), lengths, bytes } addresses.
   */
  _writeIds(items, which, extra) {
    const module = this._module;
    let bound = 0;
    for (const i of which) bound += 3 * items[i].length;  // UTF-8 takes at most 3 bytes per UTF-16 unit
    // One block: extra | lengths | bytes.
    const base = this._scratch.reserve(extra + 4 * which.length + bound + 16);
    const lengths = base + extra, bytes = lengths + 4 * which.length;
    let end = bytes;
    for (let k = 0; k < which.length; k++) {
      const id = items[which[k]];
      // A lone surrogate would be encoded as U+FFFD and could match an id holding one: such an id is
      // unknown (browsers without isWellFormed, before 2023, take that small risk).
      const written = wellFormed(id) ? encoder.encodeInto(id, module.HEAPU8.subarray(end, end + 3 * id.length)).written : -1;
      module.HEAP32[(lengths >> 2) + k] = written;
      end += Math.max(0, written);
    }
    return { base, lengths, bytes };
  }

  /**
   * Looks the ids items[i] for i of `misses` up in the model, all in one call (UTF-8 bytes back to
   * back in wasm memory, with their lengths), into rows; caches the catalog ones as _row() does.
   */
  _findRows(items, misses, rows) {
    const module = this._module;
    // One block: rows | lengths | bytes.
    const { base, lengths, bytes } = this._writeIds(items, misses, 4 * misses.length);
    this._handle.findItems(bytes, lengths, misses.length, base);
    for (let k = 0; k < misses.length; k++) {
      const row = module.HEAP32[(base >> 2) + k];
      rows[misses[k]] = row;
      if (row >= 0) this._rows.set(items[misses[k]], row);
    }
  }

  /** Rows of a candidate list of ids (Int32Array; -1 for unknown ids), checking every id is a string. */
  _candidateRows(items) {
    const n = items.length, last = this._lastIds;
    if (last !== null && last.length === n) {
      let i = 0;
      while (i < n && items[i] === last[i]) i++;
      if (i === n) return this._lastRows;
    }
    const rows = new Int32Array(n);
    this._lookup(items, rows, 'rerank');
    this._lastIds = items.slice();
    this._lastRows = rows;
    return rows;
  }

  /**
   * Writes the rows of the ids `items` into `rows` (-1 for unknown ids): cached ones from the Map,
   * the others in one batched call (_findRows). Every id is checked to be a string first (a
   * TypeError naming it, in the words of `what`: 'rerank' or 'rows'), before any lookup.
   */
  _lookup(items, rows, what) {
    const n = items.length;
    const misses = [];
    for (let i = 0; i < n; i++) {
      const id = items[i];
      if (typeof id !== 'string') {
        throw new TypeError(what === 'rerank'
          ? `tandem: rerank candidate ${i} must be an item id or { item, price, discount }, got ${describe(id)}`
          : `tandem: ${what}: id ${i} must be a string, got ${describe(id)}`);
      }
      const row = this._rows.get(id);
      if (row === undefined) misses.push(i);
      else rows[i] = row;
    }
    if (misses.length > 0) this._findRows(items, misses, rows);
  }

  /**
   * Checks a rows argument (an Int32Array, or an array of integers) of a call named `what`: every
   * entry a row of this model or -1 (unknown). With `heap32` and `at`, also writes them there, a
   * delisted row (removeItems) as -1: rerank treats a delisted id as unknown. Returns its length.
   */
  _checkRows(rows, what, heap32, at) {
    const typed = checkRowsType(rows, what);
    const n = rows.length, count = this.itemCount, delisted = this._delisted;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (!typed && !Number.isInteger(row)) throw new TypeError(`tandem: ${what}: row ${i} must be an integer (a row from rec.rows(ids)), got ${describe(row)}`);
      if (row < -1 || row >= count) throw new RangeError(`tandem: ${what}: row ${i} is ${row}, not a row of this model (0 to ${count - 1}, or -1 for an unknown item)`);
      if (heap32 !== undefined) heap32[at + i] = delisted !== null && row >= 0 && delisted[row] === 1 ? -1 : row;
    }
    return n;
  }

  /**
   * The model's rows of storefront ids, resolved once (a page's candidate list when it is made),
   * for Session.rerankRows: an Int32Array, -1 for an id the model does not know (or no longer:
   * removeItems). A row stays this id's for the Recommender's life (addItems appends rows, and
   * removeItems delists without moving any). The ids are checked as rerank checks them.
   * @param {string[]} ids
   * @returns {Int32Array}
   */
  rows(ids) {
    this._live();
    if (!Array.isArray(ids)) throw new TypeError(`tandem: rows needs an array of item ids, got ${describe(ids)}`);
    const rows = new Int32Array(ids.length);
    this._lookup(ids, rows, 'rows');
    return rows;
  }

  /**
   * The storefront ids of rows (the inverse of rows()): null for -1. A delisted row still names
   * its id. Throws a TypeError or RangeError for anything that is not a row of this model or -1.
   * @param {Int32Array | number[]} rows
   * @returns {(string | null)[]}
   */
  itemIds(rows) {
    this._live();
    const n = this._checkRows(rows, 'itemIds');
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = rows[i] < 0 ? null : this._id(rows[i]);
    return out;
  }

  _id(row) {
    let id = this._ids[row];
    if (id === undefined) id = this._ids[row] = this._handle.itemId(row);
    return id;
  }

  /** The prior session (see the constructor), made on first use. */
  _priorSession() {
    this._prior.handle ??= new this._module.SessionHandle(this._handle);
    return this._prior.handle;
  }

  /** Calls a hook of the page; a hook that throws is reported, and breaks nothing here. */
  _call(name, payload) {
    const hook = this._hooks[name];
    if (hook) report(name, () => hook(payload));
  }

  /** Whether the model knows a storefront item id (delisted ones, removeItems, it no longer knows). */
  hasItem(id) {
    this._live();
    if (typeof id !== 'string') throw new TypeError('tandem: item ids are strings');
    return this._row(id) >= 0;
  }

  /** Whether recommend() may return an item: the model knows it, and it is not marked unavailable. */
  isRecommendable(id) {
    const handle = this._live();
    if (typeof id !== 'string') throw new TypeError('tandem: item ids are strings');
    const row = this._row(id);
    return row >= 0 && handle.recommendable(row);
  }

  /**
   * Adds new products and updates known ones, without retraining: `{ id, category, brand, price,
   * listPrice, discount, available, ...labels }` each, every field but the id optional. A new id
   * is scored by its features (category path, brand, price and discount buckets, labels the model
   * was trained with) and the model's cold-item vector; a known id gets the fields given (the
   * others stay). `available: false` keeps an item findable but out of recommend(). Sessions see
   * the change at once. Everything is checked before anything changes: a call that throws has
   * changed nothing. Returns how many ids were new and how many were known (or delisted before).
   * @param {import('./index.d.ts').CatalogItem[]} items
   * @returns {{added: number, updated: number}}
   */
  addItems(items) {
    const handle = this._live();
    if (!Array.isArray(items)) throw new TypeError(`tandem: addItems needs an array of items { id, category, price, ... }, got ${describe(items)}`);
    const rows = Array.from(items, catalogRow);
    const before = handle.itemCount();
    const error = handle.updateItems(JSON.stringify(rows));
    if (error) throw fail(`addItems: ${error}`);
    // A delisted id given again is listed again, on its row (before the subscribers hear of it).
    if (this._delisted !== null && rows.length > 0) {
      const ids = rows.map((row) => row.id), found = new Int32Array(ids.length);
      this._findRows(ids, Array.from(ids, (_, i) => i), found);
      for (const row of found) if (row >= 0 && row < this._delisted.length) this._delisted[row] = 0;
    }
    this._catalogChanged();
    const added = this.itemCount - before;
    return { added, updated: rows.length - added };
  }

  /**
   * Delists products: the model no longer knows them (observe and rerank treat them as unknown ids)
   * and recommend() never returns them. addItems lists an id again. Returns how many were listed.
   * @param {string[]} ids
   */
  removeItems(ids) {
    const handle = this._live();
    if (!Array.isArray(ids)) throw new TypeError(`tandem: removeItems needs an array of item ids, got ${describe(ids)}`);
    const all = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== 'string') throw new TypeError(`tandem: removeItems id ${i} must be a string, got ${describe(ids[i])}`);
      all[i] = i;
    }
    // The rows being delisted (those listed now), for rerankRows.
    const rows = new Int32Array(ids.length);
    if (ids.length > 0) this._findRows(ids, all, rows);
    const { lengths, bytes } = this._writeIds(ids, all, 0);
    const count = handle.removeItems(bytes, lengths, ids.length);
    for (const id of ids) this._rows.delete(id);
    this._delisted ??= new Uint8Array(this.itemCount);
    for (const row of rows) if (row >= 0) this._delisted[row] = 1;
    this._catalogChanged();
    return count;
  }

  /**
   * Adds a catalog part `tandem split` wrote (docs/deploying.md, "Catalogs in parts"): its items
   * become known and recommendable, scored exactly as the whole model scores them. An id the model
   * knew (one addItems added cold, say) takes the part's trained row. The part is checked whole
   * first (made for this model, intact, every value in range): a rejected part changes nothing.
   * @param {{partUrl?: string|URL, partBuffer?: ArrayBuffer|ArrayBufferView}} source exactly one of the two
   * @returns {Promise<{added: number}>} how many of the part's items were new
   */
  async addPart(source) {
    this._live();
    if (source === null || typeof source !== 'object') throw new TypeError(`tandem: addPart needs { partUrl } or { partBuffer }, got ${describe(source)}`);
    const hasUrl = source.partUrl !== undefined, hasBuffer = source.partBuffer !== undefined;
    if (hasUrl === hasBuffer) throw new TypeError('tandem: addPart: give exactly one of partUrl and partBuffer');
    if (hasUrl) checkUrl(source.partUrl, 'partUrl');
    else toUint8Array(source.partBuffer, 'partBuffer');
    const bytes = hasUrl ? await fetchBytes(source.partUrl, 'the catalog part', 'part') : source.partBuffer;
    return this._addPart(toUint8Array(bytes, 'partBuffer'), hasUrl ? String(source.partUrl) : null);
  }

  /** Adds a part's bytes (where: its URL, for messages, or null). */
  _addPart(bytes, where) {
    const handle = this._live();
    const before = handle.itemCount();
    const error = withBytes(this._module, bytes, (ptr, size) => handle.addPart(ptr, size));
    if (error) throw fail(where === null ? `addPart: ${error}` : `the catalog part at ${where}: ${error}`);
    // A delisted id the part holds is listed again, on its row.
    if (this._delisted !== null) {
      for (let row = 0; row < before; row++) if (this._delisted[row] === 1 && handle.findItem(this._id(row)) === row) this._delisted[row] = 0;
    }
    this._catalogChanged();
    return { added: this.itemCount - before };
  }

  /**
   * Loads the parts of a split catalog (the catalog.json `tandem split` wrote beside the model
   * file) that hold items of some values of its feature: `values: ['home/kitchen']` (a path also
   * loads the paths under it: 'home' loads 'home/kitchen'), or `values: 'all'`. A part this
   * Recommender has (or is) loading is not fetched again; the others download in parallel and are
   * added as they arrive. Fails naming the file if the catalog or a part cannot be fetched or is
   * refused (the parts added before stay; a call again retries the others).
   * @param {{catalogUrl: string|URL, values: string[] | 'all', onProgress?: (p: {what: string, loaded: number, total: number|null}) => void}} options
   * @returns {Promise<{parts: number, added: number}>} the parts this call added, and their new items
   */
  async loadParts(options) {
    this._live();
    checkOptions(options, 'loadParts');
    const { catalogUrl, values, onProgress } = options;
    checkUrl(catalogUrl, 'catalogUrl');
    if (values !== 'all' && !(Array.isArray(values) && values.every((v) => typeof v === 'string'))) {
      throw new TypeError(`tandem: loadParts: values must be an array of strings or 'all', got ${describe(values)}`);
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('tandem: loadParts: onProgress must be a function');
    const href = pageUrl(catalogUrl, 'catalogUrl').href;
    let manifest = this._catalogs.get(href);
    if (manifest === undefined) {
      manifest = fetchBytes(href, 'the catalog', 'catalog', onProgress).then((bytes) => checkCatalog(bytes, href, this.fingerprint));
      manifest.catch(() => this._catalogs.delete(href)); // a failed fetch is tried again next time
      this._catalogs.set(href, manifest);
    }
    const { parts } = await manifest;
    const wanted = parts.filter((p) => values === 'all' || p.values.some((v) => v !== null && values.some((w) => v === w || v.startsWith(`${w}/`))));
    let added = 0, count = 0;
    // Every part is waited for before a failure is reported: what could arrive is added.
    const settled = await Promise.allSettled(wanted.map(async (part) => {
      const url = new URL(part.file, href).href;
      let pending = this._parts.get(url);
      if (pending === undefined) {
        pending = fetchBytes(url, 'the catalog part', 'part', onProgress).then((bytes) => this._addPart(toUint8Array(bytes, 'part'), url));
        pending.catch(() => this._parts.delete(url));
        this._parts.set(url, pending);
        const result = await pending;
        added += result.added;
        count++;
      } else {
        await pending;
      }
    }));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { parts: count, added };
  }

  /** After addItems, removeItems or a part: ids map to other rows, the item count grew, rankings changed. */
  _catalogChanged() {
    this._lastIds = null;
    this._lastRows = null;
    this.itemCount = this._handle.itemCount();
    if (this._delisted !== null && this._delisted.length < this.itemCount) {
      const grown = new Uint8Array(Math.max(this.itemCount, 2 * this._delisted.length));
      grown.set(this._delisted);
      this._delisted = grown;
    }
    for (const ref of this._sessions) ref.deref()?._changed();
  }

  /**
   * A shopper session. See SessionOptions in index.d.ts: profile, persist, storageKey.
   */
  session(options = {}) {
    this._live();
    return new Session(this, options);
  }

  /**
   * The model's event type for an event name: one of its types, a kind ('view', 'click', 'cart',
   * 'fav', 'purchase') or a name of the event map; null when the event map says to ignore it;
   * undefined when this model has no such type.
   */
  eventTypeFor(name) {
    const resolved = resolveEvent(this._names, name);
    if (resolved?.ignored) return null;
    return resolved?.type;
  }

  /**
   * Tracks the shopper under `root`: tiles ([data-tandem-item]) seen are impressions, clicked are
   * clicks; detail elements ([data-tandem-detail]) seen are product views; [data-tandem-event]
   * buttons are their events. `events` says which model event each records (AUTOTRACK_EVENTS).
   * Returns the stop function. Needs a DOM (the main thread).
   */
  autoTrack(root, options = {}) {
    this._live();
    if (root === null || typeof root !== 'object' || typeof root.addEventListener !== 'function' || typeof root.querySelectorAll !== 'function') {
      throw new TypeError('tandem: autoTrack needs a DOM element to watch');
    }
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: autoTrack options must be an object');
    const { session, visibleFraction = 0.5, dwellMs = 1000, onEvent, events = {} } = options;
    if (!(session instanceof Session) || session._rec !== this) throw new TypeError('tandem: autoTrack needs { session } from this Recommender');
    if (typeof visibleFraction !== 'number' || !(visibleFraction > 0 && visibleFraction <= 1)) {
      throw new TypeError(`tandem: visibleFraction must be a number in (0, 1], got ${describe(visibleFraction)}`);
    }
    if (typeof dwellMs !== 'number' || !(dwellMs >= 0)) throw new TypeError(`tandem: dwellMs must be a non-negative number, got ${describe(dwellMs)}`);
    if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('tandem: onEvent must be a function');
    if (events === null || typeof events !== 'object' || Array.isArray(events)) throw new TypeError('tandem: autoTrack events must be an object of sightings to event names or null');
    for (const [what, name] of Object.entries(events)) {
      if (name !== null && (typeof name !== 'string' || name.length === 0)) throw new TypeError(`tandem: autoTrack events.${what} must be an event name or null, got ${describe(name)}`);
    }
    const names = { ...AUTOTRACK_EVENTS, ...events };
    return startTracking(root, { visibleFraction, dwellMs }, (what, element, item, action) => {
      if (!session._handle || !this._handle) return false;
      const time = Date.now();
      // Tiles of a tandem result are measured whatever model event (if any) they also record.
      const rid = what === 'impression' || what === 'click' ? recommendationOf(element) : null;
      const name = what === 'action' ? (Object.hasOwn(events, action) ? events[action] : action) : names[what];
      if (what === 'impression' && rid !== null) session._impression(item, rid, time);
      if (name === null) {
        if (what === 'click' && rid !== null) session._click(item, rid, time);
        return true;
      }
      const resolved = resolveEvent(this._names, name);
      if (resolved === null) {
        const source = what === 'action' ? `data-tandem-event=${JSON.stringify(action)}` : `${what}s as ${JSON.stringify(name)}`;
        session._warn(`kind:${name}`, `tandem: autoTrack ignores ${source}: this model's event types are ${this.eventTypes.join(', ')}`);
        if (what === 'click' && rid !== null) session._click(item, rid, time);
        return true;
      }
      session.observe(what === 'click' && rid !== null ? { item, type: name, time, recommendationId: rid } : { item, type: name, time });
      if (resolved.type !== undefined) onEvent?.({ item, type: resolved.type, time, kind: what === 'action' ? action : KIND_SEEN[what] });
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

/**
 * What autoTrack records for each sighting by default: a tile in view is an impression only (it
 * says the shopper could see it, not that they wanted it: counting it as interest made a
 * recommendation strip feed on itself), a click on a tile is a click, and a product's detail page
 * or quick view in view is a view.
 */
export const AUTOTRACK_EVENTS = Object.freeze({ impression: null, click: 'click', detail: 'view' });
/** The `kind` onEvent reports for each sighting. */
const KIND_SEEN = { impression: 'impression', click: 'click', detail: 'view' };

/** Results a session keeps to tell the position and arm of a tile the page shows. */
const SERVED_KEPT = 32;
/** Impressions kept to count each (recommendation, item) once; older ones are let go in one go. */
const IMPRESSIONS_KEPT = 5000;

export class Session {
  /** @private use Recommender.session() */
  constructor(recommender, options) {
    if (options === null || typeof options !== 'object') throw new TypeError('tandem: session options must be an object');
    const { profile, persist, storageKey = 'tandem-session' } = options;
    const profileUrl = isProfileUrl(profile);
    const profileGiven = profile !== undefined && profile !== null && !profileUrl;
    const afterConsent = persist === 'afterConsent';
    this._rec = recommender;
    this._warned = new Set();
    this._listeners = new Set();
    // A session that fails changes nothing: the options' types are checked before allocating, and
    // the profile's values (which the engine checks) on the new handle, before the storage is read.
    const store = persist === undefined || persist === null || persist === false
      ? null
      : new Store(afterConsent ? 'localStorage' : persist, storageKey, (kind, message) => this._warn(kind, message));
    if (profileGiven) checkProfile(profile, recommender.profileLength);
    // A function of the model fingerprint is asked for its URL now: one that gives no URL throws here.
    if (profileUrl) profileHref(profile, recommender.fingerprint);
    const handle = new recommender._module.SessionHandle(recommender._handle);
    const ref = weakRef(this);
    recommender._sessions.add(ref);
    this._handle = handle;
    this._release = releaseSession(handle, recommender._sessions, ref);
    finalizer?.register(this, this._release, this);
    try {
      // Where this shopper's profile is fetched (a URL, or a function of the model fingerprint
      // giving it): again, once, when a profile of another model turns up (see _otherModel).
      this._profileSource = profileUrl ? profile : null;
      this._refetched = false;
      // A state restored below brings its own (possibly folded) profile and replaces this one: the
      // option is for a new visitor.
      const foreign = profileGiven ? this._applyProfile(profile) : null;
      this._store = store;
      // Whether the store may be used: at once, or (afterConsent) from grantConsent() on.
      this._consented = store !== null && !afterConsent;
      // While the stored state is unread (an asynchronous storage being read, or consent not yet
      // given): every change made meanwhile (applied at once, and replayed in order on the restored
      // state), and whether forget() made the stored state void. Nothing is saved meanwhile.
      this._pending = afterConsent ? { changes: [], forgotten: false } : null;
      this._reading = null;       // the asynchronous read in progress, if any
      this._restored = false;     // a stored state was restored: the profile option is void
      this._profileChosen = false; // setProfile, restoreState or forget decided the profile: the option is void
      this._measure = new Measure();
      this._served = new Map();    // recommendationId -> { items, arm, list }, the last SERVED_KEPT results
      this._impressed = new Set(); // "recommendationId item" already counted
      if (foreign !== null) this._warnOtherModel(foreign, false);
      const reading = this._consented ? this._read(false) : null;
      const profileLoad = profileUrl && !this._restored ? this._loadProfileOption(profile, false) : null;
      /** Resolves when a profile URL is applied and an asynchronous storage is read (rejects if the profile fails). */
      this.ready = Promise.all([reading, profileLoad]).then(() => this);
    } catch (e) {
      this.close();
      throw e;
    }
    // Pages that never await `ready` still hear about a failed profile download.
    this.ready.catch((e) => this._warn('profile', e.message));
  }

  /** A profile download started later (a refetch): `ready` waits for it too. */
  _track(download) {
    this.ready = Promise.all([this.ready, download]).then(() => this);
    this.ready.catch((e) => this._warn('profile', e.message));
  }

  /** The one warning about a profile of another model (whichever route brought it). */
  _warnOtherModel(foreign, refetching) {
    this._warn('other-model', `tandem: the profile is from another model (fingerprint ${foreign}, this model ${this._rec.fingerprint}); using the population prior${refetching ? ' and fetching the profile again' : ''}`);
  }

  /**
   * A profile of another model was offered (and cleared: the session has the population prior).
   * Warns once and, the first time for a session with a profile URL, fetches the profile again
   * (revalidating any cached copy), handing what arrives to `again(bytes or null)`. Returns the
   * download's promise, or null.
   */
  _otherModel(foreign, again) {
    const source = this._refetched ? null : this._profileSource;
    this._warnOtherModel(foreign, source !== null);
    if (source === null) return null;
    this._refetched = true;
    const download = fetchProfile(profileHref(source, this._rec.fingerprint), true).then((bytes) => {
      if (this._handle) return again(bytes);
      return undefined;
    });
    this._track(download);
    return download;
  }

  _warn(kind, message) {
    if (this._warned.has(kind)) return;
    this._warned.add(kind);
    console.warn(message);
  }

  /**
   * Reads the store: restores what it holds at once (returns null) or when an asynchronous storage
   * answers (returns the promise), replaying the changes made meanwhile. `save`: write the result
   * back (after a wait or a consent; a state just read synchronously is already there).
   */
  _read(save) {
    const saved = this._store.load();
    if (saved === null || typeof saved === 'string') {
      this._settle(saved, save);
      return null;
    }
    this._pending ??= { changes: [], forgotten: false };
    this._reading = saved.then((text) => this._settle(text, true));
    return this._reading;
  }

  _settle(text, save) {
    this._reading = null;
    const pending = this._pending ?? { changes: [], forgotten: false };
    // Consent withdrawn while the storage was read: back to waiting for consent, nothing restored.
    this._pending = this._consented ? null : { changes: [], forgotten: true };
    if (!this._handle) return;
    if (text !== null && !pending.forgotten && this._restoreSaved(text)) {
      for (const change of pending.changes) change();
      this._changed();
    }
    if (save && (!pending.forgotten || pending.changes.length > 0)) this._persist();
  }

  /** Restores a saved record; a bad one is discarded (and removed) with a warning. */
  _restoreSaved(text) {
    let error;
    try {
      const { state, measure, items } = parseRecord(text);
      let bytes;
      try {
        bytes = fromBase64(state);
      } catch {
        throw new Error('the saved text is not base64');
      }
      // Rows can differ between pages (addItems, loadParts, the whole model or its split): the
      // engine reads the state's window by name, and a remembered click whose row names another
      // item here moves to its item's row (or is dropped when this page does not have the item).
      const rec = this._rec, moved = new Map();
      for (const [row, id] of items) if (row >= rec.itemCount || rec._id(row) !== id) moved.set(row, rec._row(id));
      error = this._restoreBytes(bytes);
      if (!error && measure) {
        if (moved.size > 0) {
          measure.clicks = measure.clicks.filter((c) => (moved.get(c[0]) ?? 0) >= 0).map((c) => (moved.has(c[0]) ? [moved.get(c[0]), ...c.slice(1)] : c));
        }
        this._measure = this._measure.onTopOf(measure);
      }
    } catch (e) {
      error = e.message;
    }
    if (!error) {
      const replay = this._handle.lastReplay();
      if (replay.fromOtherModel) {
        // Saved under another model (a retrain since): the engine replayed its recent events by
        // name. That model's profile copy is not this model's: the profile option applies.
        this._warn('replay', `tandem: the saved session state is from another model; replayed its ${replay.events} recent events with this one (${replay.unknownItems} of items and ${replay.unknownTypes} of event types it does not know)`);
        this._persist(); // saved as this model's from now on
        return true;
      }
      this._restored = true;
      return true;
    }
    // The engine's message is passed on as it is (it names the saved state itself): JS never parses it.
    this._warn('discard', `tandem: discarding the saved session state (${error}); starting a fresh session`);
    this._store.clear();
    return false;
  }

  _restoreBytes(bytes) {
    const handle = this._handle;
    return withBytes(this._rec._module, bytes, (ptr, size) => handle.restoreState(ptr, size));
  }

  /**
   * The profile option's URL: applied when it arrives, unless a restored state or the page decided
   * the profile first. A 404 is no profile (the population prior); another model's is the prior too,
   * fetched again once (see _otherModel).
   */
  async _loadProfileOption(source, again) {
    const bytes = await fetchProfile(profileHref(source, this._rec.fingerprint), again);
    return this._useOptionProfile(bytes); // a refetch, when another model's arrived: ready waits for it
  }

  _useOptionProfile(bytes) {
    if (!this._handle || this._restored || this._profileChosen || bytes === null) return undefined;
    const foreign = this._applyProfile(bytes);
    this._persist();
    this._changed();
    return foreign === null ? undefined : this._otherModel(foreign, (b) => this._useOptionProfile(b));
  }

  /** Saves the state and the measurement after a change (nothing until the stored state has been read). */
  _persist() {
    if (this._store && this._consented && this._pending === null && this._handle) {
      this._store.save(recordText(toBase64(this._handle.saveState()), this._measure, this._clickedRows()));
    }
  }

  /**
   * The [row, id] pairs of the remembered clicks, which the measurement keeps by row: a page whose
   * rows differ (items added or parts loaded in another order, the whole model or its split) moves
   * them to their item's row (_restoreSaved). The state's recent window the engine reads by name.
   */
  _clickedRows() {
    const rec = this._rec;
    return Array.from(new Set(this._measure.clicks.map((c) => c[0])), (row) => [row, rec._id(row)]);
  }

  /**
   * Keeps a change already applied to replay it on the restored state, while the stored state is
   * unread, so that the result is as if the saved state had been there from the start.
   */
  _keep(change) {
    this._pending?.changes.push(change);
  }

  /** Tells the subscribers that the state changed. */
  _changed() {
    for (const listener of this._listeners) report('subscriber', listener);
  }

  _live() {
    if (!this._handle) throw fail('this session is closed');
    if (!this._rec._handle) throw fail('the Recommender of this session is closed');
    return this._handle;
  }

  /** A time in milliseconds checked (see checkTime), warning once if it looks like seconds. */
  _time(time, name) {
    const seconds = checkTime(time, name);
    // 1e11 ms is March 1973: no page sees events that old, while 1e11 s is 5138 AD. A time below it
    // is seconds (the trainer's unit) passed by mistake, which would end the visit at every event.
    if (Math.abs(time) < 1e11) {
      this._warn('seconds', `tandem: ${name} ${time} looks like seconds; times are milliseconds since 1970 (Date.now()), so this one is ${new Date(time).toISOString()}`);
    }
    return seconds;
  }

  /** The arm of this browser: 'holdout' for the Recommender's holdout share of browsers, else 'tandem'. */
  _arm() {
    return this._measure.arm(this._rec.holdout);
  }

  /**
   * Registers a result: its recommendation id, kept to tell positions and arm of its tiles. `items`:
   * its ids in order, or (rerankRows) null and `rows`, its rows in order (an Int32Array of its own).
   */
  _serve(items, list, arm, rows = null) {
    const id = newRecommendationId();
    this._served.set(id, { items, rows, arm, list });
    if (this._served.size > SERVED_KEPT) this._served.delete(this._served.keys().next().value);
    return id;
  }

  /** Where an item was in a result: { position, list, arm } (position and list null for a result not kept). */
  _placement(item, recommendationId) {
    const served = this._served.get(recommendationId);
    if (!served) return { position: null, list: null, arm: this._arm() };
    const position = served.items !== null ? served.items.indexOf(item) : this._rowPosition(served.rows, item);
    return { position: position >= 0 ? position : null, list: served.list, arm: served.arm };
  }

  /**
   * Where an item id is in the rows of a rerankRows result, or -1. By its row while the model knows
   * the id; else by the id of each row (an item delisted since the result was made is still found
   * by its old row). A candidate the model never knew (-1) has no id here: not found.
   */
  _rowPosition(rows, item) {
    const rec = this._rec;
    const row = rec._row(item);
    if (row >= 0) return rows.indexOf(row);
    for (let i = 0; i < rows.length; i++) if (rows[i] >= 0 && rec._id(rows[i]) === item) return i;
    return -1;
  }

  /** A tile of a result seen: counted once per recommendation and item, handed to onImpression. */
  _impression(item, recommendationId, time) {
    const key = `${recommendationId} ${item}`;
    if (this._impressed.has(key)) return;
    if (this._impressed.size >= IMPRESSIONS_KEPT) this._impressed.clear();
    this._impressed.add(key);
    const { position, list, arm } = this._placement(item, recommendationId);
    this._measure.count(arm, 'impressions');
    this._persist();
    this._rec._call('onImpression', { item, recommendationId, position, list, arm, time });
  }

  /** A click on a tile of a result, without a model event (see observe for the one with). */
  _click(item, recommendationId, time) {
    const payload = this._noteClick(item, this._rec._row(item), recommendationId, time);
    this._persist();
    this._rec._call('onClick', payload);
  }

  _noteClick(item, row, recommendationId, time) {
    const { position, list, arm } = this._placement(item, recommendationId);
    this._measure.count(arm, 'clicks');
    if (row >= 0) this._measure.clicked(row, recommendationId, position, list, time);
    return { item, recommendationId, position, list, arm, time };
  }

  /** A conversion: attributed to the recommendation named, or to the latest click on this item from one. */
  _noteConversion(item, row, kind, type, time, recommendationId) {
    const from = recommendationId !== undefined
      ? { recommendationId, ...this._placement(item, recommendationId) }
      : row >= 0 ? this._measure.attribution(row, time) : null;
    const arm = this._arm();
    this._measure.count(arm, 'conversions');
    return { item, kind, type, recommendationId: from?.recommendationId ?? null, position: from?.position ?? null, list: from?.list ?? null, arm, time };
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
    if (this._resume(this._time(time, 'time'))) this._changed();
  }

  /** resume() once its time is checked (rerank and recommend call it after all their checks); whether the visit ended. */
  _resume(seconds) {
    const handle = this._handle;
    const ended = handle.resumeAt(seconds);
    this._keep(() => handle.resumeAt(seconds));
    if (ended === 1) this._persist();
    return ended === 1;
  }

  /**
   * Records one event. `type`: one of the model's event types, a kind ('view', 'click', 'cart',
   * 'fav', 'purchase') or a name of the Recommender's eventMap (mapped to null: ignored). With
   * `recommendationId`, a click on that recommendation or a conversion from it (see measuring.md).
   * Unknown item ids are counted and ignored; bad types throw. `price` and `discount` (or `listPrice`
   * with `price`): what the page showed the item at, for this event (default: the catalog's).
   * @param {import('./index.d.ts').ShopperEvent} event time in milliseconds (Date.now()), default now
   */
  observe(event) {
    const handle = this._live();
    if (event === null || typeof event !== 'object') throw new TypeError('tandem: observe needs an event object { item, type, time }');
    const rec = this._rec;
    const { item, type = rec.eventTypes[0], time = Date.now(), recommendationId } = event;
    if (typeof item !== 'string' || item.length === 0) throw new TypeError(`tandem: event.item must be a non-empty string, got ${describe(item)}`);
    // The price and discount the page showed the item at (NaN: the catalog's).
    const [price, discount] = pageOffer(event, 'event', 'event.');
    const resolved = typeof type === 'string' ? resolveEvent(rec._names, type) : null;
    if (resolved === null) {
      const mapped = rec._names.eventMap.size > 0 ? ' or names in its eventMap' : '';
      throw new TypeError(`tandem: unknown event type ${describe(type)}; this model knows ${rec.eventTypes.join(', ')}${mapped}`);
    }
    const seconds = this._time(time, 'event.time');
    checkRecommendationId(recommendationId, 'event.recommendationId');
    const row = rec._row(item);
    let hook = null, payload;
    if (resolved.type !== undefined) {
      const typeIndex = rec._typeIndex.get(resolved.type);
      const error = handle.observe(row, typeIndex, seconds, price, discount);
      if (error) throw fail(error);
      this._keep(() => handle.observe(row, typeIndex, seconds, price, discount));
      const conversion = rec._conversions.get(resolved.type);
      if (conversion) [hook, payload] = ['onConversion', this._noteConversion(item, row, conversion, resolved.type, time, recommendationId)];
    } else if (resolved.missing) {
      this._warn(`missing:${type}`, `tandem: ignoring ${type} events: they are ${resolved.missing} events, which this model was not trained with (its event types: ${rec.eventTypes.join(', ')})`);
    }
    if (hook === null && recommendationId !== undefined) [hook, payload] = ['onClick', this._noteClick(item, row, recommendationId, time)];
    if (resolved.type === undefined && hook === null) return;
    this._persist();
    if (hook) rec._call(hook, payload);
    if (resolved.type !== undefined) this._changed();
  }

  /**
   * A tile of a result was seen (autoTrack records these itself): counted once per recommendation
   * and item, and handed to onImpression. Not a model event.
   * @param {{item: string, recommendationId: string, time?: number}} impression
   */
  impression(impression) {
    this._live();
    if (impression === null || typeof impression !== 'object') throw new TypeError('tandem: impression needs { item, recommendationId }');
    const { item, recommendationId, time = Date.now() } = impression;
    if (typeof item !== 'string' || item.length === 0) throw new TypeError(`tandem: impression.item must be a non-empty string, got ${describe(item)}`);
    if (recommendationId === undefined) throw new TypeError('tandem: impression.recommendationId is missing (the recommendationId of the result the item was shown in)');
    checkRecommendationId(recommendationId, 'impression.recommendationId');
    this._time(time, 'impression.time');
    this._impression(item, recommendationId, time);
  }

  /** rerank's and rerankRows' options, checked: { seconds (undefined without `time`), top (default all n), list }. */
  _rerankOptions(options, method, n) {
    checkOptions(options, method);
    return {
      seconds: options.time === undefined ? undefined : this._time(options.time, 'time'),
      top: options.top === undefined ? n : checkCount(options.top, 'top'),
      list: checkList(options.list),
    };
  }

  /**
   * The candidates sorted by score, best first (ties keep the given order); in the holdout arm, in
   * the given order (scores still the model's). Unknown ids are scored as the catalog's average
   * item. Returns every candidate unless `top` is given. Each entry has longTerm = |long| /
   * (|long| + |short|), the share of the long-term profile in what the interest contributed (0.5
   * when both are 0), the session's gate, its position, the result's recommendationId and the arm.
   * With `time` (milliseconds, e.g. Date.now()), the ranking is asked for at that time: once more
   * than the model's session timeout has passed since the last event, the visit has ended and
   * the new one starts without its short-term state (see resume()).
   * A candidate is an id, or `{ item, price, discount }` (or `listPrice` with `price`) to score it at
   * the page's current price and discount; a field left out is the catalog's (addItems).
   * @param {(string | import('./index.d.ts').Candidate)[]} items
   * @param {{top?: number, time?: number, list?: string}} [options]
   * @returns {import('./index.d.ts').Ranked[]}
   */
  rerank(items, options = {}) {
    const handle = this._live();
    if (!Array.isArray(items)) throw new TypeError('tandem: rerank needs an array of item ids (or { item, price, discount } objects)');
    const n = items.length;
    const { seconds, top, list } = this._rerankOptions(options, 'rerank', n);
    const rec = this._rec;
    const module = rec._module;
    // Candidates given as { item, price, discount }: their ids, and the prices and discounts the
    // page shows (NaN: the catalog's); ids alone: the list itself, nothing copied.
    const { ids, prices, discounts } = candidateOffers(items);
    // Resolve ids first: an id lookup may grow wasm memory, which replaces the heap views.
    const rows = rec._candidateRows(ids);
    // One block: rows | positions | scores | long-term shares | prices | discounts (float64, 8-aligned).
    const offers = prices !== null || discounts !== null;
    const base = rec._scratch.reserve(n * 16 + (offers ? n * 16 : 0) + 16);
    // Everything that can fail has been done: only now may the call end the visit.
    if (seconds !== undefined) this._resume(seconds);
    const arm = this._arm();
    const gate = handle.gateMean();
    const positionsPtr = base + n * 4, scoresPtr = base + n * 8, sharesPtr = base + n * 12;
    const pricesPtr = prices === null ? 0 : base + n * 16, discountsPtr = discounts === null ? 0 : base + n * 24;
    module.HEAP32.set(rows, base >> 2);
    if (prices !== null) module.HEAPF64.set(prices, pricesPtr >> 3);
    if (discounts !== null) module.HEAPF64.set(discounts, discountsPtr >> 3);
    // One pass in wasm: order (in the holdout arm, the page's own order, as if tandem were not
    // there), scores (at the page's prices) and the long-term shares.
    const count = handle.rerank(base, n, Math.min(top, n), arm === 'holdout', positionsPtr, scoresPtr, sharesPtr, pricesPtr, discountsPtr);
    const f32 = module.HEAPF32, i32 = module.HEAP32;
    const ranked = Array.from({ length: count }, (_, i) => ids[i32[(positionsPtr >> 2) + i]]);
    const recommendationId = this._serve(ranked, list, arm);
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = {
        item: ranked[i],
        score: f32[(scoresPtr >> 2) + i],
        longTerm: f32[(sharesPtr >> 2) + i],
        gate,
        position: i,
        recommendationId,
        arm,
      };
    }
    return out;
  }

  /**
   * rerank for candidates given as model rows (Recommender.rows(ids), resolved once per list): an
   * Int32Array or an array of integers, each a row of this model or -1 (an unknown id). The same
   * scores, order, arms, time and measurement as rerank of those ids, without looking ids up or
   * making an object per candidate. A row removeItems delisted is scored as an unknown id, as
   * rerank scores its id. Returns typed arrays (copies, the caller's to keep) of the `count`
   * entries, best first: `rows` (rows[i] is the candidate at positions[i] of the list given, as
   * given), `positions`, `scores`, `longTerm`; and the result's `gate`, `recommendationId` and `arm`.
   * Candidates at the page's prices go through rerank.
   * @param {Int32Array | number[]} rows
   * @param {{top?: number, time?: number, list?: string}} [options]
   * @returns {import('./index.d.ts').RankedRows}
   */
  rerankRows(rows, options = {}) {
    const handle = this._live();
    const rec = this._rec;
    checkRowsType(rows, 'rerankRows');  // before the options: the first argument is checked first
    const n = rows.length;
    const { seconds, top, list } = this._rerankOptions(options, 'rerankRows', n);
    const module = rec._module;
    // One block: rows | positions | scores | long-term shares.
    const base = rec._scratch.reserve(n * 16 + 16);
    // Checked while written (delisted rows as -1): a bad row throws before anything has changed.
    rec._checkRows(rows, 'rerankRows', module.HEAP32, base >> 2);
    // Everything that can fail has been done: only now may the call end the visit.
    if (seconds !== undefined) this._resume(seconds);
    const arm = this._arm();
    const gate = handle.gateMean();
    const positionsPtr = base + n * 4, scoresPtr = base + n * 8, sharesPtr = base + n * 12;
    const count = handle.rerank(base, n, Math.min(top, n), arm === 'holdout', positionsPtr, scoresPtr, sharesPtr, 0, 0);
    // Copies: the heap may grow (detaching views over it) at the next call.
    const i32 = module.HEAP32, f32 = module.HEAPF32;
    const positions = i32.slice(positionsPtr >> 2, (positionsPtr >> 2) + count);
    const scores = f32.slice(scoresPtr >> 2, (scoresPtr >> 2) + count);
    const longTerm = f32.slice(sharesPtr >> 2, (sharesPtr >> 2) + count);
    const ranked = new Int32Array(count);
    for (let i = 0; i < count; i++) ranked[i] = rows[positions[i]];
    const recommendationId = this._serve(null, list, arm, ranked.slice());
    return { rows: ranked, positions, scores, longTerm, gate, recommendationId, arm };
  }

  /**
   * The k best items of the whole catalog (`time` as for rerank). In the holdout arm, the k first
   * of the model's order for a shopper it knows nothing about (no profile, no events): the
   * catalog's learned popularity, not personal (the same exclusions apply).
   * @param {{k?: number, exclude?: 'none'|'purchased'|'seen'|string[], time?: number, list?: string}} [options] default k 10, exclude 'purchased'
   * @returns {import('./index.d.ts').Recommended[]}
   */
  recommend(options = {}) {
    const handle = this._live();
    checkOptions(options, 'recommend');
    const seconds = options.time === undefined ? undefined : this._time(options.time, 'time');
    const k = options.k === undefined ? 10 : checkCount(options.k, 'k');
    const exclude = options.exclude === undefined ? 'purchased' : options.exclude;
    const list = checkList(options.list);
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
    const rows = [];
    for (const id of excluded) {
      if (typeof id !== 'string') throw new TypeError('tandem: excluded ids must be strings');
      const row = rec._row(id);
      if (row >= 0) rows.push(row);
    }
    const arm = this._arm();
    let source = handle;
    if (arm === 'holdout') {
      // The prior session has no window: this shopper's purchases or seen items are excluded by row.
      source = rec._priorSession();
      const purchase = rec.purchaseEvent === null ? -1 : rec._typeIndex.get(rec.purchaseEvent);
      for (let i = 0; mode !== 0 && i < handle.recentCount(); i++) {
        if (mode === EXCLUDE.seen || handle.recentType(i) === purchase) rows.push(handle.recentItem(i));
      }
      mode = 0;
    }
    const base = rec._scratch.reserve(rows.length * 4 + kk * 8 + 16);
    // Everything that can fail has been done: only now may the call end the visit.
    if (seconds !== undefined) this._resume(seconds);
    module.HEAP32.set(rows, base >> 2);
    const rowsPtr = base + rows.length * 4, scoresPtr = rowsPtr + kk * 4;
    const count = source.recommend(kk, mode, base, rows.length, rowsPtr, scoresPtr);
    const items = Array.from({ length: count }, (_, i) => rec._id(module.HEAP32[(rowsPtr >> 2) + i]));
    const recommendationId = this._serve(items, list, arm);
    return items.map((item, i) => ({ item, score: module.HEAPF32[(scoresPtr >> 2) + i], position: i, recommendationId, arm }));
  }

  /**
   * The long-term profile: a Float32Array of recommender.profileLength values (the caller vouches
   * that it is this model's), `{ vector, fingerprint }` (a vector with the fingerprint of the model
   * whose encoder made it), the bytes of a profile file (the fingerprint inside), or null to clear
   * it: applied at once. A URL (string or URL), or a function of the model fingerprint giving it
   * (`fp => '/profile?model=' + fp`), is fetched: returns a promise, and the profile applies when it
   * arrives; a 404 is no profile (the population prior). A profile of another model is never
   * applied and never throws: the session takes the population prior, warns once, and fetches its
   * profile URL again (once per URL given).
   */
  setProfile(profile) {
    this._live();
    if (isProfileUrl(profile)) {
      const href = profileHref(profile, this._rec.fingerprint);
      this._profileSource = profile;
      this._refetched = false;
      return fetchProfile(href, false).then((bytes) => {
        if (this._handle) return this._setProfileNow(bytes);
        return undefined;
      }).then(() => undefined);
    }
    this._setProfileNow(profile);
    return undefined;
  }

  /** setProfile of a profile at hand (null: none); returns the refetch's promise when it was another model's. */
  _setProfileNow(profile) {
    const foreign = this._applyProfile(profile);
    this._profileChosen = true;
    // An explicit profile outlives the one a state restored meanwhile brings.
    if (this._pending) {
      const copy = profile === null ? null : copyProfile(profile);
      this._keep(() => this._applyProfile(copy));
    }
    this._persist();
    this._changed();
    return foreign === null ? null : this._otherModel(foreign, (bytes) => this._setProfileNow(bytes));
  }

  /**
   * Hands a vector, a profile file's bytes or null to the engine (without saving). A profile of
   * another model (a file's fingerprint, or the one given with a vector) is not applied: the
   * profile is cleared (the population prior) and its fingerprint returned; else null.
   */
  _applyProfile(profile) {
    const handle = this._live();
    const module = this._rec._module;
    if (profile === null) {
      handle.clearProfile();
      return null;
    }
    const kind = checkProfile(profile, this._rec.profileLength);
    const model = kind === 'tagged' ? profile.fingerprint.toLowerCase() : kind === 'file' ? fileFingerprint(toUint8Array(profile, 'profile')) : null;
    if (model !== null && model !== this._rec.fingerprint) {
      handle.clearProfile();
      return model;
    }
    const vector = kind === 'file' ? null : kind === 'tagged' ? profile.vector : profile;
    const error = withBytes(module, toUint8Array(vector ?? profile, 'profile'), (ptr, size) =>
      vector ? handle.setProfile(ptr, vector.length) : handle.setProfileFile(ptr, size),
    );
    if (error) throw fail(error);
    return null;
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
    this._changed();
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

  /**
   * This browser's arm and what it counted per arm: impressions, clicks and conversions (cart and
   * purchase events), kept with the state.
   */
  get measurement() {
    this._live();
    const counts = this._measure.counts;
    return { arm: this._arm(), counts: { tandem: { ...counts.tandem }, holdout: { ...counts.holdout } } };
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
    this._changed();
  }

  /**
   * Forgets everything this device knows: short-term state, recent events, the profile, the
   * counts and remembered clicks, and the saved copy. The arm stays for this page, so that a
   * shopper does not see both arms.
   */
  forget() {
    const handle = this._live();
    handle.reset();
    handle.clearProfile();
    this._profileChosen = true;
    this._profileSource = null; // where the profile came from is forgotten too: nothing fetches it again
    this._measure = this._measure.forgotten();
    this._impressed.clear();
    // The state being read is the saved copy forgotten here: it is not restored.
    if (this._pending) this._pending = { changes: [], forgotten: true };
    this._changed();
    return this._consented ? Promise.resolve(this._store.clear()).then(() => undefined) : Promise.resolve();
  }

  /**
   * With persist 'afterConsent': the shopper agreed to be remembered. The state saved by an
   * earlier visit (if any) is restored with what happened since the page loaded replayed on top,
   * and from now on the state is saved after every change. Resolves when that is done.
   */
  grantConsent() {
    this._live();
    if (!this._store) throw new TypeError("tandem: grantConsent needs a session made with persist (e.g. persist: 'afterConsent')");
    // Granted already: done once a read still in progress is.
    if (this._consented) return Promise.resolve(this._reading).then(() => undefined);
    this._consented = true;
    return Promise.resolve(this._read(true)).then(() => undefined);
  }

  /**
   * The shopper withdrew consent: forget() (the saved copy is removed), and nothing is saved again
   * until grantConsent(). The session goes on in memory.
   */
  revokeConsent() {
    this._live();
    if (!this._store) throw new TypeError("tandem: revokeConsent needs a session made with persist (e.g. persist: 'afterConsent')");
    const done = this.forget();
    this._consented = false;
    this._pending = { changes: [], forgotten: true };
    return done;
  }

  /** Calls `listener()` after every change of the state (events, profile, reset, forget, a restore); returns the function that stops it. */
  subscribe(listener) {
    this._live();
    if (typeof listener !== 'function') throw new TypeError('tandem: subscribe needs a function');
    const entry = () => listener();
    this._listeners.add(entry);
    return () => this._listeners.delete(entry);
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
    const replay = this._handle.lastReplay();
    // Another model's state is replayed by name and keeps this session's profile.
    if (!replay.fromOtherModel) this._profileChosen = true;
    if (this._pending) {
      const copy = state.slice();
      this._keep(() => this._restoreBytes(copy));
    }
    this._persist();
    this._changed();
    return replay;
  }

  close() {
    if (!this._handle) return;
    finalizer?.unregister(this);
    this._release();
    this._handle = null;
    this._listeners.clear();
  }
}

/**
 * 'vector', 'tagged' ({ vector, fingerprint }) or 'file' for a valid profile at hand; throws a
 * TypeError otherwise.
 */
function checkProfile(profile, length) {
  if (profile instanceof Float32Array) return 'vector';
  if (profile instanceof ArrayBuffer || profile instanceof Uint8Array) return 'file';
  if (profile !== null && typeof profile === 'object' && profile.vector instanceof Float32Array) {
    const { fingerprint } = profile;
    if (typeof fingerprint !== 'string' || !/^[0-9a-fA-F]{16}$/.test(fingerprint)) {
      throw new TypeError(`tandem: profile.fingerprint must be the fingerprint of the model the vector is from (16 hex digits, as rec.fingerprint), got ${describe(fingerprint)}`);
    }
    return 'tagged';
  }
  throw new TypeError(
    `tandem: profile must be a Float32Array of ${length} values, { vector, fingerprint }, a profile file's bytes, its URL or a function of the model fingerprint giving the URL, got ${describe(profile)}`,
  );
}

/** A copy of a profile at hand (kept to replay it after a restore). */
function copyProfile(profile) {
  return profile instanceof ArrayBuffer || ArrayBuffer.isView(profile) ? profile.slice() : { vector: profile.vector.slice(), fingerprint: profile.fingerprint };
}

/** Whether a profile is to be fetched: a URL, or a function of the model fingerprint giving it. */
function isProfileUrl(profile) {
  return typeof profile === 'string' || profile instanceof URL || typeof profile === 'function';
}

/** The URL of a profile source for a model; a function's answer is checked (a TypeError otherwise). */
function profileHref(source, fingerprint) {
  if (typeof source !== 'function') return source;
  const url = source(fingerprint);
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`tandem: the profile URL function returned ${describe(url)}, not a URL (string or URL)`);
  return url;
}

/**
 * The model fingerprint a profile file names (16 hex digits), read from its header
 * (src/core/profile_format.h: "TNDP", version 1, the fingerprint as uint64 little-endian at offset
 * 8); null for bytes that are not such a file (the engine then says what is wrong with them).
 */
function fileFingerprint(bytes) {
  if (bytes.length < 28 || bytes[0] !== 0x54 || bytes[1] !== 0x4e || bytes[2] !== 0x44 || bytes[3] !== 0x50) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== 1) return null;
  const hex = (n) => n.toString(16).padStart(8, '0');
  return hex(view.getUint32(12, true)) + hex(view.getUint32(8, true));
}

/**
 * Downloads a profile file: its bytes, or null when there is none (HTTP 404, a file: URL to no
 * file in Node): the shopper has no profile yet, and gets the population prior. `again`: a
 * refetch after another model's profile arrived, revalidating what a cache holds (the server's
 * ETag says whether it changed). Other failures reject, naming the URL.
 */
async function fetchProfile(url, again) {
  const href = url instanceof URL ? url.href : String(url);
  if (href.startsWith('file:') && typeof process === 'object' && typeof process.getBuiltinModule === 'function') {
    const fs = process.getBuiltinModule('node:fs');
    let exists = true;
    try {
      exists = fs.existsSync(new URL(href));
    } catch {
      // not a file URL Node can read: fetchBytes says so
    }
    return exists ? fetchBytes(href, 'the profile', 'profile') : null;
  }
  let response;
  try {
    response = await fetch(href, again ? { credentials: 'same-origin', cache: 'no-cache' } : { credentials: 'same-origin' });
  } catch (e) {
    throw new Error(`tandem: cannot fetch the profile at ${href}: ${e.message}`);
  }
  if (response.status === 404) {
    response.body?.cancel().catch(() => {});
    return null;
  }
  if (!response.ok) throw new Error(`tandem: cannot fetch the profile at ${href}: HTTP ${response.status}`);
  try {
    return await response.arrayBuffer();
  } catch (e) {
    const why = e?.cause?.message ? `${e.message}: ${e.cause.message}` : e?.message ?? String(e);
    throw new Error(`tandem: cannot fetch the profile at ${href}: the download failed part-way (${why})`);
  }
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

/**
 * Runs a function of the page (a hook, a subscriber); an error it throws is reported on the
 * console and goes no further: the change it was told about has been made, and the call that made
 * it must not fail after the fact.
 */
function report(what, fn) {
  try {
    fn();
  } catch (e) {
    console.error(`tandem: ${what === 'subscriber' ? 'a subscriber' : `the ${what} hook`} threw: ${e?.message ?? e}`, e);
  }
}

/** The Recommender options that are not about loading, checked and with their defaults. */
function checkModelOptions({ verify = true, holdout = 0, eventMap, onImpression, onClick, onConversion }) {
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout <= 1)) throw new TypeError(`tandem: holdout must be a share of browsers from 0 to 1, got ${describe(holdout)}`);
  const hooks = { onImpression, onClick, onConversion };
  for (const [name, hook] of Object.entries(hooks)) {
    if (hook !== undefined && typeof hook !== 'function') throw new TypeError(`tandem: ${name} must be a function`);
  }
  return { verify: verify !== false, holdout, eventMap: checkEventMap(eventMap), hooks };
}

function checkRecommendationId(id, name) {
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 64)) {
    throw new TypeError(`tandem: ${name} must be a recommendationId from a result (a string of 1 to 64 characters), got ${describe(id)}`);
  }
}

/** The `list` option: a name for where a result is shown ('home-strip'), handed to the hooks. */
function checkList(list) {
  if (list === undefined) return null;
  if (typeof list !== 'string' || list.length === 0 || list.length > 200) throw new TypeError(`tandem: list must be a name of 1 to 200 characters, got ${describe(list)}`);
  return list;
}

/**
 * A catalog.json `tandem split` wrote (docs/deploying.md, "Catalogs in parts"), checked: a tandem
 * catalog of this model, its parts files beside it with the values they hold.
 */
function checkCatalog(bytes, href, fingerprint) {
  const bad = (why) => fail(`the catalog at ${href} ${why}`);
  let catalog;
  try {
    catalog = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad('is not JSON');
  }
  if (catalog === null || typeof catalog !== 'object' || catalog.format !== 'tandem-catalog') throw bad('is not a tandem catalog (format "tandem-catalog")');
  if (catalog.version !== 1) throw bad(`has version ${describe(catalog.version)}; this package reads version 1`);
  if (catalog.fingerprint !== fingerprint) {
    throw bad(`was split for the model ${describe(catalog.fingerprint)}, this Recommender's model is ${fingerprint} (load the model file written with it)`);
  }
  if (!Array.isArray(catalog.parts)) throw bad('has no parts array');
  catalog.parts.forEach((p, i) => {
    const ok = p !== null && typeof p === 'object' && typeof p.file === 'string' && /^[^/\\?#]+$/.test(p.file) && p.file !== '.' && p.file !== '..' &&
      Array.isArray(p.values) && p.values.every((v) => v === null || typeof v === 'string');
    if (!ok) throw bad(`has a malformed part ${i} (a file name beside the catalog and the values it holds)`);
  });
  return catalog;
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

/**
 * A rerank candidate list -> { ids, prices, discounts }: the list itself when it holds ids only
 * (prices and discounts null), else the ids and Float64Arrays of the prices and discounts given
 * (NaN where left out: the catalog's; an array stays null when no candidate gives one).
 */
function candidateOffers(items) {
  const n = items.length;
  let i = 0;
  while (i < n && typeof items[i] === 'string') i++;
  if (i === n) return { ids: items, prices: null, discounts: null };
  const ids = new Array(n);
  let prices = null, discounts = null;
  for (i = 0; i < n; i++) {
    const c = items[i];
    if (typeof c === 'string') {
      ids[i] = c;
      continue;
    }
    if (c === null || typeof c !== 'object' || Array.isArray(c) || typeof c.item !== 'string') {
      const got = c !== null && typeof c === 'object' && !Array.isArray(c) ? `{ item: ${describe(c.item)} }` : describe(c);
      throw new TypeError(`tandem: rerank candidate ${i} must be an item id or { item, price, discount }, got ${got}`);
    }
    ids[i] = c.item;
    const [price, discount] = pageOffer(c, `rerank candidate ${i}`, `rerank candidate ${i} `);
    if (!Number.isNaN(price)) (prices ??= new Float64Array(n).fill(NaN))[i] = price;
    if (!Number.isNaN(discount)) (discounts ??= new Float64Array(n).fill(NaN))[i] = discount;
  }
  return { ids, prices, discounts };
}

/** Whether a string can be UTF-8 (no lone surrogates; assumed where isWellFormed is missing, before 2023). */
function wellFormed(id) {
  return typeof id.isWellFormed !== 'function' || id.isWellFormed();
}

// The catalog's rules for numbers (src/core/catalog.h): prices in [0, 1e12], discounts a share in [0, 1).
const MAX_PRICE = 1e12;

function checkPrice(value, name) {
  if (typeof value !== 'number') throw new TypeError(`tandem: ${name} must be a number, got ${describe(value)}`);
  if (!(value >= 0 && value <= MAX_PRICE)) throw new RangeError(`tandem: ${name} must be a number in [0, 1e12], got ${value}`);
  return value;
}

function checkDiscount(value, name) {
  if (typeof value !== 'number') throw new TypeError(`tandem: ${name} must be a share in [0, 1) (0.25 is 25 % off), got ${describe(value)}`);
  if (!(value >= 0 && value < 1)) throw new RangeError(`tandem: ${name} must be a share in [0, 1) (0.25 is 25 % off), got ${value}`);
  return value;
}

/**
 * The price and discount a page shows an item at (rerank's { item, price, discount } and observe's
 * event), each NaN for "the catalog's". `listPrice` with `price` gives the discount as addItems
 * does: 1 - price / listPrice.
 */
function pageOffer(object, owner, field) {
  const { price, discount, listPrice } = object;
  const p = price === undefined ? NaN : checkPrice(price, `${field}price`);
  let d = discount === undefined ? NaN : checkDiscount(discount, `${field}discount`);
  if (listPrice !== undefined) {
    checkPrice(listPrice, `${field}listPrice`);
    if (discount !== undefined) throw new TypeError(`tandem: ${owner}: give discount or listPrice, not both`);
    if (price === undefined) throw new TypeError(`tandem: ${owner}: listPrice needs price (the discount is 1 - price / listPrice)`);
    if (listPrice < price) throw new RangeError(`tandem: ${owner}: listPrice ${listPrice} is below the price ${price}`);
    d = listPrice > 0 ? 1 - price / listPrice : 0;
  }
  return [p, d];
}

// Fields of a catalog row the engine names (src/core/catalog.h); any other key is a label column.
const CATALOG_FIELDS = new Set(['id', 'category', 'brand', 'price', 'listPrice', 'discount', 'available']);

/**
 * One item of addItems as the engine's JSON row ({ id, category, brand, price, list_price,
 * discount, available, labels... }), every field checked: a TypeError or RangeError naming the
 * item and the field. Fields left out (or undefined) are not given: a known item keeps them.
 */
function catalogRow(item, i) {
  const where = `addItems item ${i}`;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new TypeError(`tandem: ${where} must be an object { id, category, price, ... }, got ${describe(item)}`);
  }
  const { id, category, brand, price, listPrice, discount, available } = item;
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`tandem: ${where}: id must be a non-empty string, got ${describe(id)}`);
  if (!wellFormed(id)) throw new TypeError(`tandem: ${where}: id ${describe(id)} holds a lone surrogate (not UTF-8)`);
  const row = { id };
  for (const [key, value] of [['category', category], ['brand', brand]]) {
    if (value === undefined) continue;
    // '' clears the field; a category is a path of levels, 'home/kitchen'.
    if (typeof value !== 'string' || !wellFormed(value)) throw new TypeError(`tandem: ${where}: ${key} must be a string, got ${describe(value)}`);
    row[key] = value;
  }
  const field = `${where}: `;
  if (price !== undefined) row.price = checkPrice(price, `${field}price`);
  if (listPrice !== undefined) row.list_price = checkPrice(listPrice, `${field}listPrice`);
  if (discount !== undefined) row.discount = checkDiscount(discount, `${field}discount`);
  if (listPrice !== undefined && discount !== undefined) throw new TypeError(`tandem: ${where}: give discount or listPrice, not both`);
  if (listPrice !== undefined && price === undefined) throw new TypeError(`tandem: ${where}: listPrice needs price (the discount is 1 - price / listPrice)`);
  if (listPrice !== undefined && listPrice < price) throw new RangeError(`tandem: ${where}: listPrice ${listPrice} is below the price ${price}`);
  if (available !== undefined) {
    if (typeof available !== 'boolean') throw new TypeError(`tandem: ${where}: available must be true or false, got ${describe(available)}`);
    row.available = available;
  }
  for (const key of Object.keys(item)) {
    const value = item[key];
    if (CATALOG_FIELDS.has(key) || value === undefined) continue;
    if (key === 'list_price') throw new TypeError(`tandem: ${where}: list_price is spelled listPrice here`);
    if (!(typeof value === 'string' && wellFormed(value)) && !Number.isSafeInteger(value) && typeof value !== 'boolean') {
      throw new TypeError(`tandem: ${where}: label ${describe(key)} must be a string, an integer or a boolean, got ${describe(value)}`);
    }
    Object.defineProperty(row, key, { value, enumerable: true }); // a key such as __proto__ too
  }
  return row;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : String(value);
}
