import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../shared/cli/bin.mjs', import.meta.url));

export interface SpawnedCli {
  readonly child: ChildProcess;
  /** Resolves with the exit code and everything printed, once the process has exited. */
  readonly exited: Promise<{ code: number | null; out: string; err: string }>;
  /** Resolves once standard output has printed something matching. */
  waitForOut(pattern: RegExp): Promise<void>;
}

/** Runs the CLI as its own process (`node shared/cli/bin.mjs ...`), as an operator's shell would. */
export function spawnCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; closeStdout?: boolean } = {}): SpawnedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A reader that went away before the first line (`| head -0`).
  if (options.closeStdout) child.stdout!.destroy();
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(out)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return {
    child,
    exited,
    waitForOut: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then(({ code }) => reject(new Error(`the CLI exited (${code}) before printing ${pattern}:\n${out}\n${err}`)));
      }),
  };
}
