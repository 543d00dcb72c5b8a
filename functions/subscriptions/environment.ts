import { z } from 'zod';

/** The subscriptions function's environment, set by the stack; validated once, at cold start. */
const subscriptionsEnvironmentSchema = z.object({
  ML_CONFIG_FILE: z.string().default('ml-config.json'),
  TABLE_NAME: z.string().min(1),
  SECRET_PREFIX: z.string().min(1),
  /** The front door's webhook base: a source's deliveries go to `<FRONT_DOOR_URL>/<source>`. */
  FRONT_DOOR_URL: z.url(),
  ALERT_TOPIC_ARN: z.string().optional(),
  /** The stack's KMS key: shared OAuth tokens are sealed with it before they reach the table. */
  TOKEN_KEY_ARN: z.string().min(1).optional(),
  /** JSON: flow name → `{ queueUrl, deadLetterQueueUrl }` of every flow a reconciled source feeds. */
  FLOW_QUEUES: z.string().transform((text, context) => {
    const parsed = z.record(z.string(), z.strictObject({ queueUrl: z.url(), deadLetterQueueUrl: z.url() })).safeParse(safeJson(text));
    if (!parsed.success) {
      context.addIssue({ code: 'custom', message: 'must be a JSON object of flow name → { queueUrl, deadLetterQueueUrl }' });
      return z.NEVER;
    }
    return parsed.data;
  }),
});

export type SubscriptionsEnvironment = z.infer<typeof subscriptionsEnvironmentSchema>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the subscriptions function's environment; the message names every missing or malformed variable. */
export function readSubscriptionsEnvironment(env: NodeJS.ProcessEnv = process.env): SubscriptionsEnvironment {
  const parsed = subscriptionsEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`subscriptions environment is incomplete: ${fields}`);
  }
  return parsed.data;
}
