// Privacy and page safety of the package's storage in headless Chromium (issue #6): a full
// localStorage (a real QuotaExceededError) costs the shop nothing but one warning and the stale
// saved copy; two tabs sharing localStorage never leave a broken state behind (the last writer
// wins, and a new page load restores one tab's whole state); and what the shop keeps is one
// localStorage key: no cookies, no other storage. storefront.test.mjs covers the CSP, the requests
// and the Worker. Needs build/demo (scripts/demo.sh --no-serve) and build/package.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoAndBrowser, recordedPage } from './helpers.mjs';

const TANDEM_ARM = '?holdout=0'; // this browser in the tandem arm (the demo holds 10% out by default)
const shop = demoAndBrowser();

const newContext = () => shop.browser.newContext({ viewport: { width: 1400, height: 1000 } });

/** A recorded page that also keeps the console warnings. */
async function pageWithWarnings(context) {
  const { page, log } = await recordedPage(context);
  log.warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') log.warnings.push(m.text());
  });
  return { page, log };
}

async function openShop(context, query = TANDEM_ARM) {
  const { page, log } = await pageWithWarnings(context);
  await page.goto(`${shop.base}/${query}`);
  await page.waitForSelector('body[data-ready="true"], body[data-error]');
  assert.equal(await page.getAttribute('body', 'data-error'), null, 'the shop started');
  return { page, log };
}

async function openTab(context) {
  const { page, log } = await pageWithWarnings(context);
  await page.goto(`${shop.base}/test/tabs.html`);
  await page.waitForSelector('body[data-ready="true"], body[data-error]');
  assert.equal(await page.getAttribute('body', 'data-error'), null, 'the tab started');
  return { page, log, state: () => page.evaluate(() => window.tab.state()) };
}

const events = async (page) => Number(await page.getAttribute('body', 'data-events'));
const gridOrder = (page) => page.$$eval('#grid [data-tandem-item]', (els) => els.map((e) => e.dataset.tandemItem));

/** Clicks a product card (a click event), waits for the page to take it in, closes the product dialog. */
async function clickProduct(page, item) {
  const n = await events(page);
  await page.click(`#grid [data-tandem-item="${item}"]`);
  await page.waitForSelector(`body[data-events="${n + 1}"]`);
  await page.click('#product [data-close]');
  await page.waitForSelector('#product', { state: 'hidden' });
}

/** Fills the origin's localStorage until not even one more character fits; returns what was written. */
function fillStorage(page) {
  return page.evaluate(() => {
    let chars = 0, error = null, n = 0;
    for (let size = 1 << 20; size >= 1; size >>= 2) {
      for (;;) {
        try {
          localStorage.setItem(`filler-${n++}`, 'x'.repeat(size));
          chars += size;
        } catch (e) {
          error = `${e.name}`;
          break;
        }
      }
    }
    return { chars, error };
  });
}

test('a full localStorage: the shop warns once, keeps re-ranking, and drops its stale saved copy', async () => {
  const context = await newContext();
  const { page, log } = await openShop(context);
  const grid = await gridOrder(page);
  await clickProduct(page, grid[20]);
  await clickProduct(page, grid[30]);
  const stale = await page.evaluate(() => localStorage.getItem('tandem-demo'));
  assert.ok(stale && stale.length > 100, 'the state is saved while there is room');

  const filled = await fillStorage(page);
  assert.equal(filled.error, 'QuotaExceededError', 'a real quota error from the browser');
  assert.ok(filled.chars > 1_000_000, `filled ${filled.chars} characters`);

  const before = await gridOrder(page);
  await clickProduct(page, before[50]);
  await clickProduct(page, before[60]);
  await clickProduct(page, before[70]);
  assert.equal(await events(page), 5, 'every event counted');
  assert.notDeepEqual(await gridOrder(page), before, 'the grid still re-ranks');
  const saveWarnings = log.warnings.filter((w) => w.startsWith('tandem: cannot save the session to localStorage'));
  assert.equal(saveWarnings.length, 1, `one warning, not one per event: ${JSON.stringify(log.warnings)}`);
  assert.match(saveWarnings[0], /^tandem: cannot save the session to localStorage \(QuotaExceededError: .+\); keeping it in memory$/);
  assert.deepEqual(log.errors, [], 'no page errors');
  // The copy from before the storage filled up is gone: a reload must not bring back 2 of 5 events.
  assert.equal(await page.evaluate(() => localStorage.getItem('tandem-demo')), null);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await events(page), 0, 'a fresh session, not the stale one');
  // With room again, saving resumes.
  await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('filler-')).forEach((k) => localStorage.removeItem(k)));
  await clickProduct(page, (await gridOrder(page))[5]);
  assert.ok((await page.evaluate(() => localStorage.getItem('tandem-demo')))?.length > 100, 'saved again');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await events(page), 1);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('two tabs sharing localStorage: the last writer wins, and a new page restores one tab\'s whole state, never a mix', async () => {
  const context = await newContext();
  const a = await openTab(context), b = await openTab(context);

  // One after the other: B wrote last, so a new tab restores B's session.
  await a.page.evaluate(() => window.tab.browse(4));
  await b.page.evaluate(() => window.tab.browse(3, { offset: 100 }));
  let c = await openTab(context);
  assert.deepEqual(await c.state(), await b.state());
  assert.equal((await c.state()).events, 3);

  // At the same time: 300 events each, saved after every one, the two tabs' writes interleaved.
  const [ta, tb] = await Promise.all([
    a.page.evaluate(() => window.tab.browse(300, { burst: 3 })),
    b.page.evaluate(() => window.tab.browse(300, { offset: 50, burst: 3 })),
  ]);
  assert.ok(ta.start < tb.end && tb.start < ta.end, `the tabs wrote at the same time: ${JSON.stringify({ ta, tb })}`);
  const [sa, sb] = [await a.state(), await b.state()];
  assert.notEqual(sa.saved, sb.saved);
  // Whatever reached storage last is one tab's whole state: a new page restores it as it was.
  await a.page.waitForTimeout(200); // let the last write reach every renderer
  c = await openTab(context);
  const restored = await c.state();
  assert.ok(restored.saved === sa.saved || restored.saved === sb.saved, 'the saved state is one of the two tabs\', byte for byte');
  assert.deepEqual(restored, restored.saved === sa.saved ? sa : sb, 'restored as that tab has it: events and recent items');
  assert.deepEqual([sa.events, sb.events], [304, 303]);
  assert.equal(await c.page.evaluate(() => JSON.parse(localStorage.getItem('tandem-tabs')).state), restored.saved);

  // The tabs keep their own sessions in memory (they do not follow each other), and whoever
  // writes next is what the next page load gets.
  await a.page.evaluate(() => window.tab.browse(1, { offset: 7 }));
  const d = await openTab(context);
  assert.deepEqual(await d.state(), await a.state());
  assert.equal((await d.state()).events, 305);

  for (const tab of [a, b, c, d]) {
    assert.deepEqual(tab.log.warnings.filter((w) => w.startsWith('tandem:')), [], 'no state was discarded as broken');
    assert.deepEqual(tab.log.errors, []);
  }
  await context.close();
});

test('what the shop keeps about a shopper is one localStorage key: no cookies, no session storage, no IndexedDB, no item ids but the clicked products', async () => {
  const context = await newContext();
  // Tiles never stay in view long enough to be impressions here: one seen just after "forget me"
  // would be saved (it is new data), and make the last check below depend on timing.
  const { page, log } = await openShop(context, `${TANDEM_ARM}&dwell=3600000`);
  const grid = await gridOrder(page);
  await clickProduct(page, grid[3]);
  await clickProduct(page, grid[9]);
  const kept = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: sessionStorage.length,
    cookie: document.cookie,
    indexedDB: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
  }));
  assert.deepEqual(kept, { localStorage: ['tandem-demo'], sessionStorage: 0, cookie: '', indexedDB: [], caches: [] });
  assert.deepEqual(await context.cookies(), []);
  // The saved value is the session state (base64 of a few hundred bytes), the measurement (the
  // arm's seed, counts, and the clicks on recommendations by model row) and the clicked rows' ids,
  // nothing else. The state keeps its recent window by name (docs/js-lifetimes.md: it carries over a
  // model update), so the only item ids anywhere are those of the products this shopper clicked.
  const saved = JSON.parse(await page.evaluate(() => localStorage.getItem('tandem-demo')));
  assert.deepEqual(Object.keys(saved), ['tandem', 'state', 'measure', 'items']);
  const clickedRows = [...new Set(saved.measure.clicks.map(([row]) => row))].sort();
  assert.deepEqual(saved.items.map(([row]) => row).sort(), clickedRows, 'the clicked rows, each once');
  assert.ok(saved.items.every(([, id]) => [grid[3], grid[9]].includes(id)), `the clicked products' ids: ${JSON.stringify(saved.items)}`);
  assert.match(saved.state, /^[A-Za-z0-9+/]+={0,2}$/);
  assert.deepEqual(Object.keys(saved.measure), ['seed', 'counts', 'clicks']);
  assert.ok(saved.measure.clicks.every(([row, id]) => Number.isInteger(row) && /^[0-9a-f]{16}$/.test(id)));
  assert.ok(!JSON.stringify(saved.measure).includes('SKU-'), 'no item ids in the measurement: model rows only');
  const ids = Buffer.from(saved.state, 'base64').toString('latin1').match(/SKU-\d+/g) ?? [];
  assert.deepEqual([...new Set(ids)].sort(), [grid[3], grid[9]].sort(), 'the state names the recent window\'s items only');
  // "Forget me" leaves nothing at all.
  await page.click('#forget');
  await page.waitForSelector('body[data-events="0"]');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  assert.deepEqual(log.errors, []);
  await context.close();
});
