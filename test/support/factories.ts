import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseConfig, type CustomerConfig, type FlowConfig } from '../../shared/config';
import { makeEnvelope, type RecordEnvelope } from '../../shared/envelope';
import type { WriterMessage } from '../../shared/pipeline';

/** The demo customer config, optionally edited as YAML text first (pushed sources left without their flows or targets go too). */
export function demoConfig(edit: (yaml: string) => string = (yaml) => yaml): CustomerConfig {
  const text = readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8');
  return parseConfig(withoutDanglingPushedSources(edit(text)), 'customers/demo.yaml');
}

/** A config's YAML without its pushed sources and the flows they feed (for tests that declare their own). */
export function withoutPushedSources(yaml: string): string {
  const document = parseDocument(yaml);
  const flows = (document.toJS() as { flows?: Array<{ push?: string }> }).flows ?? [];
  for (let index = flows.length - 1; index >= 0; index -= 1) if (flows[index]!.push !== undefined) document.deleteIn(['flows', index]);
  document.delete('pushed');
  return document.toString();
}

/**
 * A config's YAML without the pushed sources an edit left dangling: those naming a target that
 * is gone (fetch.from, subscribe.via), and those no flow is fed by any more (with the flows fed
 * by a source that went).
 */
export function withoutDanglingPushedSources(yaml: string): string {
  const document = parseDocument(yaml);
  const config = document.toJS() as {
    targets?: Record<string, unknown>;
    pushed?: Record<string, { fetch?: { from?: string }; subscribe?: { via?: string } }>;
    flows?: Array<{ push?: string | { source?: string } }>;
  };
  if (!config.pushed) return yaml;
  const targets = Object.keys(config.targets ?? {});
  const gone = Object.entries(config.pushed)
    .filter(([, source]) => [source?.fetch?.from, source?.subscribe?.via].some((target) => target !== undefined && !targets.includes(target)))
    .map(([name]) => name);
  // `push: NAME` or `push: { source: NAME, objects }`.
  const flows = (config.flows ?? []).map((flow) => (typeof flow.push === 'object' && flow.push !== null ? (flow.push as { source?: string }).source : flow.push));
  for (let index = flows.length - 1; index >= 0; index -= 1) {
    if (flows[index] !== undefined && gone.includes(flows[index]!)) document.deleteIn(['flows', index]);
  }
  const fed = new Set(flows.filter((push) => push !== undefined && !gone.includes(push)));
  for (const name of Object.keys(config.pushed)) if (gone.includes(name) || !fed.has(name)) document.deleteIn(['pushed', name]);
  if (Object.keys((document.toJS() as { pushed?: object }).pushed ?? {}).length === 0) document.delete('pushed');
  return document.toString();
}

/** A customer config's YAML without one target: its section and the flows writing to it. */
export function withoutTarget(yaml: string, target: string): string {
  const document = parseDocument(yaml);
  const flows = (document.toJS() as { flows: Array<{ target: string }> }).flows;
  for (let index = flows.length - 1; index >= 0; index -= 1) {
    if (flows[index]!.target === target) document.deleteIn(['flows', index]);
  }
  document.deleteIn(['targets', target]);
  return withoutDanglingPushedSources(document.toString());
}

export function employeesFlow(config: CustomerConfig): FlowConfig {
  return config.flows.find((flow) => flow.name === 'employees-to-marketo')!;
}

let sequence = 0;

/** An employee as PeopleSoft's directory operation returns it. */
export function employee(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  const id = String(200_000 + sequence);
  return {
    EMPLID: id,
    FIRST_NAME: 'Test',
    LAST_NAME: `Person${id}`,
    EMAIL_ADDR: `test.person${id}@example.com`,
    JOBTITLE: 'Analyst',
    DEPTID: '10100',
    DEPT_DESCR: 'Finance',
    COMPANY: 'ACM',
    PHONE: '555-0100',
    EMPL_STATUS: 'A',
    ACTION: 'HIR',
    LASTUPDDTTM: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function envelopeOf(flow: FlowConfig, record: Record<string, unknown>, extra: Partial<RecordEnvelope> = {}): RecordEnvelope {
  return {
    ...makeEnvelope({
      flow: flow.name,
      system: 'peoplesoft',
      entity: flow.source ?? 'employees',
      sourceId: String(record.EMPLID),
      operation: record.EMPL_STATUS === 'T' ? 'deactivate' : 'upsert',
      lifecycle: record.EMPL_STATUS === 'T' ? 'termination' : 'hire',
      record,
      sourceUpdatedAt: String(record.LASTUPDDTTM),
      runId: 'test-run',
    }),
    ...extra,
  };
}

let messageSequence = 0;

export function messageOf(envelope: RecordEnvelope, receiveCount = 1): WriterMessage {
  messageSequence += 1;
  // Not a delivery SQS made: a hold of it is refused, as for an expired receipt handle.
  return { messageId: `m-${messageSequence}`, body: JSON.stringify(envelope), receiveCount, receiptHandle: `not-received-${messageSequence}` };
}

/**
 * The demo config's YAML text with only its HCM system (the PeopleSoft system a single simulator
 * plays in the CLI tests) and its Marketo target: the Financials system, its entities, the other
 * targets and the flows reading or writing them removed,
 * the HCM secret named `peoplesoft` (read locally from `ML_SECRET_PEOPLESOFT`) and its time zone
 * left at UTC.
 */
export function demoYamlHcmOnly(): string {
  const document = parseDocument(readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8'));
  const config = document.toJS() as {
    peoplesoft: { systems: Record<string, unknown>; entities: Record<string, { system?: string }> };
    targets: Record<string, unknown>;
    flows: Array<{ source: string; target: string }>;
  };
  const financial = Object.entries(config.peoplesoft.entities).filter(([, entity]) => entity?.system === 'financials').map(([name]) => name);
  document.deleteIn(['peoplesoft', 'systems', 'financials']);
  for (const name of financial) document.deleteIn(['peoplesoft', 'entities', name]);
  for (let index = config.flows.length - 1; index >= 0; index -= 1) {
    if (financial.includes(config.flows[index]!.source) || config.flows[index]!.target !== 'marketo') document.deleteIn(['flows', index]);
  }
  // These tests start a Marketo simulator only: flows to the demo's other targets go too.
  const flows = (document.toJS() as { flows: Array<{ target: string }> }).flows;
  for (let index = flows.length - 1; index >= 0; index -= 1) {
    if (flows[index]!.target !== 'marketo') document.deleteIn(['flows', index]);
  }
  for (const target of Object.keys((document.toJS() as { targets: Record<string, unknown> }).targets)) {
    if (target !== 'marketo') document.deleteIn(['targets', target]);
  }
  document.setIn(['peoplesoft', 'systems', 'hcm', 'auth', 'secret'], 'peoplesoft');
  // The simulators these tests start keep UTC, as the database clock.
  document.deleteIn(['peoplesoft', 'systems', 'hcm', 'timeZone']);
  return withoutDanglingPushedSources(document.toString()).replace('peoplesoft-hcm', 'peoplesoft');
}
