// The demo storefront's static server: node:http on 127.0.0.1, correct content types (wasm as
// application/wasm so browsers compile while downloading), and a strict Content-Security-Policy
// on every response: scripts only from the page's origin plus 'wasm-unsafe-eval', never
// 'unsafe-eval', so the demo proves the package needs no eval.
//   /                      demo/index.html        /shop.js, /shop.css   demo/
//   /catalog.json, /demo.tandem, /profiles/...      build/demo/
//   /personas.json         build/demo/personas.json, each persona with its profileUrl when the trainer wrote one
//   /tandem-rec/...        build/package/ (the staged npm package)
// Usage: node demo/serve.mjs [--port 8080]
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.tandem': 'application/octet-stream',
  '.profile': 'application/octet-stream',
};

/**
 * Starts the server. `mounts` maps URL prefixes ('/x/') to folders, tried before the demo's own;
 * the browser tests mount their pages this way. Resolves to { server, url }.
 */
export async function startServer({ port = 0, mounts = {}, demoDir = join(root, 'build/demo'), packageDir = join(root, 'build/package') } = {}) {
  const table = [
    ...Object.entries(mounts),
    ['/tandem-rec/', packageDir],
    ['/profiles/', join(demoDir, 'profiles')],
  ];
  const files = {
    '/': join(root, 'demo/index.html'),
    '/index.html': join(root, 'demo/index.html'),
    '/shop.js': join(root, 'demo/shop.js'),
    '/shop.css': join(root, 'demo/shop.css'),
    '/catalog.json': join(demoDir, 'catalog.json'),
    '/demo.tandem': join(demoDir, 'demo.tandem'),
  };

  async function personas() {
    const list = JSON.parse(await readFile(join(demoDir, 'personas.json'), 'utf8'));
    for (const p of list) {
      const found = await stat(join(demoDir, 'profiles', `${p.userId}.profile`)).then(() => true, () => false);
      p.profileUrl = found ? `/profiles/${p.userId}.profile` : null;
    }
    return JSON.stringify(list);
  }

  function locate(pathname) {
    if (files[pathname]) return files[pathname];
    for (const [prefix, dir] of table) {
      if (!pathname.startsWith(prefix)) continue;
      const path = normalize(join(dir, pathname.slice(prefix.length)));
      return path === dir || path.startsWith(dir + sep) ? path : null; // no ../ escapes
    }
    return null;
  }

  const server = createServer(async (req, res) => {
    const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    const fail = (status, text) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET and HEAD');
    const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    try {
      if (pathname === '/personas.json') {
        const body = await personas();
        res.writeHead(200, { ...headers, 'content-type': TYPES['.json'] });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      const path = locate(pathname);
      const info = path && (await stat(path).catch(() => null));
      if (!info || !info.isFile()) return fail(404, `not found: ${pathname}`);
      res.writeHead(200, {
        ...headers,
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'content-length': info.size,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(path).pipe(res);
    } catch (e) {
      fail(500, String(e.message));
    }
  });
  await new Promise((ok, bad) => server.once('error', bad).listen(port, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const { url } = await startServer({ port });
  console.log(`demo storefront: ${url}/  (Ctrl-C to stop)`);
}
