import type { StoredToken, TokenEntry, TokenStore } from './TokenStore';

/** A token entry in this process's memory (tests, and connectors built without a shared store). */
export class InProcessTokenStore implements TokenStore {
  private entry: TokenEntry = { version: 0 };

  public read(): Promise<TokenEntry> {
    return Promise.resolve(this.entry);
  }

  public lock(holder: string, until: number, version: number): Promise<boolean> {
    if (this.entry.version !== version) return Promise.resolve(false);
    this.entry = { ...this.entry, lock: { holder, until }, version: version + 1 };
    return Promise.resolve(true);
  }

  public put(holder: string, token: StoredToken): Promise<boolean> {
    if (this.entry.lock?.holder !== holder) return Promise.resolve(false);
    this.entry = { token, version: this.entry.version + 1 };
    return Promise.resolve(true);
  }

  public unlock(holder: string): Promise<void> {
    if (this.entry.lock?.holder === holder) {
      const { lock: _dropped, ...rest } = this.entry;
      this.entry = { ...rest, version: this.entry.version + 1 };
    }
    return Promise.resolve();
  }
}
