import { mkdir, stat } from 'node:fs/promises';
import { StateInUseError } from './StateInUseError';
import { StateLock, type StateHolder } from './StateLock';

/** How a command reaches a customer's local state. */
export type LocalStateClaim =
  /** This process holds the folder and runs the emulators on it. */
  | { readonly mode: 'own'; readonly lock: StateLock; readonly readOnly: boolean }
  /** Another process holds it: read through that process's emulators. */
  | { readonly mode: 'connect'; readonly holder: StateHolder & { readonly endpoints: { sqs: string; dynamodb: string } } }
  /** Nothing is saved there yet and this command only reads: an empty state in memory, no folder created. */
  | { readonly mode: 'memory' };

export interface ClaimOptions {
  readonly access: 'read' | 'write';
  /** The command line shown to whoever finds the state held. */
  readonly command: string;
  /**
   * How long to wait for a holder that is still starting its emulators (a reader) or for a
   * read-only command to finish (a writer). Read-only commands take seconds; a writer never waits
   * for another writer.
   */
  readonly waitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Decides how a command uses a state folder. A reader (status, audit, a dry run) never waits for a
 * writer: it reads through the holder's emulators, or opens the folder itself when nobody holds
 * it, or uses an empty in-memory state when the folder does not exist (creating nothing). A writer
 * (sync, replay, run) takes the folder or fails at once with `StateInUseError`, naming the holder.
 */
export async function claimLocalState(dir: string, options: ClaimOptions): Promise<LocalStateClaim> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + (options.waitMs ?? 30_000);
  if (options.access === 'write') await mkdir(dir, { recursive: true });
  for (;;) {
    if (options.access === 'read') {
      const holder = await StateLock.holder(dir);
      if (holder?.endpoints) return { mode: 'connect', holder: holder as StateHolder & { endpoints: { sqs: string; dynamodb: string } } };
      if (holder) {
        // Its emulators are starting; they publish their endpoints in a moment.
        if (now() > deadline) throw new StateInUseError(dir, holder);
        await sleep(100);
        continue;
      }
      if (!(await exists(dir))) return { mode: 'memory' };
    }
    const taken = await StateLock.acquire(dir, { command: options.command, access: options.access });
    if (taken instanceof StateLock) return { mode: 'own', lock: taken, readOnly: options.access === 'read' };
    if (options.access === 'read') continue;
    if (taken.access === 'read' && now() <= deadline) {
      await sleep(200);
      continue;
    }
    throw new StateInUseError(dir, taken);
  }
}

async function exists(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch {
    return false;
  }
}
