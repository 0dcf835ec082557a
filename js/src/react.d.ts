// Types of tandem-rec/react. React is an optional peer dependency of tandem-rec.
import type { Candidate, CreateOptions, CreateSource, Ranked, Recommended, Recommender, SessionOptions, Session } from './index.js';

export interface TandemState {
  /** The loaded Recommender, or null while loading or after an error. */
  recommender: Recommender | null;
  /** The shopper's session, or null while loading or after an error. */
  session: Session | null;
  /** Why loading failed, or null. */
  error: Error | null;
}

/** Loads the model once per modelUrl (or modelBuffer) and opens a session; closes both on unmount. */
export declare function useTandem(source: CreateSource, options?: CreateOptions & { session?: SessionOptions }): TandemState;

export interface RecommendationsOptions {
  /** Rerank these candidates instead of recommending from the whole catalog. */
  items?: (string | Candidate)[];
  /** How many (recommend: default 10; rerank: all). */
  k?: number;
  exclude?: 'none' | 'purchased' | 'seen' | string[];
  /** Where the result is shown, handed to the measurement hooks. */
  list?: string;
}

/** The session's recommendations (or its ranking of `items`), recomputed after every change of its state. */
export declare function useRecommendations(session: Session | null, options: RecommendationsOptions & { items: (string | Candidate)[] }): Ranked[];
export declare function useRecommendations(session: Session | null, options?: RecommendationsOptions): Recommended[];
