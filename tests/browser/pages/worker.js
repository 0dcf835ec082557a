// tandem-rec in a module Worker: loads the demo model, keeps a session in IndexedDB (available in
// workers, unlike localStorage), and checks that a second session restores it.
import { Recommender } from '/tandem-rec/index.js';

try {
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' });
  const first = rec.session({ persist: 'indexedDB', storageKey: 'worker-test' });
  await first.ready;
  const items = ['SKU-100010', 'SKU-100011', 'SKU-100042'];
  items.forEach((item, i) => first.observe({ item, type: rec.eventTypeFor('view'), time: Date.now() + i * 1000 }));
  const second = rec.session({ persist: 'indexedDB', storageKey: 'worker-test' });
  await second.ready;
  const candidates = ['SKU-100001', 'SKU-100010', 'SKU-100200'];
  postMessage({
    inWorker: typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope,
    itemCount: rec.itemCount,
    restored: second.recentEvents().map((e) => e.item),
    // Each result has its own recommendationId; the rest must be the same.
    sameRanking: JSON.stringify(second.rerank(candidates).map(({ recommendationId, ...r }) => r)) === JSON.stringify(first.rerank(candidates).map(({ recommendationId, ...r }) => r)),
  });
  await second.forget();
  rec.close();
} catch (e) {
  postMessage({ error: e.message });
}
