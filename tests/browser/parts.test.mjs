// A catalog in parts in Chromium (issue #21): a page creates the Recommender from the model file
// `tandem split` wrote and loads the parts of a category over HTTP (only those are requested),
// then every part; it then scores and recommends to the bit as the whole model file loaded as
// one; a part that is not there fails naming its URL and status, and the parts that arrived stay.
// The split int8 fixture (native CLI) is served under /fixture/. Needs build/package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli, fixturePath } from '../js/helpers.mjs';
import { demoAndBrowser, recordedPage } from './helpers.mjs';

const whole = fixturePath({ items: 3000, dim: 16, seed: 9, int8: true });
const dir = mkdtempSync(join(tmpdir(), 'tandem-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));
execFileSync(cli, ['split', '--model', whole, '--out', join(dir, 'out'), '--part-bytes', '30000'], { stdio: 'pipe' });
const catalog = JSON.parse(readFileSync(join(dir, 'out', 'catalog.json'), 'utf8'));
// The same catalog with one part's file missing.
writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...catalog, parts: [...catalog.parts.slice(0, 2), { ...catalog.parts[2], file: 'missing.tandem-part' }] }));
const files = { 'whole.tandem': whole, 'broken.json': join(dir, 'broken.json') };
for (const name of readdirSync(join(dir, 'out'))) files[name] = join(dir, 'out', name);
const shop = demoAndBrowser(files);

test('loadParts in Chromium: the parts of a category, then all; scores and top 40 to the bit as the whole model; a missing part names its URL', async () => {
  const value = catalog.parts[1].values[0];
  const wanted = catalog.parts.filter((p) => p.values.includes(value)).map((p) => p.file);
  const context = await shop.browser.newContext();
  const { page, log } = await recordedPage(context);
  await page.goto(`${shop.base}/test/blank.html`);
  const r = await page.evaluate(async (value) => {
    const { Recommender } = await import('/tandem-rec/index.js');
    const rec = await Recommender.create({ modelUrl: '/fixture/model.tandem' });
    const base = rec.itemCount;
    const some = await rec.loadParts({ catalogUrl: '/fixture/catalog.json', values: [value] });
    const afterSome = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
    const all = await rec.loadParts({ catalogUrl: '/fixture/catalog.json', values: 'all' });
    const one = await Recommender.create({ modelUrl: '/fixture/whole.tandem' });
    const ids = Array.from({ length: 3000 }, (_, i) => `SKU-${100000 + i}`);
    const run = (r) => {
      const s = r.session();
      const t0 = Date.now();
      [17, 2400, 1300].forEach((i, k) => s.observe({ item: ids[i], type: 'view', time: t0 + k * 1000 }));
      const scores = new Map(s.rerank(ids, { time: t0 + 5000 }).map((x) => [x.item, x.score]));
      const top = s.recommend({ k: 40, exclude: 'none', time: t0 + 5000 }).map((x) => `${x.item}:${x.score}`);
      return { scores, top };
    };
    const a = run(rec), b = run(one);
    let same = a.top.join() === b.top.join() ? 'same' : `top 40: ${a.top.slice(0, 3)} vs ${b.top.slice(0, 3)}`;
    for (const id of ids) if (!Object.is(a.scores.get(id), b.scores.get(id))) same = `${id}: ${a.scores.get(id)} vs ${b.scores.get(id)}`;
    // A catalog with a part missing on the server.
    const other = await Recommender.create({ modelUrl: '/fixture/model.tandem' });
    let error = null;
    try {
      await other.loadParts({ catalogUrl: '/fixture/broken.json', values: 'all' });
    } catch (e) {
      error = e.message;
    }
    return { base, some, afterSome, all, count: rec.itemCount, same, error, otherCount: other.itemCount, otherBase: base };
  }, value);
  assert.deepEqual(r.afterSome.filter((p) => p.endsWith('.tandem-part')).map((p) => p.replace('/fixture/', '')).sort(), wanted.sort(), 'only the parts of the value are fetched');
  const items = (files) => catalog.parts.filter((p) => files.includes(p.file)).reduce((a, p) => a + p.items, 0);
  assert.deepEqual(r.some, { parts: wanted.length, added: items(wanted) });
  assert.deepEqual(r.all, { parts: catalog.parts.length - wanted.length, added: 3000 - r.base - items(wanted) });
  assert.equal(r.count, 3000);
  assert.equal(r.same, 'same');
  assert.match(r.error, /^tandem: cannot fetch the catalog part at http:\/\/127\.0\.0\.1:\d+\/fixture\/missing\.tandem-part: HTTP 404$/);
  assert.equal(r.otherCount, r.otherBase + catalog.parts[0].items + catalog.parts[1].items, 'the parts that arrived stay');
  assert.deepEqual(log.errors.filter((e) => !e.includes('404')), []);
  await context.close();
});
