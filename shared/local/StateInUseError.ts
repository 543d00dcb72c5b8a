import { ErrorKind, MlConnectorError } from '../errors';
import type { StateHolder } from './StateLock';

/**
 * Another process holds a customer's local state and this command would write it. Says who
 * (pid, command, since when), so the operator can wait for it or stop it.
 */
export class StateInUseError extends MlConnectorError {
  public constructor(
    public readonly stateDir: string,
    public readonly holder: StateHolder,
  ) {
    super(
      `the local state in ${stateDir} is in use by process ${holder.pid} (${holder.command}) since ${holder.since || 'an unknown time'}: ` +
        'wait for it to finish or stop it, then run this again (status and audit work meanwhile)',
      ErrorKind.Retryable,
    );
    this.name = 'StateInUseError';
  }
}
