// Where tandem.wasm is when the page does not say (no wasmUrl, wasmPath or wasmBinary), in the ES
// module build. Measured with real builds (tests/browser/bundlers.test.mjs):
//   - webpack 5 and Vite (and Rollup-based tools, Parcel) recognise `new URL('./tandem.wasm',
//     import.meta.url)`: they copy the wasm into the build under a hashed name and rewrite the URL.
//   - Unbundled (import maps, a CDN's ES modules, Node), the URL is tandem.wasm beside this file.
//   - esbuild does neither (evanw/esbuild#795): an ESM bundle keeps the URL, now relative to the
//     bundle, where no tandem.wasm was copied (an HTTP 404); a classic-script (IIFE) or CommonJS
//     bundle has no import.meta.url at all.
// The last case is told apart by this file's own URL: bundled, it is no longer wasm-default.js,
// yet the URL still names tandem.wasm, so nothing copied it. Then the copy of the wasm inside
// tandem-wasm-inline.js (base64) is used: esbuild puts it into the bundle, so the page works with
// no configuration; webpack is told to leave that import alone (it never needs it), and Rollup and
// Vite split it into a chunk that is never loaded.

export function defaultWasm() {
  const here = import.meta.url;
  if (typeof here === 'string') {
    // Written out exactly so: this expression is what bundlers look for and rewrite.
    const url = new URL('./tandem.wasm', import.meta.url);
    const copied = !url.pathname.endsWith('/tandem.wasm') || new URL(here).pathname.endsWith('/wasm-default.js');
    if (copied) return { url };
  }
  return { inline: () => import(/* webpackIgnore: true */ './tandem-wasm-inline.js').then((m) => m.default) };
}
