// The same storefront script for a classic-script bundle (esbuild's IIFE format has no top-level
// await, and no import.meta: the bundle must still find the wasm).
import { Recommender } from 'tandem-rec';

Recommender.create({ modelUrl: '/demo.tandem' })
  .then((rec) => {
    const shopper = rec.session();
    shopper.observe({ item: 'SKU-100020', type: 'click', time: Date.now() });
    const ranked = shopper.rerank(['SKU-100001', 'SKU-100020', 'SKU-100150']);
    document.body.dataset.result = JSON.stringify({ itemCount: rec.itemCount, ranked: ranked.map((r) => r.item).sort(), arm: ranked[0].arm });
  })
  .catch((e) => {
    document.body.dataset.result = JSON.stringify({ error: e.message });
  });
