// Loading: the model bytes and the wasm module, in browsers, workers and Node, without eval and
// without any request the page did not ask for. Downloads report progress through an optional
// onProgress({ what, loaded, total }) (total null when the server sends no length). Where the
// wasm is when the page does not say: wasm-default.js (ES module builds) or
// wasm-default-script.js (the classic-script build, tandem.iife.js).
import createTandemModule from './tandem-wasm.js';
import { defaultWasm } from './wasm-default.js';

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
    // process.getBuiltinModule (Node 20.16+), not an import: no bundler sees a node: module to
    // resolve or to warn about (Vite's dependency optimizer saw through a variable specifier).
    const fs = process.getBuiltinModule('node:fs/promises');
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
 * Checks the wasm options and resolves them to { binary }, { url } or { inline } (the copy of the
 * wasm bundled in JavaScript, see wasm-default.js) before anything is fetched: `wasmBinary`
 * (bytes), `wasmUrl` (the file) or `wasmPath` (the folder holding tandem.wasm, as a CDN serves the
 * package), relative to the page; else where the build finds it by itself.
 */
export function wasmSource({ wasmUrl, wasmPath, wasmBinary }) {
  const given = [['wasmUrl', wasmUrl], ['wasmPath', wasmPath], ['wasmBinary', wasmBinary]].filter(([, v]) => v !== undefined);
  if (given.length > 1) throw new TypeError(`tandem: give at most one of wasmUrl, wasmPath and wasmBinary (got ${given.map(([k]) => k).join(' and ')})`);
  if (wasmBinary !== undefined) return { binary: toUint8Array(wasmBinary, 'wasmBinary') };
  if (wasmUrl !== undefined) return { url: pageUrl(wasmUrl, 'wasmUrl') };
  if (wasmPath !== undefined) {
    // A folder without its trailing slash would resolve tandem.wasm beside it, not in it.
    const folder = pageUrl(wasmPath, 'wasmPath');
    if (!folder.pathname.endsWith('/')) folder.pathname += '/';
    return { url: new URL('tandem.wasm', folder) };
  }
  return defaultWasm();
}

/** A URL option resolved against the page (a worker's script, nothing in Node). */
export function pageUrl(value, name) {
  const base = globalThis.location?.href;
  try {
    return new URL(String(value), base);
  } catch {
    throw new TypeError(`tandem: ${name} ${JSON.stringify(String(value))} is not a valid URL${base === undefined ? ' (without a page, a URL must be absolute)' : ''}`);
  }
}

/** base64 text -> bytes (atob exists on the main thread, in workers and in Node 16+). */
function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Instantiates the wasm module from wasmSource()'s answer. Browsers compile while downloading (compileStreaming). */
export async function instantiate({ binary, url, inline }, onProgress) {
  if (binary !== undefined) return create({ wasmBinary: binary }, 'wasmBinary');
  if (inline !== undefined) return create({ wasmBinary: decodeBase64(await inline()) }, 'the copy bundled in JavaScript');
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
