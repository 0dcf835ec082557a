// The bench's tiny static server on 127.0.0.1: the repository's bench/, build/package/ and
// build/bench/ (nothing else), and the tandem package measured (build/package or the directory
// bench/compare.mjs --package names) under /tandem-package/; no caching, cross-origin isolated
// (COOP + COEP) so that the page's performance.now() has 5 µs steps instead of 100 µs. Records
// every request (path, bytes) so that the bench can say what a page downloaded.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json',
};
const ALLOWED = ['/bench/', '/build/package/', '/build/bench/'];

export const PACKAGE_PREFIX = '/tandem-package/';

/** packageDir: the directory served as /tandem-package/ (default root/build/package). */
export function startServer(root, packageDir = join(root, 'build/package')) {
  const requests = [];
  const fileOf = (path) => (path.startsWith(PACKAGE_PREFIX) ? join(packageDir, path.slice(PACKAGE_PREFIX.length)) : join(root, path));
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let size = -1;
    try {
      if (!ALLOWED.some((p) => path.startsWith(p)) && !path.startsWith(PACKAGE_PREFIX)) throw new Error('not served');
      size = statSync(fileOf(path)).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    requests.push({ path, bytes: size });
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(fileOf(path)).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({ origin, requests, close: () => new Promise((r) => server.close(r)) });
    }),
  );
}
