// Types of tandem-rec, the on-device reranking SDK.

export type Bytes = ArrayBuffer | ArrayBufferView;

export interface CreateSource {
  /** Where to fetch the model file from (exactly one of modelUrl and modelBuffer). */
  modelUrl?: string | URL;
  /** The model file's bytes. */
  modelBuffer?: Bytes;
}

export interface CreateOptions {
  /** Where tandem.wasm is served from (default: next to the package's index.js). */
  wasmUrl?: string | URL;
  /** The wasm module's bytes, instead of fetching it. */
  wasmBinary?: Bytes;
  /** Run the model file's self-test on load (default true). */
  verify?: boolean;
}

export interface SessionOptions {
  /** A profile vector of profileLength floats, or a profile file's bytes. */
  profile?: Float32Array | ArrayBuffer | Uint8Array | null;
}

export interface ShopperEvent {
  /** The storefront's item id. Unknown ids are counted and ignored. */
  item: string;
  /** One of the model's eventTypes (default: the first, e.g. 'view'). */
  type?: string;
  /** Milliseconds since the epoch (default Date.now()). */
  time?: number;
}

export interface Scored {
  item: string;
  score: number;
}

export interface RecommendOptions {
  /** How many (default 10). */
  k?: number;
  /** What to leave out (default 'purchased'): a mode or a list of ids. */
  exclude?: 'none' | 'purchased' | 'seen' | string[];
}

export interface Counters {
  events: number;
  unknownItems: number;
  sessions: number;
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
  session(options?: SessionOptions): Session;
  /** Frees the model and closes its sessions. */
  close(): void;
}

export declare class Session {
  observe(event: ShopperEvent): void;
  rerank(items: string[], options?: { top?: number }): Scored[];
  recommend(options?: RecommendOptions): Scored[];
  setProfile(profile: Float32Array | ArrayBuffer | Uint8Array | null): void;
  profile(): Float32Array;
  foldRecentEvents(): void;
  /** Share of long-term interest in the ranking, 0..1. */
  readonly gate: number;
  readonly counters: Counters;
  recentEvents(): { item: string; type: string; time: number }[];
  reset(): void;
  saveState(): Uint8Array;
  restoreState(bytes: Bytes): void;
  close(): void;
}
