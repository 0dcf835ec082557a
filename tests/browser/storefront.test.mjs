// The demo storefront and the package in headless Chromium, served on 127.0.0.1 by demo/serve.mjs
// with its strict CSP: the strip follows the shopper's clicks, the order survives a reload and
// resets after "forget me", tiles in view are impressions (the strip no longer feeds on itself),
// the measurement readout and the holdout arm, personas load their profiles, no request carries
// event data, and the package runs in a Worker. Bundlers: bundlers.test.mjs; consent and the
// hooks on a page of their own: measure.test.mjs.
// Needs build/demo (scripts/demo.sh --no-serve) and build/package. Screenshots: build/artifacts/.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CSP } from '../../demo/serve.mjs';
import { TANDEM_ARM, artifacts, clickProduct, demoAndBrowser, events, gridOrder, openShop as open, recordedPage, strip } from './helpers.mjs';

const shop = demoAndBrowser();
const openShop = (context, query) => open(shop, context, query);
const newContext = () => shop.browser.newContext({ viewport: { width: 1400, height: 1000 } });

test('clicking products of one category moves that category up in the strip', async () => {
  const context = await newContext();
  const { page } = await openShop(context);
  const before = await strip(page);
  assert.equal(before.length, 8);
  const categories = await page.$$eval('#categories button[data-category]:not([data-category=""])', (els) => els.map((e) => e.dataset.category));
  const count = (list, c) => list.filter((s) => s.category === c).length;
  const target = categories.reduce((best, c) => (count(before, c) < count(before, best) ? c : best));
  await page.click(`#categories button[data-category="${target}"]`);
  const clicked = (await gridOrder(page)).slice(0, 4);
  for (const item of clicked) await clickProduct(page, `#grid [data-tandem-item="${item}"]`);
  const afterClicks = await strip(page);
  const discovered = afterClicks.filter((s) => s.category === target && !clicked.includes(s.item));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, 'storefront.png') });
  assert.ok(count(afterClicks, target) > count(before, target), `${target}: ${count(before, target)} -> ${count(afterClicks, target)} of 8`);
  assert.ok(
    discovered.length >= 2,
    `the strip should recommend other ${target} products than the 4 clicked, got ${JSON.stringify(afterClicks)}`,
  );
  assert.ok(statSync(join(artifacts, 'storefront.png')).size > 10_000, 'screenshot saved');
  await context.close();
});

test('the order survives a reload (localStorage) and resets after "forget me"', async () => {
  const context = await newContext();
  // No impressions (a tile seen just after "forget me" would be saved: new data, at a time that varies).
  const { page } = await openShop(context, `${TANDEM_ARM}&dwell=3600000`);
  const fresh = { strip: await strip(page), grid: await gridOrder(page) };
  const grid = await gridOrder(page);
  for (const item of [grid[17], grid[40], grid[41]]) await clickProduct(page, `#grid [data-tandem-item="${item}"]`);
  const browsed = { strip: await strip(page), grid: await gridOrder(page), events: await events(page) };
  assert.notDeepEqual(browsed.grid, fresh.grid, 'browsing re-ranked the grid');

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.deepEqual({ strip: await strip(page), grid: await gridOrder(page), events: await events(page) }, browsed);

  await page.click('#forget');
  await page.waitForSelector('body[data-events="0"]');
  assert.deepEqual({ strip: await strip(page), grid: await gridOrder(page) }, fresh);
  assert.equal(await page.evaluate(() => localStorage.getItem('tandem-demo')), null, 'nothing left in storage');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.deepEqual({ strip: await strip(page), grid: await gridOrder(page), events: await events(page) }, { ...fresh, events: 0 });
  await context.close();
});

test('tiles in view are impressions, not interest: an idle shopper\'s strip stays as it is (it no longer feeds on itself)', async () => {
  const context = await newContext();
  const { page } = await openShop(context, '?holdout=0&dwell=100');
  const before = await strip(page);
  await page.waitForTimeout(2500); // idle, the strip and the first grid rows in view
  assert.equal(await events(page), 0, 'no event');
  assert.deepEqual(await strip(page), before, 'the strip did not move');
  const impressions = Number(await page.getAttribute('body', 'data-impressions'));
  assert.ok(impressions >= 8, `the tiles seen were counted as impressions: ${impressions}`);
  assert.equal(await page.textContent('#count-impressions'), String(impressions));
  const sent = await page.$$eval('#hooks li', (els) => els.map((e) => e.textContent));
  assert.ok(sent.length > 0 && sent.every((t) => /^impression .+ · (for-you|grid) #\d+ · tandem$/.test(t)), JSON.stringify(sent));
  await page.screenshot({ path: join(artifacts, 'storefront-measurement.png') });
  await context.close();
});

test('measurement in the demo: a click on a recommended tile and its add-to-cart reach the hooks with the strip\'s position, counted for the arm', async () => {
  const context = await newContext();
  const { page } = await openShop(context);
  const [, second] = await strip(page);
  const name = await page.textContent(`#strip [data-tandem-item="${second.item}"] h3`);
  await page.click(`#strip [data-tandem-item="${second.item}"]`);
  await page.waitForSelector('body[data-events="1"]');
  await page.click('#add-to-cart');
  await page.waitForSelector('body[data-events="2"]');
  assert.deepEqual(
    await page.evaluate(() => ({ arm: document.body.dataset.arm, clicks: document.body.dataset.clicks, conversions: document.body.dataset.conversions })),
    { arm: 'tandem', clicks: '1', conversions: '1' },
  );
  const sent = await page.$$eval('#hooks li', (els) => els.map((e) => e.textContent));
  assert.ok(sent.includes(`cart ${name} · for-you #2 · tandem`), JSON.stringify(sent));
  assert.ok(sent.includes(`click ${name} · for-you #2 · tandem`), JSON.stringify(sent));
  await context.close();
});

test('the holdout arm in the demo: the grid keeps the catalog\'s order and the strip its best sellers, whatever the shopper clicks', async () => {
  const context = await newContext();
  const { page } = await openShop(context, '?holdout=1');
  assert.equal(await page.textContent('#arm'), 'holdout');
  const catalogOrder = await page.evaluate(async () => (await (await fetch('/catalog.json')).json()).products.map((p) => p.id));
  assert.deepEqual(await gridOrder(page), catalogOrder);
  const before = await strip(page);
  const grid = await gridOrder(page);
  for (const item of [grid[40], grid[41], grid[42]]) await clickProduct(page, `#grid [data-tandem-item="${item}"]`);
  assert.deepEqual(await strip(page), before, 'best sellers, not personal');
  assert.deepEqual(await gridOrder(page), catalogOrder);
  assert.equal(await page.getAttribute('body', 'data-clicks'), '3', 'clicks are still counted, for the holdout arm');
  assert.match(await page.textContent('#strip-why'), /holdout/);
  await context.close();
});

test('strict CSP in force, nothing breaks, and no request carries event data', async () => {
  const context = await newContext();
  const { page, log, response } = await openShop(context);
  assert.equal(response.headers()['content-security-policy'], CSP);
  assert.ok(!CSP.includes("'unsafe-eval'"));
  const grid = await gridOrder(page);
  await page.click(`#grid [data-tandem-item="${grid[2]}"]`);
  await page.click('#add-to-cart');
  await page.waitForSelector('body[data-events="2"]');
  await page.click(`#grid [data-tandem-item="${grid[5]}"]`);
  await page.click('#buy-now');
  await page.waitForSelector('body[data-events="4"]');
  await page.selectOption('#persona', '');
  await page.fill('#search', 'lamp');
  await page.waitForFunction(() => document.querySelectorAll('#grid [data-tandem-item]').length < 300);

  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.violations, []);
  const allowed = [/^\/$/, /^\/shop\.(js|css)$/, /^\/(catalog|personas)\.json$/, /^\/demo\.tandem$/, /^\/tandem-rec\/[\w-]+\.(js|wasm)$/, /^\/profile$/];
  const skus = new Set(grid);
  for (const r of log.requests) {
    const url = new URL(r.url);
    assert.equal(url.origin, shop.base, r.url);
    assert.equal(r.method, 'GET', r.url);
    assert.equal(r.body, null, r.url);
    assert.ok(allowed.some((re) => re.test(url.pathname)), `unexpected request ${r.url}`);
    // The profile's URL names the model (GET /profile answers for the signed-in shopper), nothing else.
    assert.ok(url.search === '' || url.search === TANDEM_ARM || (url.pathname === '/profile' && /^\?model=[0-9a-f]{16}$/.test(url.search)), `no query data: ${r.url}`);
    assert.ok(![...skus].some((sku) => r.url.includes(sku)), `no item ids in ${r.url}`);
  }
  assert.ok(log.requests.some((r) => r.url.endsWith('/tandem-rec/tandem.wasm')) && log.requests.some((r) => r.url.endsWith('/demo.tandem')));

  // The policy is really enforced: eval in the page's realm is refused, and the page reports it.
  await page.addScriptTag({ url: '/test/eval-probe.js' });
  assert.equal(await page.evaluate(() => globalThis.__evalProbe), 'EvalError');
  await page.waitForFunction(() => globalThis.__violations.length > 0);
  const violations = await page.evaluate(() => globalThis.__violations);
  assert.ok(violations.some((v) => v.startsWith('script-src')), `violations: ${JSON.stringify(violations)}`);
  await context.close();
});

test('a persona signs in and loads its long-term profile from GET /profile (no URL names a shopper); the strip follows its tastes', async () => {
  const personas = await (await fetch(`${shop.base}/personas.json`)).json();
  const ready = personas.filter((p) => p.hasProfile);
  assert.ok(ready.length === personas.length, 'every persona has a trained profile (build/demo/profiles from tandem train)');
  const context = await newContext();
  const { page, log } = await openShop(context);
  for (const persona of ready) {
    await page.selectOption('#persona', persona.id);
    await page.waitForFunction((name) => document.getElementById('status').textContent.includes(name), persona.name);
    const shown = await strip(page);
    const inTaste = shown.filter((s) => persona.tastes.includes(s.category)).length;
    assert.ok(inTaste >= 5, `${persona.name} (${persona.tastes}): ${inTaste} of 8 in taste: ${JSON.stringify(shown)}`);
  }
  await page.screenshot({ path: join(artifacts, 'storefront-persona.png') });
  const fingerprint = await page.textContent('#model-info');
  const profileRequests = log.requests.filter((r) => new URL(r.url).pathname === '/profile');
  assert.equal(profileRequests.length, ready.length, 'one profile download per persona');
  for (const r of profileRequests) assert.match(r.url, /\/profile\?model=[0-9a-f]{16}$/);
  assert.ok(fingerprint.includes(new URL(profileRequests[0].url).searchParams.get('model').slice(0, 8)), 'the page asks for its own model\'s profile');
  assert.ok(!log.requests.some((r) => ready.some((p) => r.url.includes(p.userId))), 'no request names a shopper');
  // The sign-in is the demo's cookie; choosing the guest signs out.
  assert.deepEqual((await context.cookies()).map((c) => [c.name, c.value]), [['tandem-demo-user', ready.at(-1).userId]]);
  await page.selectOption('#persona', '');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('guest'));
  assert.deepEqual(await context.cookies(), []);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the package runs in a module Worker and persists to IndexedDB there', async () => {
  const context = await newContext();
  const { page, log } = await recordedPage(context);
  await page.goto(`${shop.base}/test/worker.html`);
  const result = JSON.parse(await (await page.waitForSelector('body[data-result]')).getAttribute('data-result'));
  assert.deepEqual(result, { inWorker: true, itemCount: 300, restored: ['SKU-100010', 'SKU-100011', 'SKU-100042'], sameRanking: true });
  assert.deepEqual(log.errors, []);
  await context.close();
});
