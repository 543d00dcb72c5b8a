import { z } from 'zod';
import { flowQueuesVariable, parseEnvironment } from '../commons/environmentVariables';

/** The front door's environment, set by the stack; validated once, at cold start. */
const frontDoorEnvironmentSchema = z.object({
  ML_CONFIG_FILE: z.string().default('ml-config.json'),
  TABLE_NAME: z.string().min(1),
  SECRET_PREFIX: z.string().min(1),
  /** JSON: flow name → `{ queueUrl, deadLetterQueueUrl }` of every flow a pushed source feeds. */
  FLOW_QUEUES: flowQueuesVariable,
});

export type FrontDoorEnvironment = z.infer<typeof frontDoorEnvironmentSchema>;

/** Reads the front door's environment; the message names every missing or malformed variable. */
export function readFrontDoorEnvironment(env: NodeJS.ProcessEnv = process.env): FrontDoorEnvironment {
  return parseEnvironment(frontDoorEnvironmentSchema, 'front door', env);
}
