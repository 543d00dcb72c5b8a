/**
 * Thrown by a route handler to fail the whole call with a response-level error
 * (`success:false`, `errors:[{code, message}]`, HTTP 200).
 */
export class ResponseLevelError extends Error {
  public override readonly name = 'ResponseLevelError';

  public constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
