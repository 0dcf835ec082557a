// Compiled by tests/js/types.test.mjs (tsc --strict --noEmit) against the staged index.d.ts: a
// storefront's typical use must type-check, and each @ts-expect-error line must be rejected.
import { Recommender, Session, type Progress, type Ranked, type StorageLike } from 'tandem-rec';

export async function storefront(root: HTMLElement, storage: StorageLike): Promise<string[]> {
  const rec = await Recommender.create({ modelUrl: '/shop.tandem' }, { wasmUrl: '/tandem.wasm', verify: true, onProgress: (p: Progress) => p.loaded });
  const shopper: Session = rec.session({ profile: '/profiles/7.profile', persist: 'localStorage', storageKey: 'shop' });
  await shopper.ready;
  rec.session({ persist: storage, profile: new Float32Array(rec.profileLength) });
  rec.session({ persist: 'indexedDB' });
  const stop: () => void = rec.autoTrack(root, { session: shopper, dwellMs: 500, onEvent: (e) => console.log(e.kind, e.item, e.type, e.time) });
  shopper.observe({ item: 'SKU-1', type: rec.eventTypeFor('cart') ?? 'view', time: Date.now() });
  const ranked: Ranked[] = shopper.rerank(['SKU-1', 'SKU-2'], { top: 1 });
  const share: number = ranked[0].longTerm + ranked[0].gate + shopper.gate;
  shopper.recommend({ k: 5, exclude: ['SKU-1'] });
  shopper.setProfile(null);
  await shopper.setProfile(new URL('https://shop.example/p/7.profile'));
  shopper.foldSession();
  const saved: Uint8Array = shopper.saveState();
  shopper.restoreState(saved);
  await shopper.forget();
  stop();
  shopper.close();
  rec.close();

  // @ts-expect-error: a model source is required
  await Recommender.create({});
  // @ts-expect-error: persist takes a storage kind or a storage object
  rec.session({ persist: 'cookies' });
  // @ts-expect-error: autoTrack needs the session
  rec.autoTrack(root, {});
  // @ts-expect-error: setProfile with bytes returns nothing to await on
  const nothing: Promise<void> = shopper.setProfile(new Float32Array(3));
  return ranked.map((r) => `${r.item} ${share} ${nothing}`);
}
