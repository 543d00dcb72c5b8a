import { z } from 'zod';
import { targetSettingsBase } from '../../../shared/config/primitives';

/** The `targets.toy` section: the common target settings plus the toy CRM's workspace. */
export const toySettingsSchema = z.strictObject({
  ...targetSettingsBase,
  workspace: z.string().regex(/^[a-z]+$/, 'a workspace name in lower-case letters'),
});

export type ToySettings = z.infer<typeof toySettingsSchema>;
