import { ErrorKind, MlConnectorError } from '../errors';

/** HTTP statuses the front door refuses a delivery with. */
export type RefusalStatus = 400 | 401 | 404 | 413;

/**
 * A delivery the front door will not accept as sent: forged or stale (401), too large (413),
 * unreadable (400) or for an unknown source (404). Nothing of it is queued or audited. The
 * message tells the sender what was wrong and never carries a secret or an expected signature.
 */
export class DeliveryRefusedError extends MlConnectorError {
  public readonly status: RefusalStatus;
  public readonly source: string;

  public constructor(source: string, status: RefusalStatus, message: string) {
    super(`${source}: ${message}`, ErrorKind.Permanent);
    this.name = 'DeliveryRefusedError';
    this.status = status;
    this.source = source;
  }
}
