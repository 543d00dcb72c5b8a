import { z } from 'zod';
import { targetCatalog } from '../connectors/catalog';
import type { TargetCatalog } from '../connectors/TargetDefinition';
import { cleartextOptIn, httpUrl, network, secretName, simulatorToggle, timeZone, type TargetSettings } from './primitives';

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
  allowCleartextCredentials: cleartextOptIn,
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
// Pushed sources (deliveries at the front door: POST /webhooks/<name>)
// ---------------------------------------------------------------------------------------------

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name such as X-Signature');

/** How the front door tells a genuine delivery from a forged one; every comparison is constant-time. */
const pushedVerification = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('hmac-sha256'),
    /** Secret JSON: `{ "signingSecret": "..." }`. */
    secret: secretName,
    /** Header carrying the signature: HMAC-SHA256 of [timestamp +] raw body. */
    signatureHeader: headerName,
    /** Text the sender puts before the signature in its header, e.g. `sha256=`. */
    signaturePrefix: z.string().default(''),
    encoding: z.enum(['base64', 'hex']).default('base64'),
    /**
     * Header carrying the signing time (ISO-8601 or Unix seconds). When set, the signed string is
     * its value followed by the raw body, and a delivery outside `toleranceSeconds` is refused.
     */
    timestampHeader: headerName.optional(),
    toleranceSeconds: z.number().int().min(1).max(3600).default(300),
  }),
  z.strictObject({
    kind: z.literal('header'),
    /** Secret JSON: `{ "token": "..." }`, the value the sender puts in `header`. */
    secret: secretName,
    header: headerName,
  }),
  z.strictObject({
    kind: z.literal('channel-token'),
    /** Secret JSON: `{ "token": "..." }`, the value the sender puts at `path` in the JSON body. */
    secret: secretName,
    path: z.string().min(1),
  }),
  z.strictObject({
    kind: z.literal('basic'),
    /** Secret JSON: `{ "username": "...", "password": "..." }` (HTTP Basic credentials). */
    secret: secretName,
  }),
]);

/** A value in a delivery: a request header, or a dotted path in the JSON body. */
const deliveryValue = z.union([z.strictObject({ header: headerName }), z.strictObject({ path: z.string().min(1) })]);

const pushedSource = z.strictObject({
  /** `source.system` of the envelopes it produces; defaults to the source's name. */
  system: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes').optional(),
  verify: pushedVerification,
  /** Larger deliveries are refused with 413 (at most 1 MiB: the records must fit on the queue). */
  maxBodyBytes: z.number().int().min(1).max(1_048_576).default(262_144),
  /** The delivery's event id, for dedupe; absent, the SHA-256 of the body stands in. */
  eventId: deliveryValue.optional(),
  /** Hours an event id is remembered: a redelivery within them is acknowledged and not queued again. */
  dedupeHours: z.number().int().min(1).max(720).default(72),
  /** The event's time (ISO-8601 or Unix seconds): the source version of records without their own; else the time of receipt. */
  eventTime: deliveryValue.optional(),
  records: z.strictObject({
    /** Dotted path of the record array (or of one record object) in the body; `''` is the body itself. */
    path: z.string().default(''),
    /** Fields whose values, joined with `|`, are a record's source id (as a poll of the same entity names it). */
    keyFields: z.array(z.string().min(1)).min(1),
    /** Field of a record holding its last-update time (ISO-8601 or Unix seconds); else the event time. */
    timeField: z.string().min(1).optional(),
    /** A record is a deactivation when this field (of the record, or of the body) holds one of `values`. */
    deactivateWhen: z
      .strictObject({
        field: z.string().min(1),
        in: z.enum(['record', 'body']).default('record'),
        values: z.array(z.string()).min(1),
      })
      .optional(),
  }),
});

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** How one target field is filled; `each` maps a list of child rows (a PO's lines) to a list. */
export type FieldMappingRule =
  | string
  | { from: string; transform?: 'trim' | 'lower' | 'upper' | undefined; default?: string | number | boolean | undefined }
  | { template: string }
  | { value: string | number | boolean | null }
  | { each: string; mapping: Record<string, FieldMappingRule> };

const fieldMapping: z.ZodType<FieldMappingRule> = z.lazy(() => z.union([
  z.string().describe('Source field name'),
  z.strictObject({
    from: z.string(),
    transform: z.enum(['trim', 'lower', 'upper']).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  }),
  z.strictObject({ template: z.string().describe('e.g. "{FIRST_NAME} {LAST_NAME}"') }),
  z.strictObject({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  z.strictObject({
    each: z.string().describe('Source field holding a list of child rows, e.g. LINES of a purchase order'),
    mapping: z.record(z.string(), fieldMapping),
  }),
], {
  error:
    'must be a source field name, { from: FIELD, transform: trim | lower | upper, default: VALUE }, { template: "{FIRST_NAME} {LAST_NAME}" }, { value: CONSTANT } or { each: LIST_FIELD, mapping: {...} }',
}));

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
  /**
   * A key of `pushed`: that source's deliveries feed this flow as they arrive, and the schedule's
   * poll becomes the reconciliation that catches whatever a delivery missed.
   */
  push: z.string().optional(),
  objects: z.array(flowObject).min(1),
  /** When the flow is polled; absent for a flow fed only by its pushed source (`push`). */
  schedule: schedule.optional(),
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
    /** Sources that deliver to the front door (`POST /webhooks/<name>`), by name. */
    pushed: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case letters, digits and dashes (2-31): the route /webhooks/<name>'), pushedSource)
      .optional(),
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
export type PushedSourceConfig = z.infer<typeof pushedSource>;
export type PushedVerification = z.infer<typeof pushedVerification>;
export type DeliveryValue = z.infer<typeof deliveryValue>;
