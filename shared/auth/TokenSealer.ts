/**
 * Seals an access token before it is stored and opens it after it is read: deployed with the
 * stack's KMS key, so the table never holds a usable token in the clear.
 */
export interface TokenSealer {
  seal(plain: string, context: Readonly<Record<string, string>>): Promise<string>;
  /**
   * Rejects with `SealedTokenUnreadableError` when this sealer cannot open the value (another
   * sealer, key or context): the cache then gets a new token instead of failing every call.
   */
  open(sealed: string, context: Readonly<Record<string, string>>): Promise<string>;
}
