// Loading: the model bytes and the wasm module, in browsers, workers and Node, without eval and
// without any request the page did not ask for.
import createTandemModule from './tandem-wasm.js';

const isNode = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

/** Reads a URL (http(s): via fetch, file: via node:fs in Node) into an ArrayBuffer, or fails naming URL and status. */
export async function fetchBytes(url, what) {
  const href = url instanceof URL ? url.href : String(url);
  if (isNode && href.startsWith('file:')) {
    const fsName = 'node:fs/promises';
    const fs = await import(/* @vite-ignore */ fsName);
    try {
      const data = await fs.readFile(new URL(href));
      return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    } catch (e) {
      throw new Error(`tandem: cannot read ${what} at ${href}: ${e.message}`);
    }
  }
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin' });
  } catch (e) {
    throw new Error(`tandem: cannot fetch ${what} at ${href}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`tandem: cannot fetch ${what} at ${href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

export function toUint8Array(data, what) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`tandem: ${what} must be an ArrayBuffer or a typed array`);
}

/**
 * Instantiates the wasm module. `wasmBinary` (bytes) wins; else `wasmUrl`, else the tandem.wasm
 * next to this file. Browsers compile while downloading (instantiateStreaming).
 */
export async function instantiate({ wasmUrl, wasmBinary } = {}) {
  if (wasmBinary !== undefined) {
    return createTandemModule({ wasmBinary: toUint8Array(wasmBinary, 'wasmBinary') });
  }
  const url = wasmUrl !== undefined ? new URL(String(wasmUrl), globalThis.location?.href) : new URL('./tandem.wasm', import.meta.url);
  if (url.protocol === 'file:' || typeof WebAssembly.instantiateStreaming !== 'function') {
    return createTandemModule({ wasmBinary: new Uint8Array(await fetchBytes(url, 'the tandem wasm module')) });
  }
  let response;
  try {
    response = await fetch(url.href, { credentials: 'same-origin' });
  } catch (e) {
    throw new Error(`tandem: cannot fetch the tandem wasm module at ${url.href}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`tandem: cannot fetch the tandem wasm module at ${url.href}: HTTP ${response.status}`);
  // compileStreaming needs the application/wasm content type; a server without it still works.
  const compiled = WebAssembly.compileStreaming(response.clone()).catch(() =>
    response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes)),
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
