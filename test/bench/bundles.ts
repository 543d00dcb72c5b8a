/**
 * Sizes of the Lambda bundles and the import time of each bundled handler in a fresh Node
 * process (the cold-start work of module loading and init, without the Lambda runtime).
 *   npx tsx test/bench/bundles.ts [runs=7]
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundledFunctions } from '../infra/support/bundledFunctions';
import { runBundle } from '../infra/support/runBundle';
import { exampleConfig, synthesize } from '../infra/support/synthesize';

interface Metafile {
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

const runs = Number(process.argv[2] ?? 7);
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Bytes in the bundle per package (or per top-level folder of our own code). */
function contributors(meta: Metafile): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const parts = input.split('/');
      const key = parts[0] === 'node_modules' ? (parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!) : `${parts[0]}/${parts[1] ?? ''}`;
      sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const started = performance.now();
const synth = synthesize(await exampleConfig(), { bundle: true });
console.log(`synth with bundling: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
try {
  const seen = new Set<string>();
  for (const fn of bundledFunctions(synth)) {
    const file = join(fn.dir, 'index.mjs');
    const code = readFileSync(file);
    const meta = JSON.parse(readFileSync(join(fn.dir, 'index.meta.json'), 'utf8')) as Metafile;
    const env: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'table',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/queue',
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
    };
    for (const [name, value] of Object.entries(fn.environment)) if (typeof value === 'string') env[name] = value;
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const run = await runBundle({ dir: fn.dir, env });
      if (!run.ok || run.importMs === undefined) throw new Error(`${fn.flow}/${fn.kind} did not load: ${run.error?.message ?? run.stderr}`);
      times.push(run.importMs);
    }
    const duplicate = seen.has(fn.dir.split('/').pop()!) ? ' (same asset as above)' : '';
    seen.add(fn.dir.split('/').pop()!);
    console.log(`${fn.flow} ${fn.kind}${duplicate}`);
    console.log(`  index.mjs ${kib(statSync(file).size)}, gzip ${kib(gzipSync(code).length)}, ${Object.keys(meta.inputs).length} modules`);
    console.log(`  import + init in a fresh process: median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms (${runs} runs)`);
    console.log(`  largest: ${contributors(meta).slice(0, 6).map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', ')}`);
  }
} finally {
  synth.cleanup();
}
