/**
 * What the CLI's exit code tells a script or a CI job (documented in the README). A run with
 * several problems exits with the highest code.
 */
export const ExitCode = {
  /** Everything done: every record written, unchanged, or deliberately not sent. */
  Ok: 0,
  /** The config or the command line is wrong (or `ping` found a failing check); nothing ran. */
  Usage: 1,
  /** A bug: the message carries the stack. */
  Unexpected: 2,
  /** Records were rejected (invalid at the source) or dead-lettered (refused by the target). */
  RecordsFailed: 3,
  /** A system failed: source or target unreachable or refusing the credentials, a flow stopped, a quota used up. */
  SystemFailed: 4,
  /** Another process holds the customer's local state (the message names it); nothing ran. Try again when it is done. */
  StateInUse: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
