import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Who holds a customer's local state, as written to `holder.json` in its state folder. */
export interface StateHolder {
  readonly pid: number;
  /** The command line of the holder, e.g. `ml-connector run --config acme.yaml`. */
  readonly command: string;
  /** When it took the state (ISO). */
  readonly since: string;
  /** `write` for sync, replay and run; `read` for a read-only command that opened the folder itself. */
  readonly access: 'read' | 'write';
  /** The holder's emulators, published once they listen: other commands read the state through them. */
  readonly endpoints?: { readonly sqs: string; readonly dynamodb: string };
}

export interface StateLockDeps {
  readonly pid?: number;
  readonly now?: () => Date;
  /** Whether a process id is running (a lock of a dead process is stale and taken over). */
  readonly isAlive?: (pid: number) => boolean;
}

const FILE = 'holder.json';

/**
 * The single holder of a customer's local state folder. The embedded DynamoDB keeps its LevelDB
 * files open exclusively, so exactly one process may run the emulators on a folder; that process
 * writes who it is and where its emulators listen, and every other command either reads the state
 * through those endpoints or, when it would write, is told who holds it. The lock file is created
 * by an atomic link, so two processes cannot both take it; a lock left by a dead process is taken over.
 */
export class StateLock {
  private constructor(
    private readonly dir: string,
    private holder: StateHolder,
  ) {}

  /** Takes the state folder, or returns the live process that holds it. */
  public static async acquire(
    dir: string,
    claim: { readonly command: string; readonly access: 'read' | 'write' },
    deps: StateLockDeps = {},
  ): Promise<StateLock | StateHolder> {
    const pid = deps.pid ?? process.pid;
    const holder: StateHolder = { pid, command: claim.command, since: (deps.now?.() ?? new Date()).toISOString(), access: claim.access };
    const file = join(dir, FILE);
    for (;;) {
      // Written aside, then linked into place: link is atomic and fails if the lock exists, so a
      // reader never sees a half-written lock and two processes never both take it.
      const aside = `${file}.${pid}`;
      await writeFile(aside, JSON.stringify(holder));
      try {
        await link(aside, file);
        return new StateLock(dir, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await unlink(aside).catch(() => undefined);
      }
      const current = await readHolder(file);
      if (current && (deps.isAlive ?? isAlive)(current.pid)) return current;
      await takeOverStale(file, pid, deps.isAlive ?? isAlive);
    }
  }

  /** The live holder of a state folder, if any (a stale lock counts as none). */
  public static async holder(dir: string, deps: StateLockDeps = {}): Promise<StateHolder | undefined> {
    const current = await readHolder(join(dir, FILE));
    return current && (deps.isAlive ?? isAlive)(current.pid) ? current : undefined;
  }

  /** Publishes the holder's emulator endpoints, so read-only commands can use them. */
  public async publish(endpoints: { sqs: string; dynamodb: string }): Promise<void> {
    this.holder = { ...this.holder, endpoints };
    const file = join(this.dir, FILE);
    // Written aside and renamed over, so a reader never sees half a file.
    const aside = `${file}.${this.holder.pid}`;
    await writeFile(aside, JSON.stringify(this.holder));
    await rename(aside, file);
  }

  /** Gives the folder up (only if the lock is still this process's). */
  public async release(): Promise<void> {
    const file = join(this.dir, FILE);
    const current = await readHolder(file);
    if (current?.pid === this.holder.pid && current.since === this.holder.since) await unlink(file).catch(() => undefined);
  }
}

async function readHolder(file: string): Promise<StateHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<StateHolder>;
    return typeof parsed.pid === 'number' ? (parsed as StateHolder) : undefined;
  } catch (error) {
    // Missing: no holder. Unreadable (never written by this code): treated as stale.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, command: '(unreadable lock)', since: '', access: 'write' };
  }
}

/**
 * Removes a stale lock. It is first renamed to a name of this process's own (only one process can
 * rename a given file); if what was renamed turns out to be a live lock that someone else took
 * in between, it is put back (link fails rather than overwrite a newer lock).
 */
async function takeOverStale(file: string, pid: number, alive: (pid: number) => boolean): Promise<void> {
  const aside = `${file}.stale-${pid}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (moved && alive(moved.pid)) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
