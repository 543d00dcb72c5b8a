import { z } from 'zod';

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

export const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as America/Chicago');

/**
 * The settings every target section has, whatever else its connector declares: the simulator
 * switch, the secret's name, an optional base URL override and the network it is reached on.
 */
export const targetSettingsBase = {
  simulator: simulatorToggle,
  secret: secretName,
  baseUrl: httpUrl.optional(),
  network,
} as const;

/** A validated `targets.<name>` section as the pipeline sees it (the connector knows the rest). */
export interface TargetSettings {
  readonly simulator: boolean;
  readonly secret: string;
  readonly baseUrl?: string;
  readonly network: 'public' | 'private';
  readonly [setting: string]: unknown;
}
