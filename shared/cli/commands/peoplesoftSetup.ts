import { peopleSoftSystemOf, peopleSoftSystems, type CustomerConfig, type FieldMapping, type FlowConfig, type PeopleSoftEntityConfig, type PeopleSoftSystemConfig } from '../../config';
import { formatQueryRange } from '../../peoplesoft/formatQueryRange';
import { peopleSoftSecretSystem } from './secretsSet';

/** The REST GET service operation one entity is read through, and what the flows need of it. */
export interface ServiceOperationRequirement {
  readonly entity: string;
  /** The key of `peoplesoft.systems` that serves the entity. */
  readonly system: string;
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
  if (entity.effectiveDated) {
    fields.add(entity.effectiveDated.dateField);
    fields.add(entity.effectiveDated.statusField);
  }
  if (entity.explode) {
    fields.add(entity.explode.field);
    entity.explode.keyFields.forEach((field) => fields.add(`${entity.explode!.field}[].${field}`));
  }
  return [...fields];
}

/** The service operations the configured flows call, one per entity, in flow order. */
export function serviceOperationRequirements(config: CustomerConfig): ServiceOperationRequirement[] {
  const { peoplesoft } = config;
  const entities = [...new Set(config.flows.flatMap((flow) => (flow.source === undefined ? [] : [flow.source])))];
  return entities.map((name) => {
    const entity = peoplesoft.entities[name]!;
    const system = peopleSoftSystemOf(config, name);
    const base = system.baseUrl.replace(/\/+$/, '');
    const flows = config.flows.filter((flow) => flow.source === name);
    const { params } = entity;
    const operation = `${entity.operation}.v${entity.version}`;
    const uriTemplate = `?${params.since}={${params.since}}&${params.until}={${params.until}}&${params.page}={${params.page}}&${params.pageSize}={${params.pageSize}}`;
    const sample = formatQueryRange(EXAMPLE_FROM, EXAMPLE_TO, entity.timestamp.queryFormat, system.timeZone);
    const example =
      `${base}/PSIGW/RESTListeningConnector/${system.node}/${operation}` +
      `?${params.since}=${sample.since}&${params.until}=${sample.until}&${params.page}=1&${params.pageSize}=${entity.pageSize}`;
    return {
      entity: name,
      system: system.name,
      operation,
      method: 'GET',
      uriTemplate,
      exampleUrl: example,
      flows: flows.map((flow) => `${flow.name}${flow.enabled ? '' : ' (disabled)'}`),
      fields: fieldsOf(entity, flows),
    };
  });
}

// The example call asks for one day: 2026-01-31 06:00 UTC to the next day.
const EXAMPLE_FROM = new Date('2026-01-31T06:00:00.000Z');
const EXAMPLE_TO = new Date('2026-02-01T06:00:00.000Z');

function timestampText(entity: PeopleSoftEntityConfig, timeZone: string): string {
  return entity.timestamp.format === 'iso'
    ? `${entity.timestamp.field} as ISO-8601 with an offset (e.g. 2026-01-31T05:30:12Z)`
    : `${entity.timestamp.field} as PeopleSoft datetime YYYY-MM-DD-HH.MM.SS.ffffff in ${timeZone}`;
}

function parameterText(entity: PeopleSoftEntityConfig, timeZone: string): string {
  const { since, until } = entity.params;
  const sample = formatQueryRange(EXAMPLE_FROM, undefined, entity.timestamp.queryFormat, timeZone).since;
  switch (entity.timestamp.queryFormat) {
    case 'iso':
      return `${since} / ${until}: ISO-8601 UTC instants (e.g. ${sample}); convert them to ${timeZone} if ${entity.timestamp.field} holds local time.`;
    case 'local':
      return `${since} / ${until}: wall time in ${timeZone}, YYYY-MM-DDTHH:MM:SS without an offset (e.g. ${sample}), compared with ${entity.timestamp.field} as is.`;
    default:
      return `${since} / ${until}: wall time in ${timeZone}, YYYY-MM-DD-HH.MM.SS.ffffff (e.g. ${sample}), compared with ${entity.timestamp.field} as is.`;
  }
}

function systemReport(config: CustomerConfig, system: PeopleSoftSystemConfig, operations: readonly ServiceOperationRequirement[], several: boolean): string[] {
  const base = system.baseUrl.replace(/\/+$/, '');
  const url = new URL(base);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const { auth } = system;
  const secretCommand = `ml-connector secrets set --system ${peopleSoftSecretSystem(system)}`;
  const lines: string[] = [];
  const add = (...text: string[]): void => {
    lines.push(...text);
  };
  add(
    several ? `== PeopleSoft ${system.name}: ${base}, node ${system.node} (${system.field}) ==` : `PeopleSoft setup for ${config.customer}: ${base}, node ${system.node}`,
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
    `   - ${system.node}: the default local node of this database; the REST URLs name it.`,
    '     Make sure it is active. REST does not use node authentication: access is per OPRID (step 4).',
    '',
    `3. Service operations (REST, method GET, synchronous) - ${operations.length}`,
  );
  for (const op of operations) {
    const entity = config.peoplesoft.entities[op.entity]!;
    add(
      '',
      `   ${op.operation}   (entity ${op.entity}; flows: ${op.flows.join(', ')})`,
      `     REST method:   ${op.method}`,
      `     URI template:  ${op.uriTemplate}`,
      `     Example call:  ${op.exampleUrl}`,
      `     Parameters:    ${parameterText(entity, system.timeZone)}`,
      `                    ${entity.params.page}: page number from 1; ${entity.params.pageSize}: rows per page (up to ${entity.pageSize}, sometimes 1).`,
      `     Handler:       the rows with ${entity.params.since} <= ${entity.timestamp.field} < ${entity.params.until}, ordered by`,
      `                    ${[entity.timestamp.field, ...entity.keyFields].join(', ')} (a stable order, so pages do not overlap).`,
      `     Response:      JSON; rows at "${entity.recordsPath}"` +
        (entity.countPath ? `, total rows of the window at "${entity.countPath}"` : '') +
        (entity.morePath ? `, more-pages flag at "${entity.morePath}"` : ''),
      `     Timestamps:    ${timestampText(entity, system.timeZone)}`,
      `     Key:           ${entity.keyFields.join(' + ')}`,
      ...(entity.effectiveDated
        ? [
            `     Effective:     every row of a key, future-dated ones included, with ${entity.effectiveDated.dateField} (YYYY-MM-DD) and ${entity.effectiveDated.statusField};`,
            `                    ml-connector delivers the current one and each future one on its day.`,
          ]
        : []),
      ...(entity.explode ? [`     Nested:        ${entity.explode.field}: an array per row, its elements keyed by ${entity.explode.keyFields.join(' + ')}`] : []),
      `     Fields read:   ${op.fields.join(', ')}`,
      `     Activate:      the operation version, its handler, and the any-to-local routing for ${system.node}`,
    );
  }
  add(
    '',
    '4. Security (PeopleTools > Security)',
    auth.kind === 'basic'
      ? `   - OPRID: a service account (e.g. ML_INTEGRATION), unlocked, password without expiry; its user ID and password go in the secret "${auth.secret}" (${secretCommand}).`
      : `   - OPRID: a service account (e.g. ML_INTEGRATION) that the OAuth 2.0 client's tokens map to (PeopleTools 8.59+, Security > OAuth2 Administration); client id and secret go in the secret "${auth.secret}" (${secretCommand}).`,
    '   - Permission list (e.g. ML_CONNECTOR), Web Services tab, Full Access to:',
    ...[...new Set(operations.map((op) => op.operation))].map((operation) => `       ${operation}`),
    '   - A role (e.g. ML_CONNECTOR) with that permission list, granted to the OPRID; nothing else.',
    '',
    '5. Web-service access of each operation (Service Operations > General)',
    auth.kind === 'basic'
      ? `   - REST security / Req Verification: ${url.protocol === 'https:' ? 'Basic Authentication and SSL' : 'Basic Authentication'} (user ID and password on every call).`
      : `   - REST security: OAuth 2.0 bearer tokens from ${auth.tokenUrl}${auth.scope ? ` (scope ${auth.scope})` : ''}.`,
    '   - Not public ("no authentication" would expose the data to anyone who can reach PSIGW).',
  );
  return lines;
}

/**
 * What the PeopleSoft administrators must build and activate so the configured flows can read,
 * per PeopleSoft system (HCM, Financials, ...): the node, one REST GET service operation per
 * entity (name.version, URI template with the configured query parameters and timestamp form,
 * response contract), the permission list entries for the OPRID and the web-service access
 * settings. Printed by `ml-connector peoplesoft-setup`.
 */
export function peoplesoftSetupReport(config: CustomerConfig): string {
  const operations = serviceOperationRequirements(config);
  const systems = peopleSoftSystems(config.peoplesoft).filter((system) => operations.some((op) => op.system === system.name));
  const several = systems.length > 1;
  const lines: string[] = [];
  if (several) {
    lines.push(
      `PeopleSoft setup for ${config.customer}: ${systems.length} PeopleSoft systems, each with its own administrator:`,
      ...systems.map((system) => `  - ${system.name}: ${system.baseUrl}, node ${system.node}`),
      '',
    );
  }
  systems.forEach((system, index) => {
    if (index > 0) lines.push('');
    lines.push(...systemReport(config, system, operations.filter((op) => op.system === system.name), several));
  });
  lines.push('', `Then check from a machine with the same access: npx ml-connector ping --config <this config>`);
  return `${lines.join('\n')}\n`;
}
