import { ErrorKind } from './ErrorKind';
import { MlConnectorError } from './MlConnectorError';

export interface ExternalSystemErrorDetails {
  /** `peoplesoft`, a target name, `sqs`, `dynamodb`, ... */
  readonly system: string;
  /** What was being done, e.g. `GET /PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1`. */
  readonly operation: string;
  readonly kind: ErrorKind;
  readonly status?: number;
  /** The vendor's own error code (e.g. `606`). */
  readonly code?: string;
  /** For `rate-limited`: how long to wait before the next attempt. */
  readonly retryAfterMs?: number;
  /** For `quota-exhausted`: when the quota resets. */
  readonly resetsAt?: Date;
  /** One sentence telling a human what to fix. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * A failure talking to an external system, already classified by what to do next. Created by
 * the one classifier of each boundary; URLs in the message never include credentials.
 */
export class ExternalSystemError extends MlConnectorError {
  public readonly system: string;
  public readonly operation: string;
  public readonly status?: number;
  public readonly code?: string;
  public readonly retryAfterMs?: number;
  public readonly resetsAt?: Date;
  public readonly hint?: string;

  public constructor(message: string, details: ExternalSystemErrorDetails) {
    const suffix = details.hint ? ` — ${details.hint}` : '';
    super(`${details.system}: ${details.operation}: ${message}${suffix}`, details.kind, { cause: details.cause });
    this.name = 'ExternalSystemError';
    this.system = details.system;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
    this.resetsAt = details.resetsAt;
    this.hint = details.hint;
  }
}
