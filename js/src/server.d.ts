// Types of tandem-rec/server (Node only): serving each shopper their own profile. The request and
// response types are the parts of node:http's that the handler uses, so that Express's and
// Fastify's raw objects fit too, and no @types/node is needed to type-check against them.

/** The part of an http.IncomingMessage the handler reads (and hands to `authenticate`). */
export interface ProfileRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The part of an http.ServerResponse the handler writes. */
export interface ProfileResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: Record<string, string | number>): unknown;
  end(body?: Uint8Array | string): unknown;
  destroy(error?: Error): unknown;
}

/** What a store keeps per shopper (src/train/profile_store.h). */
export interface ProfileRecord {
  /** The profile file's bytes ("TNDP": the model fingerprint inside, an XXH64 checksum at the end). */
  profile: Uint8Array;
  /** The fingerprint of the model whose encoder made it: 16 lowercase hex digits. */
  fingerprint: string;
  /** How many events the profile folds. */
  events?: number | null;
  /** Unix time of its last update, milliseconds. */
  updated?: number | null;
}

/** A profile store: sqliteStore(), redisStore(), or your own. */
export interface ProfileStore {
  /** The shopper's record, or null when there is none. Throwing (or rejecting) answers 503. */
  get(user: string): Promise<ProfileRecord | null> | ProfileRecord | null;
  close?(): void;
}

export interface ProfileHandlerOptions<Req extends ProfileRequest = ProfileRequest> {
  store: ProfileStore;
  /**
   * The shop's own sign-in: the user id (as in the logs the profiles were trained from) of the
   * request's shopper, or null when nobody is signed in (401). The URL never names a shopper.
   */
  authenticate(request: Req): string | null | undefined | Promise<string | null | undefined>;
  /** The path answered (default '/profile'); null: any path (a handler mounted on its route). */
  path?: string | null;
  /**
   * Seconds a browser may reuse its copy without asking (Cache-Control: private, max-age=N).
   * Default 0: private, no-cache (revalidated with the ETag at every load, a 304 when unchanged).
   */
  maxAge?: number;
  /** Told about a failing or garbled store (503), a throwing authenticate (500). Default console.error. */
  onError?(error: unknown): void;
}

/**
 * The GET /profile handler: the authenticated shopper's profile file (200 with a strong ETag, 304
 * on If-None-Match), 404 when there is none or it is of another model than `?model=<fingerprint>`
 * asks, 401 when nobody is signed in, 503 when the store fails, 405 for methods but GET and HEAD.
 * Never rejects.
 */
export declare function createProfileHandler<Req extends ProfileRequest = ProfileRequest>(
  options: ProfileHandlerOptions<Req>,
): (request: Req, response: ProfileResponse) => Promise<void>;

/**
 * One SQLite database file (`tandem profiles --store PATH`; `sqlite:PATH` also), table profiles,
 * read-only through better-sqlite3 (an optional peer dependency: npm install better-sqlite3).
 */
export declare function sqliteStore(path: string, options?: { Database?: unknown }): ProfileStore & { readonly name: string; close(): void };

/**
 * Redis (`tandem profiles --store redis://HOST:PORT/DB`): a hash per shopper at
 * "tandem:profile:<user>", read with HMGET. `timeout` in milliseconds (default 2000).
 */
export declare function redisStore(url: string, options?: { timeout?: number; prefix?: string }): ProfileStore & { readonly name: string; close(): void };

/** A profile file's model fingerprint and checksum (16 hex digits each), after checking its layout and checksum; throws otherwise. */
export declare function profileInfo(bytes: Uint8Array): { fingerprint: string; checksum: string };
