import { z } from 'zod';
import { targetCatalog } from '../connectors/catalog';
import type { TargetCatalog } from '../connectors/TargetDefinition';
import { httpUrl, network, secretName, simulatorToggle, timeZone, type TargetSettings } from './primitives';

/**
 * The customer config: one YAML file per customer, validated here once, at `cdk synth` and at
 * CLI start. Objects are strict (unknown keys are errors) and every default lives in this file.
 */

// ---------------------------------------------------------------------------------------------
// PeopleSoft
// ---------------------------------------------------------------------------------------------

const peopleSoftAuth = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('basic'),
    /** Secret JSON: `{ "username": "<OPRID>", "password": "..." }`. */
    secret: secretName,
  }),
  z.strictObject({
    kind: z.literal('oauth2'),
    /** Secret JSON: `{ "clientId": "...", "clientSecret": "..." }` (client credentials at `tokenUrl`). */
    secret: secretName,
    tokenUrl: httpUrl,
    scope: z.string().optional(),
  }),
]);

const fieldRule = z.strictObject({
  type: z.enum(['string', 'email', 'date', 'datetime', 'number']).default('string'),
  required: z.boolean().default(false),
  maxLength: z.number().int().positive().optional(),
});

const lifecycleRules = z.strictObject({
  /** Field holding the employment status (PeopleSoft `EMPL_STATUS`). */
  statusField: z.string().default('EMPL_STATUS'),
  /** Status values meaning the person no longer works here: terminated, deceased, retired, ... */
  inactiveValues: z.array(z.string()).default(['T', 'D', 'R', 'Q', 'U', 'V', 'X']),
  /** Field holding the last JOB action (PeopleSoft `ACTION`). */
  actionField: z.string().default('ACTION'),
  hireActions: z.array(z.string()).default(['HIR']),
  rehireActions: z.array(z.string()).default(['REH']),
  transferActions: z.array(z.string()).default(['XFR', 'PRO', 'DEM', 'DTA', 'POS']),
});

const entityDefaults = {
  version: 1,
  params: { since: 'updated_since', until: 'updated_before', page: 'page', pageSize: 'rows' },
  pageSize: 500,
  recordsPath: 'data',
  countPath: 'totalRows',
  morePath: 'hasMore',
  timestamp: { field: 'LASTUPDDTTM', format: 'iso' as const },
  maxRowsPerWindow: 20_000,
};

/**
 * A PeopleSoft REST GET service operation that lists one entity by last-update date range.
 * These operations are customer-built, so everything about the contract is declared here; the
 * defaults match the built-in simulator.
 */
const peopleSoftEntity = z.strictObject({
  operation: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a service operation name such as ML_EMPLOYEES_GET'),
  version: z.number().int().positive().default(entityDefaults.version),
  params: z
    .strictObject({
      since: z.string().default(entityDefaults.params.since),
      until: z.string().default(entityDefaults.params.until),
      page: z.string().default(entityDefaults.params.page),
      pageSize: z.string().default(entityDefaults.params.pageSize),
    })
    .default(entityDefaults.params),
  pageSize: z.number().int().min(1).max(10_000).default(entityDefaults.pageSize),
  /** Dotted path of the record array in the response body. */
  recordsPath: z.string().default(entityDefaults.recordsPath),
  /**
   * Dotted path of the window's total row count, used to split crowded windows and to notice rows
   * moving between pages; `null` when the operation reports no count.
   */
  countPath: z.string().min(1).nullable().default(entityDefaults.countPath),
  /** Dotted path of the "more pages" flag; `null` when there is none (a short page ends the window). */
  morePath: z.string().min(1).nullable().default(entityDefaults.morePath),
  timestamp: z
    .strictObject({
      field: z.string().default(entityDefaults.timestamp.field),
      /** `iso`: ISO-8601; `peoplesoft`: `YYYY-MM-DD-HH.MM.SS.ffffff` in the source time zone. */
      format: z.enum(['iso', 'peoplesoft']).default(entityDefaults.timestamp.format),
    })
    .default(entityDefaults.timestamp),
  keyFields: z.array(z.string()).min(1),
  /** A window whose row count exceeds this is split in halves before it is read. */
  maxRowsPerWindow: z.number().int().positive().default(entityDefaults.maxRowsPerWindow),
  /** Validation rules per source field; a record that breaks one is rejected with an audit row. */
  fields: z.record(z.string(), fieldRule).default({}),
  /** Present for person entities: derives hire / rehire / transfer / termination. */
  lifecycle: lifecycleRules.optional(),
});

const peopleSoft = z.strictObject({
  simulator: simulatorToggle,
  /** `https://{host}:{port}` of the web server that hosts PSIGW. */
  baseUrl: httpUrl,
  /** Integration Broker node in the REST URL (`PSFT_HR`, `PSFT_EP`, ...). */
  node: z.string().regex(/^[A-Z0-9_]+$/, 'an Integration Broker node name such as PSFT_HR'),
  auth: peopleSoftAuth,
  network,
  /** Time zone of the PeopleSoft database (timestamps without an offset are read in it). */
  timeZone: timeZone.default('UTC'),
  /** Re-read this much before the cursor, for rows committed late. */
  overlapSeconds: z.number().int().min(0).default(300),
  /** Stop this far before the source clock's "now", so in-flight transactions are not missed. */
  lagSeconds: z.number().int().min(0).default(60),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  entities: z.record(z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, 'an entity name such as employees'), peopleSoftEntity),
});

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/** `targets:`: one optional section per known target, each validated by its connector's schema. */
function targetsSchema(catalog: TargetCatalog) {
  const sections = Object.fromEntries(Object.entries(catalog).map(([name, definition]) => [name, definition.settingsSchema.optional()]));
  return z.strictObject(sections) as unknown as z.ZodType<
    Readonly<Record<string, TargetSettings | undefined>>,
    Record<string, Record<string, unknown> | undefined>
  >;
}

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

const fieldMapping = z.union([
  z.string().describe('Source field name'),
  z.strictObject({
    from: z.string(),
    transform: z.enum(['trim', 'lower', 'upper']).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  }),
  z.strictObject({ template: z.string().describe('e.g. "{FIRST_NAME} {LAST_NAME}"') }),
  z.strictObject({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
]);

const flowObject = z.strictObject({
  /** Target object, e.g. `leads`, `companies`, `salespersons`. */
  object: z.string(),
  /** Target field → source field (or template / constant). */
  mapping: z.record(z.string(), fieldMapping),
  /** What a deactivation (termination) does to this object. */
  onDeactivate: z.enum(['delete', 'upsert', 'ignore']).default('upsert'),
});

const schedule = z.strictObject({
  /** EventBridge cron fields: `minutes hours day-of-month month day-of-week year`. */
  cron: z.string(),
  timeZone: timeZone.default('UTC'),
});

const flow = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /** A key of `peoplesoft.entities`. */
  source: z.string(),
  /** A key of `targets`. */
  target: z.string(),
  objects: z.array(flowObject).min(1),
  schedule,
  /** First run reads from here (ISO date); later runs continue from the cursor. */
  initialSince: z.string().default('1970-01-01T00:00:00Z'),
  /** Records per writer invocation; at most the target's batch limit (its default). */
  batchSize: z.number().int().positive().optional(),
  batchingWindowSeconds: z.number().int().min(0).max(300).default(5),
  maxReceiveCount: z.number().int().min(1).max(1000).default(5),
  writerTimeoutSeconds: z.number().int().min(10).max(900).default(120),
  pollerTimeoutSeconds: z.number().int().min(30).max(900).default(900),
});

// ---------------------------------------------------------------------------------------------
// Customer
// ---------------------------------------------------------------------------------------------

/** The customer config schema for a catalog of targets (the built-in one by default). */
export function buildConfigSchema(catalog: TargetCatalog = targetCatalog) {
  return z.strictObject({
    customer: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case letters, digits and dashes (2-31), e.g. acme'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1').default('us-east-1'),
    alertEmail: z.email(),
    nat: z.enum(['gateway', 'instance']).default('gateway'),
    /** Days an audit row is kept before DynamoDB's TTL removes it. */
    auditRetentionDays: z.number().int().min(1).max(3650).default(90),
    peoplesoft: peopleSoft,
    targets: targetsSchema(catalog),
    flows: z.array(flow).min(1),
    local: z
      .strictObject({
        /** Where the local runtime keeps its DynamoDB data and queue snapshots. */
        stateDir: z.string().default('.ml-connector'),
        /** Local secrets file (JSON object: secret name → secret value); see README. */
        secretsFile: z.string().optional(),
      })
      .default({ stateDir: '.ml-connector' }),
  });
}

export const customerConfigSchema = buildConfigSchema();

/** A validated customer config with every default filled in. */
export type CustomerConfig = z.infer<typeof customerConfigSchema>;
export type CustomerConfigInput = z.input<typeof customerConfigSchema>;
export type PeopleSoftConfig = CustomerConfig['peoplesoft'];
export type PeopleSoftEntityConfig = PeopleSoftConfig['entities'][string];
export type LifecycleRules = z.infer<typeof lifecycleRules>;
export type FieldRule = z.infer<typeof fieldRule>;
export type FlowConfig = CustomerConfig['flows'][number];
export type FlowObjectConfig = FlowConfig['objects'][number];
export type FieldMapping = z.infer<typeof fieldMapping>;
export type { TargetSettings } from './primitives';
