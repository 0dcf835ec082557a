// Loading: the model bytes and the wasm module, in browsers, workers and Node, without eval and
// without any request the page did not ask for. Downloads report progress through an optional
// onProgress({ what, loaded, total }) (total null when the server sends no length).
import createTandemModule from './tandem-wasm.js';

const isNode = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

/** Fetches same-origin-credentialed, or fails naming the URL and the HTTP status. */
async function get(href, what) {
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin' });
  } catch (e) {
    throw new Error(`tandem: cannot fetch ${what} at ${href}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`tandem: cannot fetch ${what} at ${href}: HTTP ${response.status}`);
  return response;
}

/** The same response, its body counted into onProgress as it streams. */
function counted(response, key, onProgress) {
  if (!onProgress || !response.body) return response;
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  let loaded = 0;
  onProgress({ what: key, loaded, total });
  const body = response.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        onProgress({ what: key, loaded, total });
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * Reads a URL (http(s): via fetch, file: via node:fs in Node) into an ArrayBuffer, or fails naming
 * URL and status. `key` names the download in progress reports ('model', 'wasm', 'profile').
 */
export async function fetchBytes(url, what, key, onProgress) {
  const href = url instanceof URL ? url.href : String(url);
  if (isNode && href.startsWith('file:')) {
    // A variable specifier keeps bundlers from pulling node:fs into browser builds.
    const fsName = 'node:fs/promises';
    const fs = await import(/* @vite-ignore */ fsName);
    let data;
    try {
      data = await fs.readFile(new URL(href));
    } catch (e) {
      throw new Error(`tandem: cannot read ${what} at ${href}: ${e.message}`);
    }
    onProgress?.({ what: key, loaded: data.byteLength, total: data.byteLength });
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  }
  return readBody(counted(await get(href, what), key, onProgress), href, what);
}

/** The body of a response; a download that breaks off (or does not decode) fails naming the URL. */
async function readBody(response, href, what) {
  try {
    return await response.arrayBuffer();
  } catch (e) {
    const why = e?.cause?.message ? `${e.message}: ${e.cause.message}` : e?.message ?? String(e);
    throw new Error(`tandem: cannot fetch ${what} at ${href}: the download failed part-way (${why})`);
  }
}

/** The factory's promise; bytes that are not this package's wasm reject with a tandem Error. */
function create(options, where) {
  return createTandemModule(options).catch((e) => {
    throw new Error(`tandem: cannot instantiate the tandem wasm module from ${where}: ${String(e?.message ?? e).replace(/^Aborted\((.*)\)\..*$/s, '$1')}`);
  });
}

/**
 * Whether an ArrayBuffer has been detached (transferred to a worker, by structuredClone or by
 * ArrayBuffer.prototype.transfer): it then holds no bytes, and using it throws bare engine errors.
 * Where `detached` is not implemented, a detached buffer is the one of length 0 that no view can
 * be made of.
 */
function isDetached(buffer) {
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** A Uint8Array over the bytes of an ArrayBuffer or a view (no copy); throws a tandem TypeError otherwise. */
export function toUint8Array(data, what) {
  const isBuffer = data instanceof ArrayBuffer;
  if (!isBuffer && !ArrayBuffer.isView(data)) throw new TypeError(`tandem: ${what} must be an ArrayBuffer or a typed array`);
  // WebIDL APIs throw a TypeError for a detached buffer too.
  if (isDetached(isBuffer ? data : data.buffer)) {
    throw new TypeError(`tandem: ${what} is ${isBuffer ? 'a detached ArrayBuffer' : `a ${data.constructor.name} over a detached ArrayBuffer`} (its bytes were transferred elsewhere)`);
  }
  if (data instanceof Uint8Array) return data;
  return isBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Checks the wasm options and resolves them to { binary } or { url } before anything is fetched:
 * `wasmBinary` (bytes) wins; else `wasmUrl` (relative to the page), else the tandem.wasm next to
 * this file.
 */
export function wasmSource({ wasmUrl, wasmBinary }) {
  if (wasmBinary !== undefined) return { binary: toUint8Array(wasmBinary, 'wasmBinary') };
  if (wasmUrl === undefined) return { url: new URL('./tandem.wasm', import.meta.url) };
  const base = globalThis.location?.href;
  try {
    return { url: new URL(String(wasmUrl), base) };
  } catch {
    throw new TypeError(`tandem: wasmUrl ${JSON.stringify(String(wasmUrl))} is not a valid URL${base === undefined ? ' (without a page, a URL must be absolute)' : ''}`);
  }
}

/** Instantiates the wasm module from wasmSource()'s answer. Browsers compile while downloading (compileStreaming). */
export async function instantiate({ binary, url }, onProgress) {
  if (binary !== undefined) return create({ wasmBinary: binary }, 'wasmBinary');
  if (url.protocol === 'file:' || typeof WebAssembly.compileStreaming !== 'function') {
    return create({ wasmBinary: new Uint8Array(await fetchBytes(url, 'the tandem wasm module', 'wasm', onProgress)) }, url.href);
  }
  const response = counted(await get(url.href, 'the tandem wasm module'), 'wasm', onProgress);
  // compileStreaming needs the application/wasm content type; a server without it still works.
  const compiled = WebAssembly.compileStreaming(response.clone()).catch(() =>
    readBody(response, url.href, 'the tandem wasm module').then((bytes) => WebAssembly.compile(bytes)),
  );
  return new Promise((resolve, reject) => {
    createTandemModule({
      instantiateWasm(imports, done) {
        compiled
          .then((module) => WebAssembly.instantiate(module, imports))
          .then((instance) => done(instance), (e) => reject(new Error(`tandem: cannot instantiate ${url.href}: ${e.message}`)));
        return {};
      },
    }).then(resolve, reject);
  });
}
