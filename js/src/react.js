// tandem-rec/react: React hooks over the package. React is the page's own (an optional peer
// dependency); this file is a separate entry point, so pages that do not import it carry none of
// it (tests/browser/react.test.mjs measures that a non-React bundle is byte-for-byte the same).
import { useEffect, useMemo, useState } from 'react';
import { Recommender } from './index.js';

/**
 * Loads the model once per modelUrl (or modelBuffer) and opens one shopper session; closes both
 * when the component unmounts. Returns { recommender, session, error }: both null until loaded,
 * error set (and both null) if loading failed. `options` are Recommender.create's, read when
 * loading starts, plus `session` for rec.session()'s.
 */
export function useTandem(source, options = {}) {
  const [state, setState] = useState({ recommender: null, session: null, error: null });
  const key = source?.modelUrl !== undefined ? String(source.modelUrl) : source?.modelBuffer;
  useEffect(() => {
    let cancelled = false, recommender = null;
    const { session: sessionOptions, ...createOptions } = options;
    Recommender.create(source, createOptions).then(
      (rec) => {
        recommender = rec;
        // Unmounted while loading (or React's development double mount): nothing is kept.
        if (cancelled) return rec.close();
        setState({ recommender: rec, session: rec.session(sessionOptions), error: null });
      },
      (error) => cancelled || setState({ recommender: null, session: null, error }),
    );
    return () => {
      cancelled = true;
      recommender?.close();
      setState({ recommender: null, session: null, error: null });
    };
    // Loading again is keyed by the model alone: options are read when loading starts, as a page's
    // inline option object is a new object at every render.
  }, [key]);
  return state;
}

/**
 * The session's recommendations, recomputed after every change of its state (events, profile,
 * forget): recommend({ k, exclude, list }), or with `items` the page's candidates reranked.
 * Asked for now, so a shopper back after the session timeout gets a new visit's ranking.
 * An empty list until the session exists.
 */
export function useRecommendations(session, { items, k, exclude, list } = {}) {
  const [version, setVersion] = useState(0);
  useEffect(() => session?.subscribe(() => setVersion((v) => v + 1)), [session]);
  const itemsKey = items === undefined ? undefined : JSON.stringify(items);
  const excludeKey = Array.isArray(exclude) ? JSON.stringify(exclude) : exclude;
  return useMemo(() => {
    if (!session) return [];
    const time = Date.now();
    return items === undefined ? session.recommend({ k, exclude, list, time }) : session.rerank(items, { top: k, list, time });
  }, [session, version, itemsKey, k, excludeKey, list]);
}
