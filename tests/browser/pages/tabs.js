// A session on the demo model persisted in localStorage under 'tandem-tabs', for the storage tests:
// window.tab lets the test observe events in bursts and read what this tab's session holds.
import { Recommender } from '/tandem-rec/index.js';

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

try {
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' });
  const session = rec.session({ persist: 'localStorage', storageKey: 'tandem-tabs' });
  const items = Array.from({ length: 300 }, (_, i) => `SKU-${100000 + i}`);
  window.tab = {
    /**
     * `count` events (each saved to localStorage), `burst` at a time with a macrotask between bursts
     * so that two tabs interleave. Returns when the first and the last were observed (Date.now()).
     */
    async browse(count, { offset = 0, burst = 5 } = {}) {
      const start = Date.now();
      for (let i = 0; i < count; i++) {
        session.observe({ item: items[(offset + i * 7) % items.length], type: rec.eventTypeFor(i % 5 ? 'view' : 'cart'), time: Date.now() });
        if (i % burst === burst - 1) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { start, end: Date.now() };
    },
    /** What this tab's session holds: its saved state (as the package stores it) and recent items. */
    state: () => ({ saved: toBase64(session.saveState()), events: session.counters.events, recent: session.recentEvents().map((e) => e.item) }),
  };
  document.body.dataset.ready = 'true';
} catch (e) {
  document.body.dataset.error = e.message;
}
