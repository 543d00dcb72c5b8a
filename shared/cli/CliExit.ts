import type { ExitCode } from './ExitCode';

/**
 * Ends a command with a given exit code after it has printed its report: the message (one line
 * on stderr) says why the code is not 0.
 */
export class CliExit extends Error {
  public constructor(
    public readonly code: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
