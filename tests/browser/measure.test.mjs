// Consent mode and the holdout arm with the browser's real localStorage across page loads
// (pages/consent.js): before consent nothing is stored and nothing survives a reload; after
// grantConsent() the session is saved and restored; revokeConsent() removes it; a browser keeps
// its arm from one page load to the next. Needs build/demo and build/package.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoAndBrowser, recordedPage } from './helpers.mjs';

const shop = demoAndBrowser();

async function open(page, query = '') {
  await page.goto(`${shop.base}/test/consent.html${query}`);
  await page.waitForSelector('body[data-ready="true"], body[data-error]');
  assert.equal(await page.getAttribute('body', 'data-error'), null);
  return () => page.evaluate(() => window.shop.state());
}

test('consent: nothing stored before grantConsent(); then saved and restored on the next page load; revokeConsent() removes it', async () => {
  const context = await shop.browser.newContext();
  const { page, log } = await recordedPage(context);
  let state = await open(page);
  await page.evaluate(() => window.shop.browse(3));
  assert.deepEqual((await state()).stored, [], 'no storage before consent');
  assert.equal((await state()).recent.length, 3, 'the session works in memory');
  state = await open(page);
  assert.deepEqual((await state()).recent, [], 'nothing survived the reload');

  await page.evaluate(() => window.shop.browse(2));
  await page.evaluate(() => window.shop.grant());
  const granted = await state();
  assert.deepEqual(granted.stored, ['tandem-consent'], 'saved once consent is given');
  // The next page load: the consent platform says yes as the page loads; the state comes back,
  // and what this page does before that answer is replayed on top.
  state = await open(page, '?consent=granted');
  assert.deepEqual((await state()).recent, granted.recent);
  await page.evaluate(() => window.shop.browse(1));
  state = await open(page, '?consent=granted');
  assert.equal((await state()).recent.length, granted.recent.length + 1);

  await page.evaluate(() => window.shop.revoke());
  assert.deepEqual(await state(), { recent: [], arm: 'tandem', stored: [] });
  await page.evaluate(() => window.shop.browse(2));
  assert.deepEqual((await state()).stored, [], 'nothing saved after the revocation');
  state = await open(page);
  assert.deepEqual((await state()).recent, []);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('holdout: a browser keeps its arm across page loads; another browser draws its own', async () => {
  const arms = [];
  for (let b = 0; b < 6; b++) {
    const context = await shop.browser.newContext();
    const { page } = await recordedPage(context);
    let state = await open(page, '?consent=granted&holdout=0.5');
    await page.evaluate(() => window.shop.browse(1)); // saved with the state, seed included
    const arm = (await state()).arm;
    for (let i = 0; i < 3; i++) {
      state = await open(page, '?consent=granted&holdout=0.5');
      assert.equal((await state()).arm, arm, `browser ${b}, page load ${i + 2}`);
    }
    arms.push(arm);
    await context.close();
  }
  assert.ok(arms.every((a) => a === 'tandem' || a === 'holdout'));
});
