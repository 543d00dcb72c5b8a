import { ErrorKind } from './ErrorKind';
import { ExternalSystemError, type ExternalSystemErrorDetails } from './ExternalSystemError';

export interface CredentialsRefusedErrorDetails extends Omit<ExternalSystemErrorDetails, 'kind'> {
  /** Name of the secret the refused credentials came from (never its value). */
  readonly secretName: string;
}

/**
 * A system refused the credentials we sent (e.g. an identity endpoint answering 401 or
 * `invalid_client`). Retrying with the same secret cannot succeed, and the records are not at
 * fault: the writer parks the target and alerts once, naming `secretName`, until it works again.
 */
export class CredentialsRefusedError extends ExternalSystemError {
  public readonly secretName: string;

  public constructor(message: string, details: CredentialsRefusedErrorDetails) {
    super(message, { ...details, kind: ErrorKind.CredentialsRefused });
    this.name = 'CredentialsRefusedError';
    this.secretName = details.secretName;
  }
}
