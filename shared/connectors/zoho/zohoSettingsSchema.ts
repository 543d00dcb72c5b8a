import { z } from 'zod';
import { targetSettingsBase, timeZone } from '../../config/primitives';
import { zohoDataCenters } from './zohoDataCenters';

const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'a Zoho field API name such as Employee_ID');

/** Calls in flight per org and connected app, by edition (Zoho API limits). */
export const zohoEditionConcurrency = { free: 5, standard: 10, professional: 15, enterprise: 20, ultimate: 25 } as const;

const terminationDefaults = { statusField: 'Employment_Status', activeValue: 'Active', terminatedValue: 'Terminated', dateField: 'Termination_Date' };

/** The `targets.zoho` section of a customer config. `baseUrl` overrides the data center's accounts server. */
export const zohoSettingsSchema = z.strictObject({
  ...targetSettingsBase,
  /** Where the org lives: picks the accounts server the refresh token belongs to. */
  dataCenter: z.enum(Object.keys(zohoDataCenters) as [keyof typeof zohoDataCenters, ...Array<keyof typeof zohoDataCenters>]).default('us'),
  apiVersion: z.enum(['v2', 'v2.1', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']).default('v8'),
  /** Sets the calls in flight (Free 5 … Ultimate 25); heavy upserts stay at 10 whatever the edition. */
  edition: z.enum(['free', 'standard', 'professional', 'enterprise', 'ultimate']).default('enterprise'),
  /**
   * Fields an upsert matches existing records by, in order (system duplicate-check or unique
   * fields). The first is the object's key in flows; e.g. `[Employee_ID, Email]` matches by a
   * unique EMPLID field first.
   */
  duplicateCheck: z
    .strictObject({
      Contacts: z.array(apiName).min(1).default(['Email']),
      Accounts: z.array(apiName).min(1).default(['Account_Name']),
    })
    .default({ Contacts: ['Email'], Accounts: ['Account_Name'] }),
  /**
   * How a termination marks a contact (it is never deleted): `statusField` set to
   * `terminatedValue` and `dateField` to the day; any other upsert sets `activeValue` and clears
   * the date, so a rehire clears the mark.
   */
  termination: z
    .strictObject({
      statusField: apiName.default(terminationDefaults.statusField),
      activeValue: z.string().min(1).default(terminationDefaults.activeValue),
      terminatedValue: z.string().min(1).default(terminationDefaults.terminatedValue),
      dateField: apiName.nullable().default(terminationDefaults.dateField),
    })
    .default(terminationDefaults),
  /**
   * A contact's account: the Contacts field (a lookup) whose mapped value is the account's key,
   * and the Accounts field that key is found by. A contact whose account is not in Zoho yet waits.
   */
  accountLookup: z
    .strictObject({ field: apiName.default('Account_Name'), by: apiName.optional() })
    .default({ field: 'Account_Name' }),
  credits: z
    .strictObject({
      /** Credits ml-connector may spend per day (its own ledger, shared by every function). */
      dailyBudget: z.number().int().min(10).default(50_000),
      /** The ledger's day starts at midnight here. */
      timeZone: timeZone.default('UTC'),
      /** When Zoho's own pool is empty (it refills over a rolling 24 h), look again after this long. */
      probeMinutes: z.number().int().min(5).max(1440).default(60),
    })
    .default({ dailyBudget: 50_000, timeZone: 'UTC', probeMinutes: 60 }),
  /** Automations an upsert triggers (`workflow`, `approval`, `blueprint`); none by default. */
  trigger: z.array(z.enum(['workflow', 'approval', 'blueprint'])).default([]),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type ZohoSettings = z.infer<typeof zohoSettingsSchema>;
