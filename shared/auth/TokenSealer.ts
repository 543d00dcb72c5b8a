/**
 * Seals an access token before it is stored and opens it after it is read: deployed with the
 * stack's KMS key, so the table never holds a usable token in the clear.
 */
export interface TokenSealer {
  seal(plain: string, context: Readonly<Record<string, string>>): Promise<string>;
  open(sealed: string, context: Readonly<Record<string, string>>): Promise<string>;
}
