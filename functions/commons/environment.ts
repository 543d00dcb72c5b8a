import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseEnvironment } from './environmentVariables';
// Imported from its own file so the YAML parser stays out of the Lambda bundles.
import type { CustomerConfig } from '../../shared/config/schema';
import { validateConfig } from '../../shared/config/validateConfig';

/** Environment every function receives from the stack; validated once, at cold start. */
const environmentSchema = z.object({
  ML_CONFIG_FILE: z.string().default('ml-config.json'),
  TABLE_NAME: z.string().min(1),
  FLOW_NAME: z.string().min(1),
  QUEUE_URL: z.url(),
  DLQ_URL: z.url(),
  ALERT_TOPIC_ARN: z.string().optional(),
  SECRET_PREFIX: z.string().min(1),
  /** The stack's KMS key: shared OAuth tokens are sealed with it before they reach the table. */
  TOKEN_KEY_ARN: z.string().min(1).optional(),
});

export type FunctionEnvironment = z.infer<typeof environmentSchema>;

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  return parseEnvironment(environmentSchema, 'function', env);
}

/** The customer config the stack bundled next to the handler, validated like at synth. */
export function readBundledConfig(file: string): CustomerConfig {
  const path = file.startsWith('/') ? file : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  return validateConfig(JSON.parse(readFileSync(path, 'utf8')), path);
}
