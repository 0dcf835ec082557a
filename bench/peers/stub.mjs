// Stands in for the Node modules (fs, os, path, perf_hooks) that tfjs-backend-wasm's ES bundle
// imports but uses only under Node; the browser page's import map points them here.
export default {};
