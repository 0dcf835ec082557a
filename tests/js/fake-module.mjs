// A fake of the Embind module (in the spirit of MediaPipe's createSpyWasmModule): the same handle
// classes and heap views as bindings/tandem_bindings.cpp, with trivial, predictable behaviour, so
// tests of the JS layer (options, errors, persistence, tracking) do not depend on the engine.
// A fake "model file" is JSON: { items, types, purchase, fingerprint, error }.
// Scores: the number of times the item was observed, minus the row / 1000 (so ties cannot happen).
// Parts: long = the first profile value, short = the item's observation count.

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function fakeModelBytes(model = {}) {
  return encoder.encode(JSON.stringify({ items: ['A', 'B', 'C', 'D'], types: ['view', 'click', 'cart', 'purchase'], purchase: 'purchase', fingerprint: 'f1', ...model }));
}

export function createFakeModule() {
  const memory = new ArrayBuffer(1 << 20);
  let top = 16;
  const live = { models: 0, sessions: 0 };
  const module = {
    HEAPU8: new Uint8Array(memory),
    HEAP32: new Int32Array(memory),
    HEAPF32: new Float32Array(memory),
    HEAPF64: new Float64Array(memory),
    live,
    loads: [],
    _malloc(size) {
      const ptr = top;
      top += Math.ceil(size / 8) * 8 + 8;
      if (top > memory.byteLength) throw new Error('fake heap exhausted');
      return ptr;
    },
    _free() {},
  };
  const bytesAt = (ptr, size) => module.HEAPU8.slice(ptr, ptr + size);

  module.ModelHandle = class {
    constructor() {
      live.models++;
    }
    load(ptr, size, verify) {
      module.loads.push({ verify });
      let m;
      try {
        m = JSON.parse(decoder.decode(bytesAt(ptr, size)));
      } catch {
        return 'not a tandem model file: bad magic bytes at offset 0';
      }
      if (m.error) return m.error;
      this.m = m;
      return '';
    }
    itemCount() { return this.m.items.length; }
    dim() { return 2; }
    profileLength() { return 3; }
    quantized() { return false; }
    fingerprint() { return this.m.fingerprint; }
    findItem(id) {
      const row = this.m.items.indexOf(id);
      return this.m.removed?.has(row) ? -1 : row;
    }
    findItems(bytesPtr, lengthsPtr, count, rowsPtr) {
      const decoder = new TextDecoder();
      for (let i = 0, p = bytesPtr; i < count; i++) {
        const length = module.HEAP32[(lengthsPtr >> 2) + i];
        module.HEAP32[(rowsPtr >> 2) + i] = length < 0 ? -1 : this.findItem(decoder.decode(module.HEAPU8.subarray(p, p + length)));
        p += Math.max(0, length);
      }
    }
    itemId(row) { return this.m.items[row] ?? ''; }
    // The catalog: rows as the engine's JSON gives them, kept to check what the JS layer sent.
    updateItems(json) {
      const rows = JSON.parse(json);
      module.catalogCalls = [...(module.catalogCalls ?? []), rows];
      const bad = rows.findIndex((r) => r.fake_error);
      if (bad >= 0) return `item ${bad}: ${rows[bad].fake_error}`;
      this.m.removed ??= new Set();
      this.m.unavailable ??= new Set();
      for (const r of rows) {
        if (!this.m.items.includes(r.id)) this.m.items.push(r.id);
        const row = this.m.items.indexOf(r.id);
        this.m.removed.delete(row);
        if (r.available === false) this.m.unavailable.add(row);
        if (r.available === true) this.m.unavailable.delete(row);
      }
      return '';
    }
    removeItems(bytesPtr, lengthsPtr, count) {
      this.m.removed ??= new Set();
      let n = 0;
      for (let i = 0, p = bytesPtr; i < count; i++) {
        const length = module.HEAP32[(lengthsPtr >> 2) + i];
        const row = length < 0 ? -1 : this.findItem(decoder.decode(module.HEAPU8.subarray(p, p + length)));
        p += Math.max(0, length);
        if (row >= 0) {
          this.m.removed.add(row);
          n++;
        }
      }
      return n;
    }
    recommendable(row) { return row >= 0 && row < this.m.items.length && !this.m.removed?.has(row) && !this.m.unavailable?.has(row); }
    eventTypeCount() { return this.m.types.length; }
    eventType(i) { return this.m.types[i]; }
    purchaseEvent() { return this.m.purchase; }
    metadata() { return '{}'; }
    delete() { live.models--; }
  };

  module.SessionHandle = class {
    constructor(model) {
      live.sessions++;
      this.model = model;
      this.s = { events: [], profile: [0, 0, 0], unknown: 0 };
    }
    observe(row, type, time, price, discount) {
      if (time < 0) return 'fake: negative time';
      this.offers = [...(this.offers ?? []), [price, discount]];
      if (row < 0) this.s.unknown++;
      else this.s.events.push([row, type, time]);
      return '';
    }
    count(row) { return this.s.events.filter((e) => e[0] === row).length; }
    setProfile(ptr, count) {
      if (count !== 3) return `profile has ${count} values, this model expects 3 (dim 2 + 1)`;
      this.s.profile = Array.from(module.HEAPF32.subarray(ptr >> 2, (ptr >> 2) + 3));
      return '';
    }
    setProfileFile(ptr, size) {
      const text = decoder.decode(bytesAt(ptr, size));
      if (!text.startsWith('PROFILE ')) return 'profile file: bad magic bytes';
      this.s.profile = JSON.parse(text.slice(8));
      return '';
    }
    clearProfile() { this.s.profile = [0, 0, 0]; }
    profile(out) { module.HEAPF32.set(this.s.profile, out >> 2); }
    foldRecentEvents() { this.s.profile = [this.s.profile[0] + this.s.events.length, 0, 0]; }
    reset() { this.s.events = []; this.s.unknown = 0; }
    resumeAt() { return 0; }  // the fake keeps no short-term state
    scoreOf(row) { return row < 0 ? 0 : this.count(row) - row / 1000; }
    rerank(rowsPtr, n, top, keepOrder, posPtr, scoresPtr, sharesPtr, pricesPtr, discountsPtr) {
      const rows = Array.from(module.HEAP32.subarray(rowsPtr >> 2, (rowsPtr >> 2) + n));
      const f64 = (ptr) => (ptr === 0 ? null : Array.from(module.HEAPF64.subarray(ptr >> 3, (ptr >> 3) + n)));
      this.lastOffers = { prices: f64(pricesPtr), discounts: f64(discountsPtr) };
      const order = rows.map((r, i) => i);
      if (!keepOrder) order.sort((a, b) => this.scoreOf(rows[b]) - this.scoreOf(rows[a]) || a - b);
      order.slice(0, top).forEach((p, i) => {
        const row = rows[p];
        const long = row < 0 ? 0 : Math.abs(this.s.profile[0]), short = row < 0 ? 0 : Math.abs(this.count(row));
        module.HEAP32[(posPtr >> 2) + i] = p;
        module.HEAPF32[(scoresPtr >> 2) + i] = this.scoreOf(row);
        module.HEAPF32[(sharesPtr >> 2) + i] = long + short > 0 ? long / (long + short) : 0.5;
      });
      return Math.min(top, n);
    }
    recommend() { return 0; }
    gateMean() { return 0.25; }
    events() { return this.s.events.length; }
    unknownItems() { return this.s.unknown; }
    sessions() { return 1; }
    recentCount() { return this.s.events.length; }
    recentItem(i) { return this.s.events[i][0]; }
    recentType(i) { return this.s.events[i][1]; }
    recentTime(i) { return this.s.events[i][2]; }
    saveState() {
      return encoder.encode(`STATE ${JSON.stringify({ fingerprint: this.model.m.fingerprint, ...this.s })}`);
    }
    restoreState(ptr, size) {
      const text = decoder.decode(bytesAt(ptr, size));
      if (!text.startsWith('STATE ')) return 'session state: bad magic bytes, not a tandem session state';
      let s;
      try {
        s = JSON.parse(text.slice(6));
      } catch {
        return 'session state: checksum mismatch (corrupt or truncated)';
      }
      if (s.fingerprint !== this.model.m.fingerprint) {
        return `session state: saved for another model (fingerprint ${s.fingerprint}, this model ${this.model.m.fingerprint})`;
      }
      this.s = { events: s.events, profile: s.profile, unknown: s.unknown };
      return '';
    }
    // The fake's states name no events (as version 1 states), so another model's is refused above
    // and never replayed (the real engine's replay: tests/js/sdk.test.mjs).
    lastReplay() { return { fromOtherModel: false, events: 0, unknownItems: 0, unknownTypes: 0 }; }
    delete() { live.sessions--; }
  };
  return module;
}

/** A storage object over a Map that can be made to fail; records its calls. */
export function memoryStorage({ failSet, failGet, async = false, initial = [] } = {}) {
  const data = new Map(initial);
  const calls = [];
  const wrap = (value) => (async ? Promise.resolve(value) : value);
  return {
    data,
    calls,
    getItem(key) {
      calls.push(['get', key]);
      if (failGet) throw failGet;
      return wrap(data.has(key) ? data.get(key) : null);
    },
    setItem(key, value) {
      calls.push(['set', key]);
      if (failSet) throw failSet;
      data.set(key, value);
      return wrap(undefined);
    },
    removeItem(key) {
      calls.push(['remove', key]);
      data.delete(key);
      return wrap(undefined);
    },
  };
}
