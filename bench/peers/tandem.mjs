// tandem through its public npm API (build/package, what `npm pack` ships): the adapter the
// comparison measures. `prepare` / `rerankPrepared` are the "same candidate list again" path (the
// peers resolve the ids to rows once in JS): for tandem it is, until the SDK has an explicit
// resolved-ids call to switch to here, the same string list passed to rerank() again, which
// whatever the SDK caches between calls may speed up.
import { Recommender } from '../../build/package/index.js';

export const name = 'tandem';
export const version = () => 'tandem-rec (build/package)';

/** source: { bytes: Uint8Array } or { url }. */
export async function load(source) {
  const rec = await Recommender.create(source.bytes ? { modelBuffer: source.bytes } : { modelUrl: source.url });
  return {
    rec,
    session() {
      const s = rec.session();
      return {
        observe: (item, type, time) => s.observe({ item, type, time }),
        rerank: (ids, top) => s.rerank(ids, { top }),
        prepare: (ids) => ids,
        rerankPrepared: (prepared, top) => s.rerank(prepared, { top }),
        recommend: (k) => s.recommend({ k, exclude: 'none' }),
      };
    },
    /** The SDK's result -> { ids, scores } (checks only; not in the timed path). */
    normalize: (r) => ({ ids: r.map((x) => x.item), scores: r.map((x) => x.score) }),
    close: () => rec.close(),
  };
}
