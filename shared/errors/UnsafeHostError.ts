import { ErrorKind } from './ErrorKind';
import { MlConnectorError } from './MlConnectorError';

/** A configured base URL resolves to an address ml-connector refuses to call. */
export class UnsafeHostError extends MlConnectorError {
  public readonly host: string;
  public readonly address: string;

  public constructor(host: string, address: string, reason: string) {
    super(`Refusing to call ${host} (${address}): ${reason}`, ErrorKind.Misconfigured);
    this.name = 'UnsafeHostError';
    this.host = host;
    this.address = address;
  }
}
