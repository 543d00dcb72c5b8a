import type { CustomerConfig, FieldMapping, FlowConfig, PeopleSoftEntityConfig } from '../../config';

/** The REST GET service operation one entity is read through, and what the flows need of it. */
export interface ServiceOperationRequirement {
  readonly entity: string;
  /** `ML_EMPLOYEES_GET.v1`. */
  readonly operation: string;
  readonly method: 'GET';
  /** The operation's URI template, with the configured query parameter names. */
  readonly uriTemplate: string;
  /** A full example URL as the poller calls it. */
  readonly exampleUrl: string;
  /** Flows that read the entity. */
  readonly flows: readonly string[];
  /** Every source field the flows read (keys, timestamp, mapping, validation, lifecycle). */
  readonly fields: readonly string[];
}

const TEMPLATE_FIELD = /\{([A-Za-z0-9_]+)\}/g;

function mappingFields(mapping: FieldMapping): string[] {
  if (typeof mapping === 'string') return [mapping];
  if ('from' in mapping) return [mapping.from];
  if ('template' in mapping) return [...mapping.template.matchAll(TEMPLATE_FIELD)].map((match) => match[1]!);
  return [];
}

function fieldsOf(entity: PeopleSoftEntityConfig, flows: readonly FlowConfig[]): string[] {
  const fields = new Set<string>([...entity.keyFields, entity.timestamp.field]);
  for (const flow of flows) {
    for (const object of flow.objects) for (const mapping of Object.values(object.mapping)) mappingFields(mapping).forEach((f) => fields.add(f));
  }
  Object.keys(entity.fields).forEach((field) => fields.add(field));
  if (entity.lifecycle) {
    fields.add(entity.lifecycle.statusField);
    fields.add(entity.lifecycle.actionField);
  }
  return [...fields];
}

/** The service operations the configured flows call, one per entity, in flow order. */
export function serviceOperationRequirements(config: CustomerConfig): ServiceOperationRequirement[] {
  const { peoplesoft } = config;
  const base = peoplesoft.baseUrl.replace(/\/+$/, '');
  const entities = [...new Set(config.flows.map((flow) => flow.source))];
  return entities.map((name) => {
    const entity = peoplesoft.entities[name]!;
    const flows = config.flows.filter((flow) => flow.source === name);
    const { params } = entity;
    const operation = `${entity.operation}.v${entity.version}`;
    const uriTemplate = `?${params.since}={${params.since}}&${params.until}={${params.until}}&${params.page}={${params.page}}&${params.pageSize}={${params.pageSize}}`;
    const example =
      `${base}/PSIGW/RESTListeningConnector/${peoplesoft.node}/${operation}` +
      `?${params.since}=2026-01-31T06:00:00.000Z&${params.until}=2026-02-01T06:00:00.000Z&${params.page}=1&${params.pageSize}=${entity.pageSize}`;
    return {
      entity: name,
      operation,
      method: 'GET',
      uriTemplate,
      exampleUrl: example,
      flows: flows.map((flow) => `${flow.name}${flow.enabled ? '' : ' (disabled)'}`),
      fields: fieldsOf(entity, flows),
    };
  });
}

/** How the handler must compare the UTC window instants with the stored last-update timestamps. */
function instantConversion(entity: PeopleSoftEntityConfig, timeZone: string): string {
  if (timeZone === 'UTC') {
    return `compare them with ${entity.timestamp.field} as UTC; if the database stores local time, set peoplesoft.timeZone to its zone first.`;
  }
  return `convert both to the database time zone ${timeZone} (peoplesoft.timeZone) before comparing them with ${entity.timestamp.field}.`;
}

function timestampText(entity: PeopleSoftEntityConfig, timeZone: string): string {
  return entity.timestamp.format === 'iso'
    ? `${entity.timestamp.field} as ISO-8601 with an offset (e.g. 2026-01-31T05:30:12Z)`
    : `${entity.timestamp.field} as PeopleSoft datetime YYYY-MM-DD-HH.MM.SS.ffffff in ${timeZone}`;
}

/**
 * What a PeopleSoft administrator must build and activate so the configured flows can read:
 * the node, one REST GET service operation per entity (name.version, URI template with the
 * configured query parameters, response contract), the permission list entries for the OPRID
 * and the web-service access settings. Printed by `ml-connector peoplesoft-setup`.
 */
export function peoplesoftSetupReport(config: CustomerConfig): string {
  const { peoplesoft } = config;
  const base = peoplesoft.baseUrl.replace(/\/+$/, '');
  const url = new URL(base);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const operations = serviceOperationRequirements(config);
  const { auth } = peoplesoft;
  const basic = auth.kind === 'basic';
  const lines: string[] = [];
  const add = (...text: string[]): void => {
    lines.push(...text);
  };

  add(
    `PeopleSoft setup for ${config.customer}: ${base}, node ${peoplesoft.node}`,
    `ml-connector reads PeopleSoft through the Integration Broker REST listening connector, one`,
    `REST GET service operation per entity. Everything below is read-only for ml-connector.`,
    '',
    '1. Network and gateway',
    `   - Allow HTTPS to ${url.hostname}:${port} from the Elastic IP(s) in the stack output EgressIps`,
    '     (npx cdk deploy prints it; it does not change while the stack exists).',
    `   - PSIGW answers at ${base}/PSIGW/RESTListeningConnector/ (PeopleTools > Integration Broker >`,
    '     Configuration > Service Configuration > Setup Target Locations: REST target location).',
    '',
    '2. Node',
    `   - ${peoplesoft.node}: the default local node of this database; the REST URLs name it.`,
    '     Make sure it is active. REST does not use node authentication: access is per OPRID (step 4).',
    '',
    `3. Service operations (REST, method GET, synchronous) - ${operations.length}`,
  );
  for (const op of operations) {
    const entity = peoplesoft.entities[op.entity]!;
    add(
      '',
      `   ${op.operation}   (entity ${op.entity}; flows: ${op.flows.join(', ')})`,
      `     REST method:   ${op.method}`,
      `     URI template:  ${op.uriTemplate}`,
      `     Example call:  ${op.exampleUrl}`,
      `     Parameters:    ${entity.params.since} / ${entity.params.until}: ISO-8601 UTC instants (e.g. 2026-01-31T06:00:00.000Z);`,
      `                    ${instantConversion(entity, peoplesoft.timeZone)}`,
      `                    ${entity.params.page}: page number from 1; ${entity.params.pageSize}: rows per page (up to ${entity.pageSize}, sometimes 1).`,
      `     Handler:       the rows with ${entity.params.since} <= ${entity.timestamp.field} < ${entity.params.until}, ordered by`,
      `                    ${[entity.timestamp.field, ...entity.keyFields].join(', ')} (a stable order, so pages do not overlap).`,
      `     Response:      JSON; rows at "${entity.recordsPath}"` +
        (entity.countPath ? `, total rows of the window at "${entity.countPath}"` : '') +
        (entity.morePath ? `, more-pages flag at "${entity.morePath}"` : ''),
      `     Timestamps:    ${timestampText(entity, peoplesoft.timeZone)}`,
      `     Key:           ${entity.keyFields.join(' + ')}`,
      `     Fields read:   ${op.fields.join(', ')}`,
      `     Activate:      the operation version, its handler, and the any-to-local routing for ${peoplesoft.node}`,
    );
  }
  add(
    '',
    '4. Security (PeopleTools > Security)',
    basic
      ? `   - OPRID: a service account (e.g. ML_INTEGRATION), unlocked, password without expiry; its user ID and password go in the secret "${auth.secret}" (ml-connector secrets set --system peoplesoft).`
      : `   - OPRID: a service account (e.g. ML_INTEGRATION) that the OAuth 2.0 client's tokens map to (PeopleTools 8.59+, Security > OAuth2 Administration); client id and secret go in the secret "${auth.secret}" (ml-connector secrets set --system peoplesoft).`,
    '   - Permission list (e.g. ML_CONNECTOR), Web Services tab, Full Access to:',
    ...operations.map((op) => `       ${op.operation}`),
    '   - A role (e.g. ML_CONNECTOR) with that permission list, granted to the OPRID; nothing else.',
    '',
    '5. Web-service access of each operation (Service Operations > General)',
    auth.kind === 'basic'
      ? `   - REST security / Req Verification: ${url.protocol === 'https:' ? 'Basic Authentication and SSL' : 'Basic Authentication'} (user ID and password on every call).`
      : `   - REST security: OAuth 2.0 bearer tokens from ${auth.tokenUrl}${auth.scope ? ` (scope ${auth.scope})` : ''}.`,
    '   - Not public ("no authentication" would expose the data to anyone who can reach PSIGW).',
    '',
    `Then check from a machine with the same access: npx ml-connector ping --config <this config>`,
  );
  return `${lines.join('\n')}\n`;
}
