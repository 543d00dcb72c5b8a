import type { ErrorKind } from './ErrorKind';

export interface MlConnectorErrorOptions {
  readonly cause?: unknown;
}

/** Root of every error ml-connector raises on purpose. Messages never carry a secret. */
export class MlConnectorError extends Error {
  public readonly kind: ErrorKind;

  public constructor(message: string, kind: ErrorKind, options: MlConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlConnectorError';
    this.kind = kind;
  }
}
