// tandem through its public npm API (build/package, what `npm pack` ships, or the staged package
// directory bench/compare.mjs --package names): the adapter the comparison measures. String ids go
// through session.rerank(ids, { top }); the "ids resolved once" path is the SDK's numeric handle
// API, as a page reranking many fresh lists uses it (js/README.md, "Many fresh candidate lists:
// rows"): `prepare` is rec.rows(ids) (an Int32Array), `rerankPrepared` session.rerankRows(rows,
// { top }), whose result is typed arrays ({ rows, positions, scores, ... }).

export const name = 'tandem';
let label = 'build/package';
export const version = () => `tandem-rec (${label})`;

/**
 * source: { bytes: Uint8Array } or { url }; module: the package's index.js to import (a URL or a
 * path relative to this file; default build/package's), label: how to name it in the tables.
 */
export async function load(source, { module = '../../build/package/index.js', label: name } = {}) {
  if (name) label = name;
  const { Recommender } = await import(module);
  const rec = await Recommender.create(source.bytes ? { modelBuffer: source.bytes } : { modelUrl: source.url });
  return {
    rec,
    session() {
      const s = rec.session();
      return {
        observe: (item, type, time) => s.observe({ item, type, time }),
        rerank: (ids, top) => s.rerank(ids, { top }),
        prepare: (ids) => rec.rows(ids),
        rerankPrepared: (rows, top) => s.rerankRows(rows, { top }),
        recommend: (k) => s.recommend({ k, exclude: 'none' }),
      };
    },
    /** The SDK's result (an array of entries, or rerankRows' typed arrays) -> { ids, scores } (checks only; not in the timed path). */
    normalize: (r) =>
      Array.isArray(r)
        ? { ids: r.map((x) => x.item), scores: r.map((x) => x.score) }
        : { ids: rec.itemIds(r.rows), scores: Array.from(r.scores) },
    close: () => rec.close(),
  };
}
