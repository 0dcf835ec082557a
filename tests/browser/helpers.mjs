// Shared by the browser tests: Debian's Chromium driven by playwright-core (flags from
// docs/building.md: no sandbox as root, no background networking on a closed network), the
// demo server on 127.0.0.1, and a page wrapper that records every request, console error and
// CSP violation.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from '../../demo/serve.mjs';
import { root } from '../js/helpers.mjs';

export { root };
export const artifacts = join(root, 'build/artifacts');
mkdirSync(artifacts, { recursive: true });

/** Chromium with a fresh profile (playwright makes a temporary --user-data-dir itself). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export const serve = (options) => startServer(options);

/**
 * The demo shop with the test pages under /test/ and a Chromium, started before a file's tests and
 * stopped after them. The returned object gets `browser` and `base` (the server's URL) once started.
 */
export function demoAndBrowser() {
  const shared = { browser: null, base: null };
  let server;
  before(async () => {
    ({ server, url: shared.base } = await serve({ mounts: { '/test/': join(root, 'tests/browser/pages') } }));
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    server?.close();
  });
  return shared;
}

/**
 * A page that records what happened: requests (method, url, body), console errors, page errors,
 * CSP violations (reported by the page itself, so inline-eval attempts are caught too).
 */
export async function recordedPage(context) {
  const page = await context.newPage();
  const log = { requests: [], errors: [], violations: [] };
  page.on('request', (r) => log.requests.push({ method: r.method(), url: r.url(), body: r.postData() }));
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.exposeBinding('__reportViolation', (_source, v) => log.violations.push(v));
  await page.addInitScript(() => {
    globalThis.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      const v = `${e.violatedDirective}: ${e.blockedURI}`;
      globalThis.__violations.push(v);
      globalThis.__reportViolation(v);
    });
  });
  return { page, log };
}
