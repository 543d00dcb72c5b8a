import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What a handler invocation in a fresh process produced. */
export interface BundleRun {
  readonly ok: boolean;
  /** The handler's return value, when it returned. */
  readonly result?: unknown;
  /** The error it threw (name and message), when it threw. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Milliseconds from process start of the script to the handler module being imported. */
  readonly importMs?: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

export interface RunBundleOptions {
  /** Asset directory holding `index.mjs` (and `ml-config.json`). */
  readonly dir: string;
  /** The whole environment of the child: nothing is inherited but PATH. */
  readonly env: Readonly<Record<string, string>>;
  /** Invoke `handler(event, context)`; without it the module is only imported. */
  readonly event?: unknown;
  /** What `context.getRemainingTimeInMillis()` starts from. @default 60000 */
  readonly timeoutMs?: number;
}

/**
 * Runs in the child: imports the bundle the way Lambda's Node runtime does (an ES module named
 * `index.mjs` in LAMBDA_TASK_ROOT, export `handler`), optionally invokes it once with a Lambda
 * context, and reports on a marker line. Exits explicitly: SDK keep-alive sockets would hold the
 * process open.
 */
const RUNNER = `
import dns from 'node:dns';
import { pathToFileURL } from 'node:url';
const started = performance.now();
if (process.env.BUNDLE_RESOLVE_LOCALHOST) {
  const lookup = dns.lookup;
  dns.lookup = (name, options, callback) => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    if (!String(name).endsWith('.localhost')) return lookup(name, options, callback);
    if (options?.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return callback(null, '127.0.0.1', 4);
  };
}
const report = (line) => process.stdout.write('\\n@@BUNDLE_RUN ' + JSON.stringify(line) + '\\n');
let mod;
try {
  mod = await import(pathToFileURL(process.env.BUNDLE_FILE).href);
} catch (error) {
  report({ ok: false, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
  process.exit(2);
}
const importMs = performance.now() - started;
if (typeof mod.handler !== 'function') {
  report({ ok: false, importMs, error: { name: 'TypeError', message: 'the bundle exports no handler function' } });
  process.exit(2);
}
if (process.env.BUNDLE_EVENT === undefined) {
  report({ ok: true, importMs });
  process.exit(0);
}
const deadline = Date.now() + Number(process.env.BUNDLE_TIMEOUT_MS);
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: '512',
  awsRequestId: 'bundle-smoke-1',
  logGroupName: '/aws/lambda/' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  logStreamName: 'bundle-smoke',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {}, fail() {}, succeed() {},
};
try {
  const result = await mod.handler(JSON.parse(process.env.BUNDLE_EVENT), context);
  report({ ok: true, importMs, result });
  process.exit(0);
} catch (error) {
  report({ ok: false, importMs, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
  process.exit(1);
}
`;

/** Loads (and optionally invokes) a bundled handler in a fresh `node` process. */
export function runBundle(options: RunBundleOptions): Promise<BundleRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'bundle-smoke',
    LAMBDA_TASK_ROOT: options.dir,
    ...options.env,
    BUNDLE_FILE: join(options.dir, 'index.mjs'),
    BUNDLE_TIMEOUT_MS: String(options.timeoutMs ?? 60_000),
    ...(options.event === undefined ? {} : { BUNDLE_EVENT: JSON.stringify(options.event) }),
  };
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the emulators and simulators answering the child run in this process.
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], { cwd: options.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('@@BUNDLE_RUN '));
      const reported = line ? (JSON.parse(line.slice('@@BUNDLE_RUN '.length)) as Omit<BundleRun, 'stdout' | 'stderr' | 'exitCode'>) : { ok: false };
      resolve({ ...reported, stdout, stderr, exitCode });
    });
  });
}
