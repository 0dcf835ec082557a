// Compiled by tests/js/types.test.mjs (tsc --strict --noEmit) against the staged index.d.ts: a
// storefront's typical use must type-check, and each @ts-expect-error line must be rejected.
import { AUTOTRACK_EVENTS, Recommender, Session, type Arm, type ConversionEvent, type Progress, type Ranked, type RankedRows, type Recommended, type StorageLike } from 'tandem-rec';
import { useRecommendations, useTandem } from 'tandem-rec/react';
import { createProfileHandler, redisStore, sqliteStore, type ProfileRequest, type ProfileStore } from 'tandem-rec/server';

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
  // Rows: ids resolved once, reranked by integer rows.
  const rows: Int32Array = rec.rows(['SKU-1', 'SKU-2']);
  const byRows: RankedRows = shopper.rerankRows(rows, { top: 1, time: Date.now(), list: 'grid' });
  const first: number = byRows.scores[0] + byRows.longTerm[0] + byRows.positions[0] + byRows.gate;
  const names: (string | null)[] = rec.itemIds(byRows.rows);
  shopper.rerankRows([0, 1, -1]);
  console.log(first, names, byRows.recommendationId, byRows.arm);
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

  // Measurement, holdout, event maps, consent.
  const measured = await Recommender.create({ modelUrl: '/shop.tandem' }, {
    wasmPath: 'https://cdn.example/tandem-rec/', holdout: 0.1, eventMap: 'ga4',
    onImpression: (e) => console.log(e.recommendationId, e.position, e.list, e.arm),
    onClick: (e) => console.log(e.item, e.position),
    onConversion: (e: ConversionEvent) => console.log(e.kind, e.recommendationId ?? 'none'),
  });
  await Recommender.create({ modelUrl: '/shop.tandem' }, { eventMap: { view_item: 'view', page_view: null } });
  const consenting = measured.session({ persist: 'afterConsent' });
  await consenting.grantConsent();
  await consenting.revokeConsent();
  const top: Recommended[] = consenting.recommend({ k: 4, list: 'home' });
  const arm: Arm = top[0].arm;
  consenting.observe({ item: top[0].item, type: 'select_item', recommendationId: top[0].recommendationId });
  consenting.impression({ item: top[0].item, recommendationId: top[0].recommendationId });
  const counted: number = consenting.measurement.counts[arm].impressions + consenting.measurement.counts.holdout.conversions;
  const unsubscribe: () => void = consenting.subscribe(() => undefined);
  unsubscribe();
  measured.autoTrack(root, { session: consenting, events: { click: null, detail: 'view', basket: 'cart' } });
  const kind: string | null | undefined = measured.eventTypeFor('page_view');
  const defaults: null = AUTOTRACK_EVENTS.impression;
  console.log(counted, kind, defaults, measured.holdout);

  // React: the hooks' types.
  const state = useTandem({ modelUrl: '/shop.tandem' }, { holdout: 0.1, session: { persist: 'afterConsent' } });
  const strip: Recommended[] = useRecommendations(state.session, { k: 8, list: 'strip' });
  const grid: Ranked[] = useRecommendations(state.session, { items: ['SKU-1', 'SKU-2'] });
  console.log(strip.length + grid.length, state.error?.message);

  // @ts-expect-error: the holdout arm is 'tandem' or 'holdout'
  const wrongArm: Arm = 'control';
  // @ts-expect-error: event maps give kinds or null
  await Recommender.create({ modelUrl: '/m' }, { eventMap: { view_item: 1 } });
  console.log(wrongArm);

  // The catalog: new arrivals and prices without retraining, candidates at the page's prices.
  const changed: { added: number; updated: number } = rec.addItems([
    { id: 'SKU-9', category: 'home/kitchen', brand: 'acme', price: 19.99, listPrice: 24.99, colour: 'red' },
    { id: 'SKU-1', discount: 0.25, available: false },
  ]);
  const delisted: number = rec.removeItems(['SKU-3']);
  const listed: boolean = rec.isRecommendable('SKU-1') && rec.hasItem('SKU-9');
  shopper.rerank(['SKU-1', { item: 'SKU-2', price: 9.5, discount: 0.1 }, { item: 'SKU-9', price: 15, listPrice: 20 }], { top: 2 });
  shopper.observe({ item: 'SKU-2', type: 'view', price: 9.5, discount: 0.1 });
  useRecommendations(state.session, { items: [{ item: 'SKU-1', discount: 0.3 }] });
  console.log(changed.added + changed.updated + delisted, listed);
  // A catalog in parts: the parts of the page's category, or one part's bytes.
  const loaded: { parts: number; added: number } = await rec.loadParts({ catalogUrl: '/catalog/catalog.json', values: ['home/kitchen'], onProgress: (p) => p.loaded });
  const part: { added: number } = await rec.addPart({ partBuffer: new Uint8Array(8) });
  await rec.addPart({ partUrl: new URL('https://shop.example/catalog/part-0001.tandem-part') });
  console.log(loaded.parts + part.added);
  // @ts-expect-error: a part comes from a URL or from bytes, not both
  await rec.addPart({ partUrl: '/p', partBuffer: new Uint8Array(8) });
  // @ts-expect-error: values are a list of strings or 'all'
  await rec.loadParts({ catalogUrl: '/catalog.json', values: 'home' });
  // @ts-expect-error: available is true or false
  rec.addItems([{ id: 'SKU-9', available: 'yes' }]);
  // @ts-expect-error: a catalog item needs its id
  rec.addItems([{ price: 3 }]);
  // @ts-expect-error: a candidate's price is a number
  shopper.rerank([{ item: 'SKU-1', price: '9.99' }]);
  // @ts-expect-error: rerankRows takes rows, not ids
  shopper.rerankRows(['SKU-1']);
  // @ts-expect-error: a rerankRows result is typed arrays, not one object per item
  shopper.rerankRows([0])[0].item;

  // Profiles that know their model: a tagged vector, a URL per model fingerprint.
  rec.session({ profile: { vector: shopper.profile(), fingerprint: rec.fingerprint } });
  const perModel = rec.session({ profile: (fp: string) => `/profile?model=${fp}` });
  await perModel.setProfile((fp) => new URL(`/profile?model=${fp}`, 'https://shop.example'));
  perModel.setProfile({ vector: new Float32Array(rec.profileLength), fingerprint: rec.fingerprint });
  // @ts-expect-error: a tagged vector needs its fingerprint
  perModel.setProfile({ vector: new Float32Array(3) });

  // tandem-rec/server: the shop's sign-in gives the user id; stores from the CLI's spec.
  const mine: ProfileStore = { get: async (user: string) => (user === 'u1' ? { profile: new Uint8Array(0), fingerprint: rec.fingerprint } : null) };
  const handler = createProfileHandler({
    store: Math.random() > 0.5 ? sqliteStore('profiles.db') : Math.random() > 0.5 ? redisStore('redis://127.0.0.1:6379/0', { timeout: 500 }) : mine,
    authenticate: (req: ProfileRequest) => (typeof req.headers.cookie === 'string' ? 'u1' : null),
    maxAge: 0,
    onError: (e) => console.log(e),
  });
  const served: Promise<void> = handler({ method: 'GET', url: '/profile', headers: {} }, { headersSent: false, writeHead: () => undefined, end: () => undefined, destroy: () => undefined });
  // @ts-expect-error: authenticate gives a user id string
  createProfileHandler({ store: mine, authenticate: () => 42 });
  console.log(served);

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
