import { z } from 'zod';
import { timeZoneProblem } from './timeZoneProblem';

/**
 * Schema pieces shared by the customer config and the target connectors' own config schemas
 * (each connector declares its `targets.<name>` section next to its code).
 */

export const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/, 'a secret name: letters, digits and / _ + = . @ -')
  .describe('Name of the secret holding the credentials (never the credentials themselves).');

export const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .refine((value) => !/\/\/[^/]*@/.test(value), 'must not embed credentials; reference a secret instead');

/** How an external system is reached: over the internet, or over a VPN / Direct Connect. */
export const network = z
  .enum(['public', 'private'])
  .default('public')
  .describe('`private` allows private (RFC 1918) addresses: the system is reached over a VPN or Direct Connect.');

export const simulatorToggle = z
  .boolean()
  .default(false)
  .describe('Run against the built-in simulator of this system (local runs only); base URLs are ignored.');

/** A canonical IANA time zone name; abbreviations, links and wrong case are refused with a suggestion. */
export const timeZone = z.string().superRefine((zone, context) => {
  const problem = timeZoneProblem(zone);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

/** The explicit opt-in to send credentials over `http://` (refused by default). */
export const cleartextOptIn = z
  .boolean()
  .optional()
  .describe('DANGER: send the credentials over plain http:// to this system. Only where every network hop is trusted.');

/**
 * The settings every target section has, whatever else its connector declares: the simulator
 * switch, the secret's name, an optional base URL override and the network it is reached on.
 */
export const targetSettingsBase = {
  simulator: simulatorToggle,
  secret: secretName,
  baseUrl: httpUrl.optional(),
  network,
  allowCleartextCredentials: cleartextOptIn,
} as const;

/** A validated `targets.<name>` section as the pipeline sees it (the connector knows the rest). */
export interface TargetSettings {
  readonly simulator: boolean;
  /** Absent only for targets that need no credentials (the audit log). */
  readonly secret?: string;
  readonly baseUrl?: string;
  readonly network: 'public' | 'private';
  readonly allowCleartextCredentials?: boolean;
  readonly [setting: string]: unknown;
}
