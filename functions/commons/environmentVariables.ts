import { z } from 'zod';

/** `FLOW_QUEUES`: JSON of flow name → `{ queueUrl, deadLetterQueueUrl }`, for functions that queue to several flows. */
export const flowQueuesVariable = z.string().transform((text, context) => {
  const parsed = z.record(z.string(), z.strictObject({ queueUrl: z.url(), deadLetterQueueUrl: z.url() })).safeParse(jsonOrUndefined(text));
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: 'must be a JSON object of flow name → { queueUrl, deadLetterQueueUrl }' });
    return z.NEVER;
  }
  return parsed.data;
});

/**
 * Reads a function's environment with its schema, once, at cold start; the error names every
 * missing or malformed variable (never a value).
 */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema, what: string, env: NodeJS.ProcessEnv): z.infer<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`${what} environment is incomplete: ${fields}`);
  }
  return parsed.data;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
