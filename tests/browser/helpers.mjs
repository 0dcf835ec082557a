// Shared by the browser tests: Debian's Chromium driven by playwright-core (flags from
// docs/building.md: no sandbox as root, no background networking on a closed network), the
// demo server on 127.0.0.1, a page wrapper that records every request, console error and
// CSP violation, and the demo shop's own helpers (open it, read its strip and grid, click a product).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
 * stopped after them; `files` (name -> path) are the test's own, under /fixture/ (copied into a
 * temporary folder that goes with the server). The returned object gets `browser` and `base` (the
 * server's URL) once started.
 */
export function demoAndBrowser(files = {}) {
  const dir = Object.keys(files).length > 0 ? mkdtempSync(join(tmpdir(), 'tandem-fixture-')) : null;
  for (const [name, path] of Object.entries(files)) copyFileSync(path, join(dir, name));
  const shared = { browser: null, base: null };
  let server;
  before(async () => {
    const mounts = { '/test/': join(root, 'tests/browser/pages'), ...(dir ? { '/fixture/': dir } : {}) };
    ({ server, url: shared.base } = await serve({ mounts }));
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
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

/** This browser in the tandem arm (the demo holds 10% out by default). */
export const TANDEM_ARM = '?holdout=0';

/** Opens the demo shop (from `shop`, a demoAndBrowser()) in a recorded page and waits until it is ready. */
export async function openShop(shop, context, query = TANDEM_ARM) {
  const { page, log } = await recordedPage(context);
  const response = await page.goto(`${shop.base}/${query}`);
  await page.waitForSelector('body[data-ready="true"], body[data-error]');
  assert.equal(await page.getAttribute('body', 'data-error'), null, 'the shop started');
  return { page, log, response };
}

/** The shop's event count (body[data-events]). */
export const events = async (page) => Number(await page.getAttribute('body', 'data-events'));
/** The "Recommended for you" strip: [{ item, category }], best first. */
export const strip = (page) =>
  page.$$eval('#strip [data-tandem-item]', (els) => els.map((e) => ({ item: e.dataset.tandemItem, category: e.dataset.category })));
/** The grid's item ids, best first. */
export const gridOrder = (page) => page.$$eval('#grid [data-tandem-item]', (els) => els.map((e) => e.dataset.tandemItem));

/** Clicks a product card (a click event), waits for the page to take it in, closes the product dialog. */
export async function clickProduct(page, selector) {
  const n = await events(page);
  await page.click(selector);
  await page.waitForSelector(`body[data-events="${n + 1}"]`);
  await page.click('#product [data-close]');
  await page.waitForSelector('#product', { state: 'hidden' });
}
