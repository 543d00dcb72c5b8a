import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { customerConfigSchema } from './schema';

/** `npm run schema`: writes the customer config's JSON Schema for editor completion. */
const out = resolve(process.argv[2] ?? 'docs/customer-config.schema.json');
const schema = z.toJSONSchema(customerConfigSchema, { io: 'input', unrepresentable: 'any' });
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ title: 'ml-connector customer config', ...schema }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
