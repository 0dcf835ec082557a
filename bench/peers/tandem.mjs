// tandem through its public npm API (build/package, what `npm pack` ships): the adapter the
// comparison measures. Switch `prepare` / `rerankPrepared` to the SDK's "ids resolved once per
// page" path when it exists; until then they fall back to the string-id rerank (and say so).
import { Recommender } from '../../build/package/index.js';

export const name = 'tandem';
export const version = () => 'tandem-rec (build/package)';

/** Whether rerankPrepared uses an SDK path of its own (false: the same call as string ids). */
export const preparedPath = false;

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
