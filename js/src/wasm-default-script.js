// Where tandem.wasm is when the page does not say, in the classic-script build (tandem.iife.js,
// which scripts/stage-package.mjs builds with this file in place of wasm-default.js): beside the
// script, as a CDN serves the package's files, the way ONNX Runtime Web finds its wasm. The
// script's URL can only be read while the script first runs (document.currentScript is null
// afterwards), so it is read here, at load.
const script = typeof document === 'object' && document !== null ? document.currentScript : null;
const base = script && script.src ? script.src : null;

export function defaultWasm() {
  if (base === null) {
    throw new TypeError('tandem: cannot tell where tandem.wasm is: tandem.iife.js did not run from a <script src> (pass wasmPath, wasmUrl or wasmBinary)');
  }
  return { url: new URL('tandem.wasm', base) };
}
