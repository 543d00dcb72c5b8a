import { createHash, randomUUID } from 'node:crypto';
import { ErrorKind, ExternalSystemError } from '../errors';
import { plainTokenSealer } from './plainTokenSealer';
import { SealedTokenUnreadableError } from './SealedTokenUnreadableError';
import type { TokenSealer } from './TokenSealer';
import type { StoredToken, TokenStore } from './TokenStore';

/** A token as the issuer answered it. */
export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime from the issuer's answer (ms). */
  readonly lifetimeMs: number;
  /** Non-secret facts to share with the token (e.g. `apiDomain`). */
  readonly meta?: Readonly<Record<string, string>>;
}

/** A usable token and its facts. */
export interface SharedToken {
  readonly value: string;
  readonly meta: Readonly<Record<string, string>>;
}

export interface SharedTokenCacheOptions {
  /** Where the one token of this account lives (shared by every caller given the same store). */
  readonly store: TokenStore;
  /** Asks the issuer for a new token (e.g. an OAuth refresh-token grant). Called under the lock only. */
  readonly issue: () => Promise<IssuedToken>;
  readonly sealer?: TokenSealer;
  /** Bound into the seal (KMS encryption context): which system and account the token is for. */
  readonly sealContext?: Readonly<Record<string, string>>;
  /** A token is refreshed this long before it expires (default 5 min). */
  readonly refreshMarginMs?: number;
  /** How long a refresh lock holds if its holder dies (default 30 s). */
  readonly lockMs?: number;
  /** How often a caller waiting on someone else's refresh looks again (default 100 ms). */
  readonly pollMs?: number;
  /** System name for messages. */
  readonly system: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fingerprintOf(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/**
 * One access token shared by every caller of an account, in every container: read from the
 * store, refreshed by exactly one caller under a lock (conditional write) shortly before it
 * expires or after the API refused it, and re-used by everyone else. An issuer that allows few
 * tokens per period (some vendors allow 10 per refresh token per 10 minutes) is asked once per token lifetime,
 * whatever the concurrency. Within one process the last token is kept in memory, so the store is
 * read only when the token nears its end or was refused.
 */
export class SharedTokenCache {
  private memo: (SharedToken & { readonly fingerprint: string; readonly refreshAt: number }) | undefined;
  private pending: Promise<SharedToken> | undefined;
  private issuedCount = 0;
  private readonly holder = randomUUID();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly sealer: TokenSealer;
  private readonly marginMs: number;
  private readonly lockMs: number;
  private readonly pollMs: number;

  public constructor(private readonly options: SharedTokenCacheOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.sealer = options.sealer ?? plainTokenSealer;
    this.marginMs = options.refreshMarginMs ?? 300_000;
    this.lockMs = options.lockMs ?? 30_000;
    this.pollMs = options.pollMs ?? 100;
  }

  /** Tokens this instance asked the issuer for. */
  public get issued(): number {
    return this.issuedCount;
  }

  /** A token with time left: this process's, the store's, or a fresh one. */
  public async token(): Promise<SharedToken> {
    if (this.memo && this.now() < this.memo.refreshAt) return this.memo;
    return this.shared(undefined);
  }

  /**
   * A token other than `rejected`, which the API refused (401): the one another caller already
   * put in its place, or a fresh one. Of many callers refused the same token, one refreshes.
   */
  public async refresh(rejected: string): Promise<SharedToken> {
    const refused = fingerprintOf(rejected);
    if (this.memo && this.memo.fingerprint !== refused && this.now() < this.memo.refreshAt) return this.memo;
    if (this.memo?.fingerprint === refused) this.memo = undefined;
    return this.shared(refused);
  }

  private shared(refused: string | undefined): Promise<SharedToken> {
    if (!this.pending) {
      const request = this.obtain(refused);
      this.pending = request;
      const clear = (): void => {
        if (this.pending === request) this.pending = undefined;
      };
      request.then(clear, clear);
    }
    return this.pending;
  }

  private async obtain(refusedAtFirst: string | undefined): Promise<SharedToken> {
    const { store } = this.options;
    const deadline = this.now() + this.lockMs * 3;
    let refused = refusedAtFirst;
    for (;;) {
      const now = this.now();
      const entry = await store.read();
      const stored = entry.token;
      if (stored && stored.fingerprint !== refused && this.refreshAtOf(stored) > now) {
        try {
          return await this.use(stored);
        } catch (error) {
          // Sealed by another key or sealer (e.g. before the stack had its key): replace it.
          if (!(error instanceof SealedTokenUnreadableError)) throw error;
          refused = stored.fingerprint;
          continue;
        }
      }
      if (entry.lock && entry.lock.until > now && entry.lock.holder !== this.holder) {
        // Someone else is refreshing: wait for its token instead of asking the issuer too.
        if (now > deadline) {
          throw new ExternalSystemError('another caller has held the token refresh lock too long', {
            system: this.options.system,
            operation: 'token refresh',
            kind: ErrorKind.Retryable,
          });
        }
        await this.sleep(this.pollMs);
        continue;
      }
      if (!(await store.lock(this.holder, now + this.lockMs, entry.version))) continue; // lost the race: read again
      try {
        this.issuedCount += 1;
        const issued = await this.options.issue();
        const token: StoredToken = {
          sealed: await this.sealer.seal(issued.accessToken, this.options.sealContext ?? {}),
          fingerprint: fingerprintOf(issued.accessToken),
          issuedAt: now,
          expiresAt: now + issued.lifetimeMs,
          meta: issued.meta ?? {},
        };
        // If the lock lapsed and another caller stored a token meanwhile, ours is still valid: use it.
        await store.put(this.holder, token);
        return this.remember(issued.accessToken, token);
      } catch (error) {
        await store.unlock(this.holder).catch(() => undefined);
        throw error;
      }
    }
  }

  private async use(stored: StoredToken): Promise<SharedToken> {
    if (this.memo?.fingerprint === stored.fingerprint) return this.memo;
    return this.remember(await this.sealer.open(stored.sealed, this.options.sealContext ?? {}), stored);
  }

  private remember(value: string, stored: StoredToken): SharedToken {
    this.memo = { value, meta: stored.meta, fingerprint: stored.fingerprint, refreshAt: this.refreshAtOf(stored) };
    return this.memo;
  }

  /** The margin, but never more than half the token's life (a short-lived token is not refreshed on every call). */
  private refreshAtOf(stored: StoredToken): number {
    const margin = Math.min(this.marginMs, Math.max(0, stored.expiresAt - stored.issuedAt) / 2);
    return stored.expiresAt - margin;
  }
}
