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
  /** `list`: a nested array, such as a purchase order's lines. */
  type: z.enum(['string', 'email', 'date', 'datetime', 'number', 'list']).default('string'),
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
  timestamp: { field: 'LASTUPDDTTM', format: 'iso' as const, queryFormat: 'local' as const },
  maxRowsPerWindow: 20_000,
};

/**
 * How the two date-range parameters are written in a request: `iso` is ISO-8601 in UTC
 * (`2026-01-31T06:00:00.000Z`); `local` the wall time in the system's time zone without an offset
 * (`2026-01-31T00:00:00`, what a PeopleSoft DateTime column holds and what an operation whose
 * handler compares it directly expects); `peoplesoft` the same wall time written
 * `2026-01-31-00.00.00.000000`.
 */
const queryTimestampFormat = z.enum(['iso', 'local', 'peoplesoft']);

/**
 * Effective-dated rows (PeopleSoft's EFFDT / EFF_STATUS): per key, a target sees the row with the
 * greatest effective date not after today in the system's time zone; future rows wait until
 * their day; a current row with an inactive status is a deactivation.
 */
const effectiveDating = z.strictObject({
  /** Effective date field, `YYYY-MM-DD`. */
  dateField: z.string().default('EFFDT'),
  statusField: z.string().default('EFF_STATUS'),
  /** Status values of an inactive row. */
  inactiveValues: z.array(z.string()).min(1).default(['I']),
});

/**
 * Turns one source row into one record per element of a nested array (a customer's contacts):
 * each record is the row's fields with the element's fields on top, without the array; its id
 * is the row's key followed by the element's `keyFields`. For targets that key on what the
 * element holds (a contact's e-mail).
 */
const explode = z.strictObject({
  /** Field of the row holding the array (e.g. `CONTACTS`). */
  field: z.string(),
  /** Fields of an element that tell the elements of one row apart (e.g. `CNTCT_SEQ_NUM`). */
  keyFields: z.array(z.string()).min(1),
});

/**
 * A PeopleSoft REST GET service operation that lists one entity by last-update date range.
 * These operations are customer-built, so everything about the contract is declared here; the
 * defaults match the built-in simulator.
 */
const peopleSoftEntity = z.strictObject({
  /** The key of `peoplesoft.systems` that serves the entity; optional when there is one system. */
  system: z.string().optional(),
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
      /** How rows carry it. `iso`: ISO-8601; `peoplesoft`: `YYYY-MM-DD-HH.MM.SS.ffffff` in the system's time zone. */
      format: z.enum(['iso', 'peoplesoft']).default(entityDefaults.timestamp.format),
      /** How the date-range parameters are written (see `queryTimestampFormat`); `local` by default. */
      queryFormat: queryTimestampFormat.default(entityDefaults.timestamp.queryFormat),
    })
    .default(entityDefaults.timestamp),
  keyFields: z.array(z.string()).min(1),
  /** A window whose row count exceeds this is split in halves before it is read. */
  maxRowsPerWindow: z.number().int().positive().default(entityDefaults.maxRowsPerWindow),
  /** Validation rules per source field; a record that breaks one is rejected with an audit row. */
  fields: z.record(z.string(), fieldRule).default({}),
  /** Present for person entities: derives hire / rehire / transfer / termination. */
  lifecycle: lifecycleRules.optional(),
  /** Present for effective-dated entities (GL accounts, ...). */
  effectiveDated: effectiveDating.optional(),
  /** One record per element of a nested array (see `explode`). */
  explode: explode.optional(),
});

/**
 * Defaults of the entities ml-connector knows, matching the built-in simulator's operations: a
 * config naming one of them needs to say only what differs (its system, an operation name, ...).
 * HCM: employees, companies. Financials: vendors (VENDOR_CI data), customers with their contacts
 * (CUSTOMER_CI), the same customers one record per contact (for targets keyed on e-mail),
 * effective-dated GL accounts, purchase orders with their lines in one record.
 */
export const KNOWN_ENTITIES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  employees: { operation: 'ML_EMPLOYEES_GET', keyFields: ['EMPLID'], lifecycle: {} },
  companies: { operation: 'ML_COMPANIES_GET', keyFields: ['COMPANY'] },
  vendors: { operation: 'ML_VENDORS_GET', keyFields: ['SETID', 'VENDOR_ID'], fields: { NAME1: { required: true } } },
  customers: { operation: 'ML_CUSTOMERS_GET', keyFields: ['SETID', 'CUST_ID'], fields: { NAME1: { required: true } } },
  'customer-contacts': {
    operation: 'ML_CUSTOMERS_GET',
    keyFields: ['SETID', 'CUST_ID'],
    explode: { field: 'CONTACTS', keyFields: ['CNTCT_SEQ_NUM'] },
    fields: { EMAIL_ADDR: { type: 'email', required: true } },
  },
  'gl-accounts': { operation: 'ML_GL_ACCOUNTS_GET', keyFields: ['SETID', 'ACCOUNT'], effectiveDated: {}, fields: { DESCR: { required: true } } },
  'purchase-orders': { operation: 'ML_PURCHASE_ORDERS_GET', keyFields: ['BUSINESS_UNIT', 'PO_ID'], fields: { LINES: { type: 'list', required: true } } },
};

/** A known entity's declaration: its defaults under what the config says (the config wins, key by key at the top level). */
function withKnownDefaults(entities: unknown): unknown {
  if (entities === null || typeof entities !== 'object' || Array.isArray(entities)) return entities;
  return Object.fromEntries(
    Object.entries(entities as Record<string, unknown>).map(([name, declared]) => {
      const known = Object.hasOwn(KNOWN_ENTITIES, name) ? KNOWN_ENTITIES[name] : undefined;
      const plain = declared !== null && typeof declared === 'object' && !Array.isArray(declared);
      return [name, known && (plain || declared === undefined || declared === null) ? { ...known, ...(plain ? declared : {}) } : declared];
    }),
  );
}

const entitiesRecord = z.record(z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, 'an entity name such as employees'), peopleSoftEntity);

const systemSettings = {
  simulator: simulatorToggle,
  /** `https://{host}:{port}` of the web server that hosts PSIGW. */
  baseUrl: httpUrl,
  /** Integration Broker node in the REST URL (`PSFT_HR`, `PSFT_EP`, ...). */
  node: z.string().regex(/^[A-Z0-9_]+$/, 'an Integration Broker node name such as PSFT_HR'),
  auth: peopleSoftAuth,
  network,
  allowCleartextCredentials: cleartextOptIn,
  /** Time zone of the PeopleSoft database: its DateTime columns hold wall time in it. */
  timeZone: timeZone.default('UTC'),
  /** Re-read this much before the cursor, for rows committed late. */
  overlapSeconds: z.number().int().min(0).default(300),
  /** Stop this far before the source clock's "now", so in-flight transactions are not missed. */
  lagSeconds: z.number().int().min(0).default(60),
  requestTimeoutMs: z.number().int().positive().default(30_000),
};

/** One PeopleSoft installation (HCM, Financials, ...): its web server, node, credentials, network and time zone. */
const peopleSoftSystem = z.strictObject(systemSettings);

const SYSTEM_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** The system a single-system config (`peoplesoft.baseUrl`, ... without `systems`) describes. */
export const SINGLE_SYSTEM = 'peoplesoft';
const systemKeys = Object.keys(systemSettings) as Array<keyof typeof systemSettings>;

/**
 * `peoplesoft:` names each installation once under `systems` and says per entity which one serves
 * it. The single-system shape of earlier configs (`baseUrl`, `node`, `auth`, ... directly in
 * `peoplesoft`) is still accepted and read as one system named `peoplesoft`.
 */
const peopleSoft = z
  .strictObject({
    systems: z.record(z.string().regex(SYSTEM_NAME, 'a system name such as hcm or financials'), peopleSoftSystem).optional(),
    // The single-system shape: the same settings, directly here.
    simulator: z.boolean().optional(),
    baseUrl: httpUrl.optional(),
    node: systemSettings.node.optional(),
    auth: peopleSoftAuth.optional(),
    network: z.enum(['public', 'private']).optional(),
    allowCleartextCredentials: z.boolean().optional(),
    timeZone: timeZone.optional(),
    overlapSeconds: z.number().int().min(0).optional(),
    lagSeconds: z.number().int().min(0).optional(),
    requestTimeoutMs: z.number().int().positive().optional(),
    /**
     * One entry per entity read. The known ones (see `KNOWN_ENTITIES`: employees, companies,
     * vendors, customers, customer-contacts, gl-accounts, purchase-orders) have defaults.
     */
    entities: z.preprocess(withKnownDefaults, entitiesRecord) as unknown as typeof entitiesRecord,
  })
  .superRefine((section, ctx) => {
    const flat = systemKeys.filter((key) => section[key] !== undefined);
    if (section.systems) {
      for (const key of flat) {
        ctx.addIssue({ code: 'custom', path: [key], message: `set it per system (peoplesoft.systems.<name>.${key}) when peoplesoft.systems is used` });
      }
      if (Object.keys(section.systems).length === 0) ctx.addIssue({ code: 'custom', path: ['systems'], message: 'name at least one system' });
    } else {
      for (const key of ['baseUrl', 'node', 'auth'] as const) {
        if (section[key] === undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'required (or name each system under peoplesoft.systems)' });
        }
      }
    }
    const names = section.systems ? Object.keys(section.systems) : [SINGLE_SYSTEM];
    for (const [entity, declared] of Object.entries(section.entities)) {
      if (declared.system === undefined && names.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['entities', entity, 'system'], message: `required: which system serves ${entity} (${names.join(', ')})` });
      } else if (declared.system !== undefined && !names.includes(declared.system)) {
        ctx.addIssue({
          code: 'custom',
          path: ['entities', entity, 'system'],
          message: `"${declared.system}" is not a key of peoplesoft.systems (known: ${names.join(', ')})`,
        });
      }
      if (declared.explode && declared.keyFields.includes(declared.explode.field)) {
        ctx.addIssue({ code: 'custom', path: ['entities', entity, 'explode', 'field'], message: 'must not be a key field' });
      }
    }
  })
  .transform((section) => {
    const { systems: named, entities } = section;
    let systems: Record<string, PeopleSoftSystemSettings>;
    if (named) {
      systems = named;
    } else {
      const flat = Object.fromEntries(systemKeys.filter((key) => section[key] !== undefined).map((key) => [key, section[key]]));
      systems = { [SINGLE_SYSTEM]: peopleSoftSystem.parse(flat) };
    }
    const only = Object.keys(systems).length === 1 ? Object.keys(systems)[0]! : undefined;
    return {
      systems,
      entities: Object.fromEntries(
        Object.entries(entities).map(([name, declared]) => [name, { ...declared, system: declared.system ?? only ?? '' }]),
      ),
    };
  });

/** A validated `peoplesoft.systems.<name>` entry. */
export type PeopleSoftSystemSettings = z.infer<typeof peopleSoftSystem>;

/** A validated PeopleSoft installation, with its name and the config path that sets it (for messages). */
export type PeopleSoftSystemConfig = PeopleSoftSystemSettings & {
  readonly name: string;
  /** `peoplesoft.systems.hcm`, or `peoplesoft` in a single-system config. */
  readonly field: string;
};

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

/** When something runs: EventBridge cron fields and the time zone they are read in. */
const schedule = z.strictObject({
  /** EventBridge cron fields: `minutes hours day-of-month month day-of-week year`. */
  cron: z.string(),
  timeZone: timeZone.default('UTC'),
});

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

/** The largest body a pushed source may accept: 1 MiB for JSON, 10 MiB for an Integration Broker message. */
export const PUSHED_BODY_LIMITS = { json: 1_048_576, 'ib-rowset-xml': 10_485_760 } as const;

/** How an Integration Broker rowset message (`format: ib-rowset-xml`) becomes records. */
const ibRowset = z.strictObject({
  /**
   * The level-0 record element of each Transaction that is the entity (e.g. `VENDOR`, `PO_HDR`);
   * absent, the Transaction's first record other than PSCAMA.
   */
  record: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a record (or alias) name such as PERSON').optional(),
  /** Child rowset element → the record field holding its rows as a list (e.g. `PO_LINE: LINES`); unnamed ones keep their element name. */
  children: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a record (or alias) name'), z.string().min(1)).default({}),
  /** Deeper documents are refused with 400 (a rowset message nests about 10 levels). */
  maxDepth: z.number().int().min(4).max(64).default(20),
});

/** A key of `targets` (checked against the config and the catalog by `validateConfig`). */
const targetRef = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a key of targets');
/** An object (module, resource) of the target, in the target's own words. */
const targetObjectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_ -]{0,99}$/, 'an object name of the target, such as Contacts');

/** How the records of an id-only delivery are fetched (see `pushedSource.fetch`). */
const pushedFetch = z.strictObject({
  /** The target whose `fetchByIds` reads the records (the system that pushes). */
  from: targetRef,
  /** The object the ids belong to: fixed, or named by a field of each record (else of the body), e.g. `{ field: module }`. */
  object: z.union([targetObjectName, z.strictObject({ field: z.string().min(1) })]),
  /** Field of each record holding the id, or an array of ids: one envelope per id. */
  idField: z.string().min(1),
  /** Fields of each record that scope the id (e.g. `project_id`), passed to the fetch. */
  scopeFields: z.array(z.string().min(1)).min(1).optional(),
});

/** The subscription a pushed source keeps alive in the target (see `pushedSource.subscribe`). */
const pushedSubscribe = z.strictObject({
  /** The target that pushes and holds the subscription (its `subscribe` hook). */
  via: targetRef,
  /** Objects whose events are wanted (e.g. `Contacts`, `Accounts`). */
  objects: z.array(targetObjectName).min(1),
  /** Events wanted, in the target's words (e.g. `create`, `edit`, `delete`). */
  events: z.array(z.string().regex(/^[A-Za-z][A-Za-z_.-]{0,39}$/, 'an event name such as create')).min(1),
  /** How often the subscription is renewed (and created again if it vanished). */
  renewEveryMinutes: z.number().int().min(5).max(10_080).default(60),
  /**
   * How long each renewal asks it to last; at least twice `renewEveryMinutes` by default, so one
   * missed renewal never lets it lapse. At most what the target allows (its connector refuses
   * more).
   */
  lifetimeMinutes: z.number().int().min(10).max(43_200).optional(),
});

/** The reconciliation poll of a pushed source (see `pushedSource.reconcile`). */
const pushedReconcile = z.strictObject({
  schedule,
  /** Objects read with the target's `listChanged` (each keeps its own cursor). */
  objects: z.array(targetObjectName).min(1),
  /** The first run reads this far back. */
  lookbackMinutes: z.number().int().min(1).max(525_600).default(1440),
  /** Each later run starts this far before its cursor, for stamps written late. */
  overlapMinutes: z.number().int().min(0).max(1440).default(5),
});

const pushedSource = z.strictObject({
  /** `source.system` of the envelopes it produces; defaults to the source's name. */
  system: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes').optional(),
  /**
   * How the body is written: a JSON document, or an Integration Broker asynchronous publication
   * in PeopleSoft's rowset XML (FieldTypes, MsgData/Transaction, PSCAMA with AUDIT_ACTN).
   */
  format: z.enum(['json', 'ib-rowset-xml']).default('json'),
  /** For `format: ib-rowset-xml`: which record of each Transaction is the entity, and its child rowsets. */
  rowset: ibRowset.optional(),
  verify: pushedVerification,
  /**
   * Larger deliveries are refused with 413: at most 1 MiB for JSON, 10 MiB for an Integration
   * Broker message (each record must still fit on the queue).
   */
  maxBodyBytes: z.number().int().min(1).max(PUSHED_BODY_LIMITS['ib-rowset-xml']).default(262_144),
  /**
   * The delivery's event id, for dedupe; absent, the SHA-256 of the body stands in. A rowset
   * message takes it from a header (IB's transaction id) and falls back to the hash when the node
   * does not send it.
   */
  eventId: deliveryValue.optional(),
  /** Hours an event id is remembered: a redelivery within them is acknowledged and not queued again. */
  dedupeHours: z.number().int().min(1).max(720).default(72),
  /** The event's time (ISO-8601 or Unix seconds): the source version of records without their own; else the time of receipt. */
  eventTime: deliveryValue.optional(),
  records: z.strictObject({
    /** Dotted path of the record array (or of one record object) in a JSON body; `''` is the body itself. */
    path: z.string().default(''),
    /**
     * Fields whose values, joined with `|`, are a record's source id (as a poll of the same entity
     * names it). Required, except for a source that `fetch`es: its records are named
     * `<object>|<id>` by the pushing system's own ids.
     */
    keyFields: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Field of a record holding its last-update time (ISO-8601 or Unix seconds; in a rowset message
     * ISO-8601 or `YYYY-MM-DD-HH.MM.SS.ffffff`, without an offset read in the PeopleSoft system's
     * time zone); else the event time.
     */
    timeField: z.string().min(1).optional(),
    /**
     * A JSON record is a deactivation when this field (of the record, or of the body) holds one of
     * `values`. A rowset record is one when its PSCAMA says `AUDIT_ACTN` D.
     */
    deactivateWhen: z
      .strictObject({
        field: z.string().min(1),
        in: z.enum(['record', 'body']).default('record'),
        values: z.array(z.string()).min(1),
      })
      .optional(),
  }),
  /**
   * The delivery names records by the pushing system's own ids only (a change notification, an
   * id-only webhook): the front door queues one envelope per id, and the writer fetches the full
   * records behind the queue through the target's `fetchByIds` before mapping.
   */
  fetch: pushedFetch.optional(),
  /**
   * The subscription that makes the target deliver here (a watch channel, a webhook hook), created
   * and renewed on a schedule well before it expires. Its token is this source's verification
   * secret (`verify.secret`, field `token`).
   */
  subscribe: pushedSubscribe.optional(),
  /**
   * A scheduled poll of the target by its own update stamp that queues what changed as if it had
   * been delivered, so an event that never arrived is still caught.
   */
  reconcile: pushedReconcile.optional(),
});

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** How one target field is filled; `each` maps a list of child rows (a PO's lines) to a list. */
export type FieldMappingRule =
  | string
  | { from: string; transform?: 'trim' | 'lower' | 'upper' | undefined; default?: string | number | boolean | undefined }
  | { from: string; lookup: Record<string, string | number | boolean>; default?: string | number | boolean | undefined }
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
  z.strictObject({
    from: z.string(),
    lookup: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .describe('Source value → target value, e.g. a cost code → a GL account; a value without an entry takes `default`, or the record is rejected'),
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
    'must be a source field name, { from: FIELD, transform: trim | lower | upper, default: VALUE }, { from: FIELD, lookup: { VALUE: TARGET_VALUE, ... }, default: VALUE }, { template: "{FIRST_NAME} {LAST_NAME}" }, { value: CONSTANT } or { each: LIST_FIELD, mapping: {...} }',
}));

const flowObject = z.strictObject({
  /** Target object, e.g. `leads`, `companies`, `salespersons`. */
  object: z.string(),
  /** Target field → source field (or template / constant). */
  mapping: z.record(z.string(), fieldMapping),
  /** What a deactivation (termination) does to this object. */
  onDeactivate: z.enum(['delete', 'upsert', 'ignore']).default('upsert'),
});

/**
 * A record this flow must not write: one that carries the other side's origin marker, so a
 * flow never sends a record back where it came from (an echo of our own write).
 */
const skipRule = z
  .strictObject({
    /** Source record field holding the marker. */
    field: z.string().min(1),
    /** Skip when the field has any non-empty value. */
    present: z.literal(true).optional(),
    /** Skip when the field's value is one of these. */
    in: z.array(z.string()).min(1).optional(),
    /** Skip when the field's value starts with this. */
    startsWith: z.string().min(1).optional(),
    /** Why, in the audit trail: e.g. "created in PeopleSoft: an echo of our own write". */
    because: z.string().min(1),
  })
  .refine((rule) => [rule.present, rule.in, rule.startsWith].filter((test) => test !== undefined).length === 1, {
    message: 'give exactly one of present: true, in: [VALUES] or startsWith: PREFIX',
  });

const flow = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /**
   * A key of `peoplesoft.entities`: the entity the flow polls. A push-only flow may omit it: its
   * records come from its pushed source (e.g. a SaaS tool's webhook) and are named by it.
   */
  source: z.string().optional(),
  /** A key of `targets`. */
  target: z.string(),
  /**
   * A key of `pushed`: that source's deliveries feed this flow as they arrive, and the schedule's
   * poll becomes the reconciliation that catches whatever a delivery missed.
   */
  push: z
    .union([
      z.string(),
      z.strictObject({
        /** A key of `pushed`. */
        source: z.string(),
        /**
         * Only records of these objects (as the fetching source names them, e.g. a webhook's
         * `resource_name`): one pushed source can then feed several flows, each its own objects.
         */
        objects: z.array(z.string().min(1)).min(1),
      }),
    ])
    .optional(),
  objects: z.array(flowObject).min(1),
  /**
   * Records never written by this flow, each audited as `skipped` with the rule's reason: the
   * loop guard of two flows running in opposite directions between the same systems.
   */
  skipWhen: z.array(skipRule).default([]),
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
export type QueryTimestampFormat = z.infer<typeof queryTimestampFormat>;
export type EffectiveDating = z.infer<typeof effectiveDating>;
export type LifecycleRules = z.infer<typeof lifecycleRules>;
export type FieldRule = z.infer<typeof fieldRule>;
export type FlowConfig = CustomerConfig['flows'][number];
export type FlowObjectConfig = FlowConfig['objects'][number];
export type FieldMapping = z.infer<typeof fieldMapping>;
export type { TargetSettings } from './primitives';
export type PushedSourceConfig = z.infer<typeof pushedSource>;
export type PushedVerification = z.infer<typeof pushedVerification>;
export type IbRowsetConfig = z.infer<typeof ibRowset>;
export type DeliveryValue = z.infer<typeof deliveryValue>;
export type PushedFetchConfig = z.infer<typeof pushedFetch>;
export type PushedSubscribeConfig = z.infer<typeof pushedSubscribe>;
export type PushedReconcileConfig = z.infer<typeof pushedReconcile>;
export type ScheduleConfig = z.infer<typeof schedule>;
