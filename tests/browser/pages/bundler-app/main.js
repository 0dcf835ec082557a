// A storefront's script as a bundler sees it: tandem-rec imported by its package name from the
// packed tarball installed into node_modules, with no bundler configuration for it. Built by
// tests/browser/bundlers.test.mjs with esbuild (ESM), Vite and webpack; each page reports what it got.
import { Recommender } from 'tandem-rec';

try {
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' });
  const shopper = rec.session();
  shopper.observe({ item: 'SKU-100020', type: 'click', time: Date.now() });
  const ranked = shopper.rerank(['SKU-100001', 'SKU-100020', 'SKU-100150']);
  document.body.dataset.result = JSON.stringify({ itemCount: rec.itemCount, ranked: ranked.map((r) => r.item).sort(), arm: ranked[0].arm });
} catch (e) {
  document.body.dataset.result = JSON.stringify({ error: e.message });
}
