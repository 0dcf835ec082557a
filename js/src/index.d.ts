// Types of tandem-rec, the on-device reranking SDK. Object lifetimes: docs/js-lifetimes.md.

export type Bytes = ArrayBuffer | ArrayBufferView;

/** Exactly one of: where to fetch the model file from, or the model file's bytes. */
export type CreateSource = { modelUrl: string | URL; modelBuffer?: never } | { modelBuffer: Bytes; modelUrl?: never };

export interface Progress {
  /** Which download: the model file or the wasm module. */
  what: 'model' | 'wasm';
  /** Bytes received so far. */
  loaded: number;
  /** The download's size, or null when the server does not say. */
  total: number | null;
}

export interface CreateOptions {
  /** Where tandem.wasm is served from (default: next to the package's index.js). At most one of wasmUrl and wasmBinary. */
  wasmUrl?: string | URL;
  /** The wasm module's bytes, instead of fetching it. */
  wasmBinary?: Bytes;
  /** Run the model file's self-test on load (default true). */
  verify?: boolean;
  /** Called as the model and wasm downloads progress (not for bytes given directly). */
  onProgress?: (progress: Progress) => void;
}

/** Any storage with the Web Storage method names; methods may return promises. */
export interface StorageLike {
  getItem(key: string): string | null | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<unknown>;
  removeItem(key: string): void | Promise<unknown>;
}

/** A profile: a vector of profileLength floats, a profile file's bytes, or the URL of a profile file. */
export type ProfileSource = Float32Array | ArrayBuffer | Uint8Array | string | URL;

export interface SessionOptions {
  /**
   * The shopper's long-term profile, used when no saved state is restored (a restored state brings
   * its own profile). A URL is fetched; `session.ready` settles when it is applied.
   */
  profile?: ProfileSource | null;
  /**
   * Keep the state between page loads: saved after every change, restored by the next session with
   * the same storageKey. A corrupt, stale or other model's state is discarded with a console
   * warning; a missing or full storage only warns once and the session works in memory.
   */
  persist?: 'localStorage' | 'indexedDB' | StorageLike | null | false;
  /** The storage key (default 'tandem-session'). */
  storageKey?: string;
}

export interface ShopperEvent {
  /** The storefront's item id. Unknown ids are counted and ignored. */
  item: string;
  /** One of the model's eventTypes (default: the first, e.g. 'view'). */
  type?: string;
  /** Milliseconds since the epoch (default Date.now()), within a Date's range (±8.64e15). */
  time?: number;
}

export interface Scored {
  item: string;
  score: number;
}

export interface Ranked extends Scored {
  /** |long| / (|long| + |short|): how much the long-term profile (vs the recent session) drove this item, 0..1; 0.5 when neither did. */
  longTerm: number;
  /** The session's gate: the share of long-term interest overall, 0..1. */
  gate: number;
}

export interface RecommendOptions {
  /** How many (default 10). */
  k?: number;
  /** What to leave out (default 'purchased'): a mode or a list of ids. */
  exclude?: 'none' | 'purchased' | 'seen' | string[];
  /** When the ranking is asked for (milliseconds, e.g. Date.now(), within a Date's range): after the session timeout, a new visit's. */
  time?: number;
}

export interface Counters {
  events: number;
  unknownItems: number;
  sessions: number;
}

/** Page-level event kinds, mapped to the model's own event types (e.g. purchase -> buy). */
export type EventKind = 'view' | 'click' | 'cart' | 'fav' | 'purchase';

export interface AutoTrackOptions {
  /** The session the events go to (from the same Recommender). */
  session: Session;
  /** How much of a product must be visible to count as a view (default 0.5). */
  visibleFraction?: number;
  /** How long it must stay visible, in milliseconds (default 1000). */
  dwellMs?: number;
  /** Called after each event is observed, e.g. to re-render recommendations; `kind` is what the page saw. */
  onEvent?: (event: Required<ShopperEvent> & { kind: EventKind | string }) => void;
}

export declare class Recommender {
  static create(source: CreateSource, options?: CreateOptions): Promise<Recommender>;
  readonly eventTypes: string[];
  readonly purchaseEvent: string | null;
  readonly itemCount: number;
  readonly dim: number;
  /** Length of a profile vector: dim + 1. */
  readonly profileLength: number;
  readonly fingerprint: string;
  readonly quantized: boolean;
  readonly metadata: Record<string, unknown>;
  hasItem(id: string): boolean;
  /** The model's event type for a page-level kind, or undefined when the model has none. */
  eventTypeFor(kind: EventKind | string): string | undefined;
  session(options?: SessionOptions): Session;
  /**
   * Observes views (IntersectionObserver) and clicks of `[data-tandem-item]` elements under root,
   * and clicks of `[data-tandem-event]` buttons (on the item they sit in or name). Each item's
   * view counts once per tracker. Returns the function that stops tracking.
   */
  autoTrack(root: Element | Document, options: AutoTrackOptions): () => void;
  /** Frees the model and closes its sessions. */
  close(): void;
}

export declare class Session {
  /** Settles when a profile URL is applied and an asynchronous storage (IndexedDB) is read. */
  readonly ready: Promise<Session>;
  observe(event: ShopperEvent): void;
  /** The shopper is back at `time` (ms, default now): after the session timeout the visit has ended and its short-term state resets. */
  resume(time?: number): void;
  /** Every candidate (or the top ones), best first, ties in input order. */
  rerank(items: string[], options?: { top?: number; time?: number }): Ranked[];
  recommend(options?: RecommendOptions): Scored[];
  /** A vector, a profile file's bytes or null apply at once; a URL is fetched (the promise settles when applied). */
  setProfile(profile: Float32Array | ArrayBuffer | Uint8Array | null): void;
  setProfile(profile: string | URL): Promise<void>;
  profile(): Float32Array;
  /** Folds the session's recent events into the local copy of the profile, and persists it. */
  foldSession(): void;
  /** Share of long-term interest in the ranking, 0..1. */
  readonly gate: number;
  readonly counters: Counters;
  recentEvents(): { item: string; type: string; time: number }[];
  /** Forgets the short-term state and recent events; keeps the profile. */
  reset(): void;
  /** Forgets the short-term state, recent events and profile, and removes the saved copy. */
  forget(): Promise<void>;
  saveState(): Uint8Array;
  restoreState(bytes: Bytes): void;
  close(): void;
}
