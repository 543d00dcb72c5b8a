import { z } from 'zod';

/** The front door's environment, set by the stack; validated once, at cold start. */
const frontDoorEnvironmentSchema = z.object({
  ML_CONFIG_FILE: z.string().default('ml-config.json'),
  TABLE_NAME: z.string().min(1),
  SECRET_PREFIX: z.string().min(1),
  /** JSON: flow name → `{ queueUrl, deadLetterQueueUrl }` of every flow a pushed source feeds. */
  FLOW_QUEUES: z.string().transform((text, context) => {
    const parsed = z.record(z.string(), z.strictObject({ queueUrl: z.url(), deadLetterQueueUrl: z.url() })).safeParse(safeJson(text));
    if (!parsed.success) {
      context.addIssue({ code: 'custom', message: 'must be a JSON object of flow name → { queueUrl, deadLetterQueueUrl }' });
      return z.NEVER;
    }
    return parsed.data;
  }),
});

export type FrontDoorEnvironment = z.infer<typeof frontDoorEnvironmentSchema>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the front door's environment; the message names every missing or malformed variable. */
export function readFrontDoorEnvironment(env: NodeJS.ProcessEnv = process.env): FrontDoorEnvironment {
  const parsed = frontDoorEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`front door environment is incomplete: ${fields}`);
  }
  return parsed.data;
}
