// The demo storefront's static server: node:http on 127.0.0.1, correct content types (wasm as
// application/wasm so browsers compile while downloading), and a strict Content-Security-Policy
// on every response: scripts only from the page's origin plus 'wasm-unsafe-eval', never
// 'unsafe-eval', so the demo proves the package needs no eval.
//   /                      demo/index.html        /shop.js, /shop.css   demo/
//   /catalog.json, /demo.tandem                     build/demo/
//   /personas.json         build/demo/personas.json, each persona with hasProfile when the trainer wrote one
//   /profile               the signed-in shopper's long-term profile (tandem-rec/server), below
//   /tandem-rec/...        build/package/ (the staged npm package)
// Usage: node demo/serve.mjs [--port 8080]
//
// GET /profile is the documented example of tandem-rec/server: createProfileHandler answers for
// the shopper that `authenticate` says is signed in, from the SQLite store scripts/demo.sh makes
// with `tandem profiles` (demo/profile-store.mjs; without it, from memory). The demo's sign-in is
// a toy: "Shopping as" sets the cookie tandem-demo-user to a persona's user id, and authenticate
// believes it (for a persona only). A shop's authenticate checks its own session cookie or token
// instead; the handler is the same.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { demoProfileStore } from './profile-store.mjs';

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
  ];
  const files = {
    '/': join(root, 'demo/index.html'),
    '/index.html': join(root, 'demo/index.html'),
    '/shop.js': join(root, 'demo/shop.js'),
    '/shop.css': join(root, 'demo/shop.css'),
    '/catalog.json': join(demoDir, 'catalog.json'),
    '/demo.tandem': join(demoDir, 'demo.tandem'),
  };

  // The profiles, served to the signed-in shopper only.
  const server = await import(pathToFileURL(join(packageDir, 'server.js')).href);
  const profiles = demoProfileStore(demoDir, server);
  const personaList = JSON.parse(await readFile(join(demoDir, 'personas.json'), 'utf8').catch(() => '[]'));
  const personaUsers = new Set(personaList.map((p) => p.userId));
  const profileHandler = server.createProfileHandler({
    store: profiles.store,
    // The toy sign-in: the persona's user id in a cookie. Anything else is a guest (401).
    authenticate: (req) => {
      const cookie = /(?:^|;\s*)tandem-demo-user=([^;]*)/.exec(req.headers.cookie ?? '');
      const user = cookie ? decodeURIComponent(cookie[1]) : null;
      return user !== null && personaUsers.has(user) ? user : null;
    },
  });

  async function personas() {
    const list = JSON.parse(await readFile(join(demoDir, 'personas.json'), 'utf8'));
    for (const p of list) p.hasProfile = (await profiles.store.get(p.userId)) !== null;
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

  const httpServer = createServer(async (req, res) => {
    const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    const fail = (status, text) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET and HEAD');
    const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    if (pathname === '/profile') {
      res.setHeader('content-security-policy', CSP);
      return profileHandler(req, res);
    }
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
  await new Promise((ok, bad) => httpServer.once('error', bad).listen(port, '127.0.0.1', ok));
  httpServer.once('close', () => profiles.store.close?.());
  return { server: httpServer, url: `http://127.0.0.1:${httpServer.address().port}`, profiles: { kind: profiles.kind, path: profiles.path, count: profiles.count, why: profiles.why } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const { url, profiles } = await startServer({ port });
  console.log(profiles.kind === 'sqlite'
    ? `profiles: ${profiles.count} shoppers in ${profiles.path}, served at GET /profile to the signed-in shopper`
    : `profiles: ${profiles.count} shoppers served from memory (the trainer's profile files) at GET /profile: ${profiles.why}`);
  console.log(`demo storefront: ${url}/  (Ctrl-C to stop)`);
}
