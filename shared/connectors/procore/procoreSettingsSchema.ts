import { z } from 'zod';
import { httpUrl, targetSettingsBase } from '../../config/primitives';
import { procoreLimits } from './procoreLimits';

/** A Procore id: digits (ids may exceed 32 bits; kept as text, sent as a safe integer). */
const procoreId = z
  .string()
  .regex(/^\d{1,16}$/, 'a Procore id: digits only')
  .refine((value) => Number.isSafeInteger(Number(value)), 'a Procore id below 2^53');

/** Hosts of each Procore environment: login (OAuth) and API. */
export const procoreEnvironments = {
  production: { login: 'https://login.procore.com', api: 'https://api.procore.com' },
  sandbox: { login: 'https://login-sandbox.procore.com', api: 'https://sandbox.procore.com' },
  'monthly-sandbox': { login: 'https://login-sandbox-monthly.procore.com', api: 'https://api-monthly.procore.com' },
} as const;

const window = (calls: number, seconds: number) =>
  z.strictObject({ calls: z.number().int().min(1), seconds: z.number().int().min(1).default(seconds) }).default({ calls, seconds });

/** The PeopleSoft PO status → Procore commitment status used when a mapped status is not Procore's own. */
const defaultStatusMap = { A: 'Approved', D: 'Draft', C: 'Closed', P: 'Processing', O: 'Submitted', X: 'Closed' } as const;

/**
 * The `targets.procore` section of a customer config. `baseUrl` overrides the environment's API
 * host and `loginUrl` its login host (with `simulator: true` both are the simulator).
 */
export const procoreSettingsSchema = z.strictObject({
  ...targetSettingsBase,
  environment: z.enum(['production', 'sandbox', 'monthly-sandbox']).default('production'),
  loginUrl: httpUrl.optional(),
  /** The company the app (DMSA) is installed in: sent as `Procore-Company-Id` on every call. */
  companyId: procoreId,
  /** Projects whose cost codes are written and whose commitments, direct costs and change orders are read. */
  projects: z.array(procoreId).min(1).refine((list) => new Set(list).size === list.length, 'each project once'),
  /**
   * The company's windows, per app and company (Procore: do not hard-code 3,600; read what the
   * `X-Rate-Limit-Limit` header says for your company and set it here). Calls are paced under both.
   */
  rateLimits: z
    .strictObject({
      hourly: window(procoreLimits.hourlyCalls, procoreLimits.hourlyWindowMs / 1000),
      spike: window(procoreLimits.spikeCalls, procoreLimits.spikeWindowMs / 1000),
    })
    .default({
      hourly: { calls: procoreLimits.hourlyCalls, seconds: procoreLimits.hourlyWindowMs / 1000 },
      spike: { calls: procoreLimits.spikeCalls, seconds: procoreLimits.spikeWindowMs / 1000 },
    }),
  /** Calls in flight at once for the company. */
  inFlight: z.number().int().min(1).max(20).default(procoreLimits.inFlight),
  /**
   * Written into `origin_data` of every record ml-connector creates, so a reverse flow recognises
   * its own records when Procore reports them back.
   */
  originMarker: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . -').default('ml-connector'),
  /** A mapped commitment status that is not one of Procore's is looked up here (PeopleSoft PO_STATUS codes). */
  statusMap: z.record(z.string(), z.enum(['Draft', 'Processing', 'Submitted', 'Partially Received', 'Received', 'Approved', 'Closed'])).default(defaultStatusMap),
  /** Items per page when listing (Procore: keep it at most 1,000). */
  pageSize: z.number().int().min(10).max(1_000).default(100),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type ProcoreSettings = z.infer<typeof procoreSettingsSchema>;
