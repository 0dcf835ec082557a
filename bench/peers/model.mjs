// Bench-only JS reader of the tandem model file (format v3, docs/model-format.md) and the session
// bookkeeping the peer runtimes share: what happens in tandem's C++ around the maths (gap buckets,
// the session timeout, the window of recent events and its repeat term), done in plain JS so that
// TF.js and ONNX Runtime run only the maths. The SDK itself never parses model files in JS.
// Runs unchanged in Node and in the browser.

const MAGIC = [0x89, 0x54, 0x44, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads a float32 model file: { config, ids, rowOf (Map id -> row), tensors {name: Float32Array |
 * Int32Array}, layout {name: {offset, size}} (file offsets, for ONNX external data), bytes, p }.
 * `p` is the long-term interest of a shopper without a profile, W2 relu(b1) + b2 (model.md).
 */
export function readModel(input) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < 16 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a tandem model file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== 3) throw new Error('unsupported tandem model version');
  const headerSize = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerSize)));
  const dataStart = Math.ceil((16 + headerSize) / 64) * 64;
  if (bytes.length !== dataStart + header.data_size + 8) throw new Error('model file size does not match its header');
  const tensors = {}, layout = {};
  // Typed-array views need 4-byte alignment in the buffer; copy once when the bytes are not aligned.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  for (const t of header.tensors) {
    const offset = dataStart + t.offset;
    layout[t.name] = { offset, size: t.size, shape: t.shape, dtype: t.dtype };
    const count = t.size / 4;
    if (t.dtype === 'str') continue; // the item ids, read below
    if (t.dtype === 'f32') tensors[t.name] = new Float32Array(aligned.buffer, aligned.byteOffset + offset, count);
    else if (t.dtype === 'i32') tensors[t.name] = new Int32Array(aligned.buffer, aligned.byteOffset + offset, count);
    else if (t.dtype === 'i8' && t.name !== 'item_vec') tensors[t.name] = new Int8Array(aligned.buffer, aligned.byteOffset + offset, t.size);
    else throw new Error(`the bench reads float32 models only (tensor ${t.name} is ${t.dtype})`);
  }
  const config = header.config;
  const d = config.dim;
  // item_ids: NUL-terminated UTF-8 strings back to back
  const idTable = layout.item_ids;
  const ids = new TextDecoder().decode(bytes.subarray(idTable.offset, idTable.offset + idTable.size - 1)).split('\0');
  // id -> row: a Map, as tandem's SDK keeps it. A prototype-less object looked 2x faster on the
  // bench's 64 lists cycled in turn (V8 turns a string looked up in it into a reference to its
  // internalized twin, so the next lookup of that same string object is a pointer compare), but not
  // with id strings made anew for every call, as a page reading its DOM makes them (Node 20, 50,000
  // ids, 1,000 lookups: 133-138 µs best for both, 34 of them making the strings): not kept.
  const rowOf = new Map();
  for (let i = 0; i < ids.length; i++) rowOf.set(ids[i], i);
  // p = W2 relu(W1 * 0 + b1) + b2, in float32 like the engine (pooled = 0 for the empty history).
  const hidden = new Float32Array(d), p = new Float32Array(d);
  for (let k = 0; k < d; k++) hidden[k] = Math.max(0, tensors.mlp_b1[k]);
  for (let r = 0; r < d; r++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += tensors.mlp_w2[r * d + k] * hidden[k];
    p[r] = s + tensors.mlp_b2[r];
  }
  return {
    config, d, n: ids.length, ids, rowOf, tensors, layout, bytes, p,
    types: new Map(config.event_types.map((t, i) => [t, i])),
  };
}

/** bucket_B(x) = min(B - 1, floor(log2(1 + x))) for x > 0, else 0 (model.md). */
export function log2Bucket(x, buckets) {
  if (!(x > 0)) return 0;
  const b = Math.floor(Math.log2(1 + x));
  return b >= buckets - 1 ? buckets - 1 : b;
}

/**
 * A shopper's bookkeeping around the maths, as core::Session does it: for each event, whether the
 * LSTM state resets (a new short-term session) and the gap bucket; the window of recent events;
 * the repeat term of the window's items (sum over occurrences of repeat_recency[bucket(rank)] +
 * repeat_type[type], rank 0 the newest), recomputed lazily after an event.
 */
export class ShopperState {
  constructor(model) {
    this.m = model;
    this.window = [];      // [row, type], oldest first, at most config.window
    this.hasLast = false;
    this.lastTime = 0;
    this.repeat = null;    // Map row -> bonus, null when stale
    this.dense = null;     // Float32Array row -> bonus over the catalog, made on first use
    this.denseRows = [];   // the rows set in it
    this.denseStale = true;
    this.version = 0;      // counts events: peers cache what depends on the state (u) by it
  }

  /** Returns { row, type, gap, reset } for the maths, or null for an unknown item (ignored). */
  event(item, typeName, timeMs) {
    const m = this.m;
    const row = m.rowOf.get(item);
    if (row === undefined) return null;
    const type = m.types.get(typeName);
    if (type === undefined) throw new Error(`unknown event type ${typeName}`);
    const time = timeMs / 1000;
    let gap = 0, reset = false;
    if (!this.hasLast || time - this.lastTime > m.config.session_timeout_s) reset = true;
    else gap = 1 + log2Bucket(time - this.lastTime, m.config.gap_buckets - 1);
    if (!this.hasLast || time > this.lastTime) this.lastTime = time;
    this.hasLast = true;
    this.window.push([row, type]);
    if (this.window.length > m.config.window) this.window.shift();
    this.repeat = null;
    this.denseStale = true;
    this.version++;
    return { row, type, gap, reset };
  }

  /** Map row -> repeat bonus of the window's items. */
  repeatBonus() {
    if (this.repeat) return this.repeat;
    const { repeat_recency: recency, repeat_type: byType } = this.m.tensors;
    const buckets = this.m.config.repeat_buckets;
    const bonus = new Map();
    const w = this.window;
    for (let rank = 0; rank < w.length; rank++) {
      const [row, type] = w[w.length - 1 - rank];
      // float32 sums in the engine's order (newest first)
      bonus.set(row, Math.fround((bonus.get(row) ?? 0) + Math.fround(recency[log2Bucket(rank, buckets)] + byType[type])));
    }
    this.repeat = bonus;
    return bonus;
  }

  /**
   * The repeat term as a dense Float32Array over the catalog (0 outside the window), updated after
   * an event (the window's rows only): a candidate's bonus is then one typed-array load instead of
   * a Map lookup (K = 1,000: about 6 µs against 27 in Node).
   */
  repeatDense() {
    if (!this.denseStale) return this.dense;
    if (!this.dense) this.dense = new Float32Array(this.m.n);
    for (const row of this.denseRows) this.dense[row] = 0;
    const bonus = this.repeatBonus();
    this.denseRows = [...bonus.keys()];
    for (const [row, value] of bonus) this.dense[row] = value;
    this.denseStale = false;
    return this.dense;
  }

  /** The repeat term as two arrays (rows, values), for a sparse add over the whole catalog. */
  repeatArrays() {
    const bonus = this.repeatBonus();
    return { rows: Int32Array.from(bonus.keys()), values: Float32Array.from(bonus.values()) };
  }
}

/** Storefront ids -> model rows (every id must be known: the workload uses catalog ids only). */
export function rowsOf(model, ids) {
  const rows = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const row = model.rowOf.get(ids[i]);
    if (row === undefined) throw new Error(`the bench peers score known ids only (${ids[i]})`);
    rows[i] = row;
  }
  return rows;
}

/** The repeat term of each candidate row (0 for items outside the window). */
export function candidateBonus(state, rows) {
  const dense = state.repeatDense();
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = dense[rows[i]];
  return out;
}
