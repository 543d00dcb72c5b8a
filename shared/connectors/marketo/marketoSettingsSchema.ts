import { z } from 'zod';
import { targetSettingsBase } from '../../config/primitives';

/** The `targets.marketo` section of a customer config. */
export const marketoSettingsSchema = z.strictObject({
  ...targetSettingsBase,
  /** Account id from Admin → Integration → Web Services, e.g. `123-ABC-456`. */
  munchkinId: z.string().regex(/^\d{3}-[A-Z]{3}-\d{3}$/, 'a Munchkin id such as 123-ABC-456'),
  /** Client-side pacing; Marketo allows 100 calls per rolling 20 s and 10 in flight per instance. */
  pacing: z
    .strictObject({
      callsPer20s: z.number().int().min(1).max(100).default(100),
      concurrency: z.number().int().min(1).max(10).default(10),
    })
    .default({ callsPer20s: 100, concurrency: 10 }),
  requestTimeoutMs: z.number().int().positive().default(60_000),
});

export type MarketoConfig = z.infer<typeof marketoSettingsSchema>;
