// Types of tandem-rec, the on-device reranking SDK. Object lifetimes: docs/js-lifetimes.md.

export type Bytes = ArrayBuffer | ArrayBufferView;

/** Exactly one of: where to fetch the model file from, or the model file's bytes. */
export type CreateSource = { modelUrl: string | URL; modelBuffer?: never } | { modelBuffer: Bytes; modelUrl?: never };

export interface Progress {
  /** Which download: the model file, the wasm module, or (loadParts) a catalog and its parts. */
  what: 'model' | 'wasm' | 'catalog' | 'part';
  /** Bytes received so far. */
  loaded: number;
  /** The download's size, or null when the server does not say. */
  total: number | null;
}

/**
 * Event names to the kinds they are ('view', 'click', 'cart', 'fav', 'purchase', or a model's own
 * type name), or null for events that are no interest in an item. The same JSON `tandem train
 * --event-map` reads; GA4's ships as tandem-rec/presets/ga4.json.
 */
export type EventMap = Record<string, string | null>;

/** 'tandem': rankings by the model; 'holdout': the page's order and the catalog's popularity, for comparison. */
export type Arm = 'tandem' | 'holdout';

export interface ImpressionEvent {
  item: string;
  /** The result the item was shown in. */
  recommendationId: string;
  /** Its index in that result (0 first), or null for a result this session no longer keeps. */
  position: number | null;
  /** The result's `list` option, or null. */
  list: string | null;
  /** The arm the result was made in. */
  arm: Arm;
  /** Milliseconds since the epoch. */
  time: number;
}

export type ClickEvent = ImpressionEvent;

export interface ConversionEvent {
  item: string;
  /** 'cart' or 'purchase'. */
  kind: 'cart' | 'purchase';
  /** The model's event type it was recorded as. */
  type: string;
  /** The recommendation it is attributed to (the one named, or the latest click on this item from one within 30 days), or null. */
  recommendationId: string | null;
  position: number | null;
  list: string | null;
  /** This browser's arm. */
  arm: Arm;
  time: number;
}

export interface CreateOptions {
  /** Where tandem.wasm is served from. At most one of wasmUrl, wasmPath and wasmBinary; without any, the build finds it (js/README.md). */
  wasmUrl?: string | URL;
  /** The folder tandem.wasm is served from (a CDN's copy of the package). */
  wasmPath?: string | URL;
  /** The wasm module's bytes, instead of fetching it. */
  wasmBinary?: Bytes;
  /** Run the model file's self-test on load (default true). */
  verify?: boolean;
  /** Called as the model and wasm downloads progress (not for bytes given directly). */
  onProgress?: (progress: Progress) => void;
  /** The share of browsers (0..1, default 0) in the holdout arm. */
  holdout?: number;
  /** The names the page's events go by: a preset ('ga4') or a map. */
  eventMap?: 'ga4' | EventMap;
  /** A tile of a result was seen (once per result and item). */
  onImpression?: (event: ImpressionEvent) => void;
  /** A tile of a result was clicked. */
  onClick?: (event: ClickEvent) => void;
  /** An add-to-cart or a purchase was observed. */
  onConversion?: (event: ConversionEvent) => void;
}

/** Any storage with the Web Storage method names; methods may return promises. */
export interface StorageLike {
  getItem(key: string): string | null | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<unknown>;
  removeItem(key: string): void | Promise<unknown>;
}

/**
 * A profile vector with the fingerprint of the model whose encoder made it (`rec.fingerprint` of
 * that model): applied only by that model; another model takes the population prior instead.
 */
export interface TaggedProfile {
  vector: Float32Array;
  /** 16 hex digits. */
  fingerprint: string;
}

/** Where a shopper's profile is fetched for a model: a URL, or a function of the model fingerprint giving it. */
export type ProfileUrl = string | URL | ((fingerprint: string) => string | URL);

/**
 * A profile at hand: a vector of profileLength floats (the caller vouches that it is this model's),
 * a vector with its model's fingerprint, or a profile file's bytes (the fingerprint inside).
 */
export type ProfileData = Float32Array | TaggedProfile | ArrayBuffer | Uint8Array;

/** A profile, or where to fetch it. */
export type ProfileSource = ProfileData | ProfileUrl;

export interface SessionOptions {
  /**
   * The shopper's long-term profile, used when no saved state is restored (a restored state brings
   * its own profile). A URL, or a function of the model fingerprint giving it
   * (`fp => '/profile?model=' + fp`), is fetched; `session.ready` settles when it is applied; a 404
   * is no profile (the population prior). A profile of another model (a file's fingerprint, a
   * TaggedProfile's) is never applied and never throws: the session takes the population prior,
   * warns once, and fetches the profile URL again (once).
   */
  profile?: ProfileSource | null;
  /**
   * Keep the state between page loads: saved after every change, restored by the next session with
   * the same storageKey. A corrupt, stale or other model's state is discarded with a console
   * warning; a missing or full storage only warns once and the session works in memory.
   * 'afterConsent': in memory only (no storage read or written) until grantConsent(), then localStorage.
   */
  persist?: 'localStorage' | 'indexedDB' | 'afterConsent' | StorageLike | null | false;
  /** The storage key (default 'tandem-session'). */
  storageKey?: string;
}

/** Prices and discounts as a page shows them (the catalog's rules: prices in [0, 1e12], a discount a share in [0, 1)). */
export interface Offer {
  /** The price the item is shown at; left out: the catalog's. */
  price?: number;
  /** The share off the list price (0.25 is 25 % off); left out: the catalog's. At most one of discount and listPrice. */
  discount?: number;
  /** The list price, with `price`: the discount is 1 - price / listPrice. */
  listPrice?: number;
}

/** A rerank candidate at the page's current price and discount. */
export interface Candidate extends Offer {
  item: string;
}

/** Where a catalog part comes from: exactly one of a URL and its bytes. */
export type PartSource = { partUrl: string | URL; partBuffer?: never } | { partBuffer: Bytes; partUrl?: never };

export interface LoadPartsOptions {
  /** The catalog.json `tandem split` wrote beside the model file (its parts are fetched from beside it). */
  catalogUrl: string | URL;
  /** Values of the catalog's feature (categories) whose parts to load, or every part. */
  values: readonly string[] | 'all';
  /** Download progress of the catalog ('catalog') and of each part ('part'). */
  onProgress?: (progress: Progress) => void;
}

/**
 * A product for addItems: a new id is added (scored by its features), a known one gets the fields
 * given. Any other key is a label column the model may have been trained with (colour, material).
 */
export interface CatalogItem extends Offer {
  id: string;
  /** A path of levels, 'home/kitchen/knives' ('' clears it). */
  category?: string;
  /** '' clears it. */
  brand?: string;
  /** false: findable, scored, never recommended. */
  available?: boolean;
  [label: string]: string | number | boolean | undefined;
}

export interface ShopperEvent extends Offer {
  /** The storefront's item id. Unknown ids are counted and ignored. */
  item: string;
  /** One of the model's eventTypes, a kind ('view', 'click', 'cart', 'fav', 'purchase') or an eventMap name (default: the model's first type). */
  type?: string;
  /** Milliseconds since the epoch (default Date.now()), within a Date's range (±8.64e15); under 1e11 warns once (seconds?). */
  time?: number;
  /** A click on (or a conversion from) the result with this id. */
  recommendationId?: string;
}

export interface Recommended {
  item: string;
  score: number;
  /** Index in the result, 0 first. */
  position: number;
  /** The same for every entry of one result, new for every result. */
  recommendationId: string;
  /** The arm the result was made in. */
  arm: Arm;
}

export interface Ranked extends Recommended {
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
  /** Where the result is shown ('home-strip'), handed to the hooks. */
  list?: string;
}

export interface RerankOptions {
  /** Only the best `top` (in the holdout arm, the first `top`). */
  top?: number;
  /** As for recommend. */
  time?: number;
  list?: string;
}

/**
 * A rerankRows result: typed arrays of its entries, best first (in the holdout arm, in the order
 * given). They are copies, the caller's to keep and change; none is a view over wasm memory.
 */
export interface RankedRows {
  /** The candidates' rows as given: rows[i] is the candidate at positions[i] of the list (-1: unknown). */
  rows: Int32Array;
  /** Each entry's index in the list given. */
  positions: Int32Array;
  /** The same scores rerank gives the same candidates, to the bit. */
  scores: Float32Array;
  /** |long| / (|long| + |short|) per entry, as Ranked.longTerm. */
  longTerm: Float32Array;
  /** The session's gate: the share of long-term interest overall, 0..1. */
  gate: number;
  /** The result's id, for impressions and clicks (as Ranked.recommendationId). */
  recommendationId: string;
  /** The arm the result was made in. */
  arm: Arm;
}

export interface Counts {
  impressions: number;
  clicks: number;
  /** Add-to-cart and purchase events. */
  conversions: number;
}

export interface Measurement {
  /** This browser's arm. */
  arm: Arm;
  /** What this browser counted in each arm (it only changes arms if the holdout share changes). */
  counts: Record<Arm, Counts>;
}

export interface Counters {
  events: number;
  unknownItems: number;
  sessions: number;
}

/** Page-level event kinds, mapped to the model's own event types (e.g. purchase -> buy). */
export type EventKind = 'view' | 'click' | 'cart' | 'fav' | 'purchase';

/** What autoTrack records for what it sees: an event name (resolved like observe's type) or null for no model event. */
export interface AutoTrackEvents {
  /** A tile ([data-tandem-item]) in view. Default null: an impression only. */
  impression?: string | null;
  /** A click on a tile. Default 'click'. */
  click?: string | null;
  /** A product's detail ([data-tandem-detail]) in view. Default 'view'. */
  detail?: string | null;
  /** A [data-tandem-event] name recorded as another (or null: not at all). */
  [action: string]: string | null | undefined;
}

export declare const AUTOTRACK_EVENTS: Readonly<{ impression: null; click: 'click'; detail: 'view' }>;

export interface AutoTrackOptions {
  /** The session the events go to (from the same Recommender). */
  session: Session;
  /** How much of a tile or detail must be visible to count as seen (default 0.5). */
  visibleFraction?: number;
  /** How long it must stay visible, in milliseconds (default 1000). */
  dwellMs?: number;
  /** What each sighting records (AUTOTRACK_EVENTS by default). */
  events?: AutoTrackEvents;
  /** Called after each model event is observed, e.g. to re-render recommendations; `kind` is what the page saw. */
  onEvent?: (event: Required<Pick<ShopperEvent, 'item' | 'type' | 'time'>> & { kind: EventKind | 'impression' | string }) => void;
}

export declare class Recommender {
  static create(source: CreateSource, options?: CreateOptions): Promise<Recommender>;
  readonly eventTypes: string[];
  readonly purchaseEvent: string | null;
  /** The model's items: those of its model file plus those addItems and catalog parts added (delisted ones included). */
  readonly itemCount: number;
  readonly dim: number;
  /** Length of a profile vector: dim + 1. */
  readonly profileLength: number;
  readonly fingerprint: string;
  readonly quantized: boolean;
  readonly metadata: Record<string, unknown>;
  /** The share of browsers in the holdout arm. */
  readonly holdout: number;
  /** Whether the model knows an id (a delisted one it no longer does). */
  hasItem(id: string): boolean;
  /** Whether recommend() may return an id: known and not marked unavailable. */
  isRecommendable(id: string): boolean;
  /** Adds new products (scored by their features, no retraining) and updates known ones; throws and changes nothing on a bad item. */
  addItems(items: CatalogItem[]): { added: number; updated: number };
  /** Delists products: unknown to observe and rerank, never recommended. Returns how many were listed. */
  removeItems(ids: string[]): number;
  /**
   * Adds a catalog part `tandem split` wrote: its items become known and recommendable, scored as
   * the whole model scores them. Rejects (changing nothing) a part of another model or a damaged one.
   */
  addPart(source: PartSource): Promise<{ added: number }>;
  /**
   * Loads the parts of a split catalog (its catalog.json) holding items of some values of its
   * feature ('home' also loads 'home/kitchen'), or 'all'; each part once. Resolves to the parts
   * this call added and their new items.
   */
  loadParts(options: LoadPartsOptions): Promise<{ parts: number; added: number }>;
  /**
   * The model's rows of ids, for rerankRows: resolved once per candidate list (-1 for an id the
   * model does not know, or no longer: removeItems). A row is its id's for the Recommender's life.
   */
  rows(ids: readonly string[]): Int32Array;
  /** The ids of rows (the inverse of rows()): null for -1; a delisted row still names its id. Throws on anything that is not a row of this model or -1. */
  itemIds(rows: Int32Array | readonly number[]): (string | null)[];
  /** The model's event type for a kind, type or eventMap name; null when the map says to ignore it; undefined when the model has none. */
  eventTypeFor(kind: EventKind | string): string | null | undefined;
  session(options?: SessionOptions): Session;
  /**
   * Watches root: `[data-tandem-item]` tiles in view are impressions (of the result named by
   * data-tandem-rec around them), clicked are clicks; `[data-tandem-detail]` in view is a product
   * view; `[data-tandem-event]` buttons are their events. Returns the function that stops tracking.
   */
  autoTrack(root: Element | Document, options: AutoTrackOptions): () => void;
  /** Frees the model and closes its sessions. */
  close(): void;
}

export declare class Session {
  /**
   * Settles when a profile URL is applied and an asynchronous storage (IndexedDB) is read (and a
   * profile fetched again after another model's arrived).
   */
  readonly ready: Promise<Session>;
  observe(event: ShopperEvent): void;
  /** A tile of a result was seen (autoTrack does this itself): counted once per result and item, handed to onImpression. */
  impression(impression: { item: string; recommendationId: string; time?: number }): void;
  /** The shopper is back at `time` (ms, default now): after the session timeout the visit has ended and its short-term state resets. */
  resume(time?: number): void;
  /** Every candidate (or the top ones), best first, ties in input order; in the holdout arm, in input order. Candidates may carry the page's price and discount. */
  rerank(items: (string | Candidate)[], options?: RerankOptions): Ranked[];
  /**
   * rerank of candidates given as rows (rec.rows(ids), resolved once per list): the same scores,
   * order, arm, time and measurement, as typed arrays. A row delisted since is an unknown item,
   * as rerank scores its id. Throws a TypeError or RangeError on anything that is not a row of
   * this model or -1, changing nothing.
   */
  rerankRows(rows: Int32Array | readonly number[], options?: RerankOptions): RankedRows;
  /** The catalog's best k; in the holdout arm, its most popular (the model's order for an unknown shopper). */
  recommend(options?: RecommendOptions): Recommended[];
  /**
   * A vector, a tagged vector, a profile file's bytes or null apply at once; a URL (or a function
   * of the model fingerprint giving it) is fetched, and the promise settles when it is applied (a
   * 404: no profile). Another model's profile: the population prior, one warning, and the profile
   * URL fetched again.
   */
  setProfile(profile: ProfileData | null): void;
  setProfile(profile: ProfileUrl): Promise<void>;
  profile(): Float32Array;
  /** Folds the session's recent events into the local copy of the profile, and persists it. */
  foldSession(): void;
  /** Share of long-term interest in the ranking, 0..1. */
  readonly gate: number;
  readonly counters: Counters;
  /** This browser's arm and its counts per arm. */
  readonly measurement: Measurement;
  recentEvents(): { item: string; type: string; time: number }[];
  /** Forgets the short-term state and recent events; keeps the profile. */
  reset(): void;
  /** Forgets the short-term state, recent events, profile and counts, and removes the saved copy (the arm stays for this page). */
  forget(): Promise<void>;
  /** persist 'afterConsent': restore what an earlier visit saved (with this page's changes on top) and save from now on. */
  grantConsent(): Promise<void>;
  /** forget(), and save nothing until grantConsent(). */
  revokeConsent(): Promise<void>;
  /** Calls listener after every change of the state; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  saveState(): Uint8Array;
  /**
   * Restores a saveState() blob. One saved under another model (a retrain since) is replayed: this
   * model observes its recent events by name, and the session keeps its own profile
   * (docs/js-lifetimes.md). Throws on a corrupt blob, changing nothing.
   */
  restoreState(bytes: Bytes): RestoreReport;
  close(): void;
}

/** What restoreState() did. */
export interface RestoreReport {
  /** The state was saved under another model and its recent events were replayed by name. */
  fromOtherModel: boolean;
  /** Events replayed (0 for a state of this model, restored as it was). */
  events: number;
  /** Replayed events of items this model does not know (counted, as live ones are). */
  unknownItems: number;
  /** Events of types this model does not know, skipped. */
  unknownTypes: number;
}
