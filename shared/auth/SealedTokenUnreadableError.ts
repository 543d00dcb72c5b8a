import { ErrorKind, ExternalSystemError } from '../errors';

/**
 * A stored token this sealer cannot open: sealed by another sealer or key, or for another system
 * or account (the encryption context differs). The shared cache treats it as absent and gets a
 * new token; nothing about the token itself is in the message.
 */
export class SealedTokenUnreadableError extends ExternalSystemError {
  public constructor(message: string, details: { readonly system: string; readonly operation: string; readonly cause?: unknown }) {
    super(message, { ...details, kind: ErrorKind.Permanent });
    this.name = 'SealedTokenUnreadableError';
  }
}
