/** An access token as the shared cache keeps it: sealed, with what callers need to use it. */
export interface StoredToken {
  /** The access token, sealed by the cache's `TokenSealer` (encrypted when deployed). */
  readonly sealed: string;
  /** A short hash of the plain token: tells "the token I was refused" apart without opening it. */
  readonly fingerprint: string;
  /** When the token was issued and when the issuer said it expires (epoch ms). */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Non-secret facts issued with the token (e.g. the API domain to call). */
  readonly meta: Readonly<Record<string, string>>;
}

/** The cache entry: the current token (if any), who holds the refresh lock, and a version. */
export interface TokenEntry {
  readonly token?: StoredToken;
  /** The caller refreshing the token right now, and until when its lock holds (epoch ms). */
  readonly lock?: { readonly holder: string; readonly until: number };
  /** Bumped by every change; locks are taken only over the version read. */
  readonly version: number;
}

/**
 * Where one shared access token lives: the stack's table deployed (and the local state's
 * embedded table across CLI runs), or process memory. Every change is conditional, so of many
 * callers that want to refresh at once exactly one gets the lock.
 */
export interface TokenStore {
  read(): Promise<TokenEntry>;
  /** Takes the refresh lock if the entry is still at `version`; false when someone else changed it. */
  lock(holder: string, until: number, version: number): Promise<boolean>;
  /** Stores a new token and drops the lock, if `holder` still holds it; false otherwise. */
  put(holder: string, token: StoredToken): Promise<boolean>;
  /** Drops the lock without a new token (the refresh failed). */
  unlock(holder: string): Promise<void>;
}

/** What a connector asks for: the store of one system account's token. */
export interface TokenStoreRequest {
  /** Target name, e.g. the connector's `declaration.name`. */
  readonly system: string;
  /** Which account (e.g. accounts server + client id, never a secret): callers of one account share it. */
  readonly account: string;
}

/** Builds token stores; the runtime decides where they live (table or memory). */
export type TokenStoreFactory = (request: TokenStoreRequest) => TokenStore;
