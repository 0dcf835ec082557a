// A storefront script as a bundler sees it: tandem-rec imported by its package name. esbuild
// bundles it into build/browser-bundle/, with tandem.wasm copied next to the bundle.
import { Recommender } from 'tandem-rec';

try {
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' });
  const shopper = rec.session();
  shopper.observe({ item: 'SKU-100020', type: rec.eventTypeFor('click'), time: Date.now() });
  const ranked = shopper.rerank(['SKU-100001', 'SKU-100020', 'SKU-100150']);
  document.body.dataset.result = JSON.stringify({ itemCount: rec.itemCount, ranked: ranked.map((r) => r.item).sort() });
} catch (e) {
  document.body.dataset.result = JSON.stringify({ error: e.message });
}
