// Where a session's state is kept between page loads: localStorage, IndexedDB, or any object with
// getItem / setItem / removeItem (sync, or returning promises). The state is saved as one text: a
// JSON record of the engine's state (base64) and the measurement (measure.js).
// Storage is a convenience, never a requirement: when it is missing, full or failing, the session
// keeps working in memory and says so once (the `warn` callback), so a shop page never breaks.

/** Uint8Array -> base64 (btoa exists on the main thread, in workers and in Node 16+). */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** base64 -> Uint8Array; throws on text that is not base64. */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

/** A storage object over IndexedDB (database "tandem", object store "sessions"). */
function indexedDBStorage(idb) {
  let db = null;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const request = idb.open('tandem', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('sessions');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }));
  const run = (mode, op) =>
    open().then(
      (database) =>
        new Promise((resolve, reject) => {
          const tx = database.transaction('sessions', mode);
          const request = op(tx.objectStore('sessions'));
          tx.oncomplete = () => resolve(request.result);
          tx.onerror = tx.onabort = () => reject(tx.error ?? request.error);
        }),
    );
  return {
    getItem: (key) => run('readonly', (s) => s.get(key)).then((v) => (typeof v === 'string' ? v : null)),
    setItem: (key, value) => run('readwrite', (s) => s.put(value, key)),
    removeItem: (key) => run('readwrite', (s) => s.delete(key)),
  };
}

/** Resolves the `persist` option to { name, storage }, or { name, storage: null, why } when unavailable. */
function resolveStorage(persist) {
  if (persist === 'localStorage') {
    try {
      // Reading the property itself throws in sandboxed frames and some private modes.
      const storage = globalThis.localStorage;
      if (storage) return { name: 'localStorage', storage };
      return { name: 'localStorage', storage: null, why: 'there is no localStorage here' };
    } catch (e) {
      return { name: 'localStorage', storage: null, why: `${e.name}: ${e.message}` };
    }
  }
  if (persist === 'indexedDB') {
    const idb = globalThis.indexedDB;
    if (idb) return { name: 'indexedDB', storage: indexedDBStorage(idb) };
    return { name: 'indexedDB', storage: null, why: 'there is no indexedDB here' };
  }
  if (persist !== null && typeof persist === 'object' && ['getItem', 'setItem', 'removeItem'].every((m) => typeof persist[m] === 'function')) {
    return { name: 'the storage object', storage: persist };
  }
  throw new TypeError("tandem: persist must be 'localStorage', 'indexedDB', 'afterConsent' or an object with getItem, setItem and removeItem");
}

/**
 * The saved-state slot of one session. load() returns the text, null, or a promise of either;
 * save() and clear() never throw. `warn(kind, message)` is the session's warn-once.
 */
export class Store {
  constructor(persist, key, warn) {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('tandem: storageKey must be a non-empty string');
    const { name, storage, why } = resolveStorage(persist);
    this.name = name;
    this.key = key;
    this.warn = warn;
    this.storage = storage;
    this.why = why;
  }

  load() {
    // Said here, not in the constructor: a session whose other options fail does not warn.
    if (!this.storage) {
      this.warn('unavailable', `tandem: ${this.name} is unavailable (${this.why}); the session is kept in memory only`);
      return null;
    }
    const failed = (e) => {
      this.warn('load', `tandem: cannot read the saved session from ${this.name} (${describeError(e)}); starting a fresh session`);
      return null;
    };
    try {
      const value = this.storage.getItem(this.key);
      if (isThenable(value)) return Promise.resolve(value).then((v) => (typeof v === 'string' ? v : null), failed);
      return typeof value === 'string' ? value : null;
    } catch (e) {
      return failed(e);
    }
  }

  save(text) {
    if (!this.storage) return;
    const failed = (e) =>
      this.warn('save', `tandem: cannot save the session to ${this.name} (${describeError(e)}); keeping it in memory`);
    try {
      const done = this.storage.setItem(this.key, text);
      if (isThenable(done)) Promise.resolve(done).catch(failed);
    } catch (e) {
      failed(e);
      // A full storage still holds the previous state: drop it so the next page load does not
      // restore an older session than the one the shopper had.
      this.clear();
    }
  }

  clear() {
    if (!this.storage) return undefined;
    const failed = (e) => this.warn('clear', `tandem: cannot remove the saved session from ${this.name} (${describeError(e)})`);
    try {
      const done = this.storage.removeItem(this.key);
      if (isThenable(done)) return Promise.resolve(done).catch(failed);
    } catch (e) {
      failed(e);
    }
    return undefined;
  }
}

function describeError(e) {
  return e && typeof e === 'object' && 'name' in e ? `${e.name}: ${e.message}` : String(e);
}
