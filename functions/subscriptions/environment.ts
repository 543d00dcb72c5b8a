import { z } from 'zod';
import { flowQueuesVariable, parseEnvironment } from '../commons/environmentVariables';

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
  FLOW_QUEUES: flowQueuesVariable,
});

export type SubscriptionsEnvironment = z.infer<typeof subscriptionsEnvironmentSchema>;

/** Reads the subscriptions function's environment; the message names every missing or malformed variable. */
export function readSubscriptionsEnvironment(env: NodeJS.ProcessEnv = process.env): SubscriptionsEnvironment {
  return parseEnvironment(subscriptionsEnvironmentSchema, 'subscriptions', env);
}
