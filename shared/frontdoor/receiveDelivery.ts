import { flowTakesObject, polledEntityOf, sourceEntityOf } from '../config/flowSources';
import { createHash, randomUUID } from 'node:crypto';
import type { FlowQueue } from '../aws/FlowQueue';
import { peopleSoftSystemOf } from '../config/peopleSoftSystemOf';
import type { CustomerConfig, DeliveryValue, FlowConfig, PushedSourceConfig } from '../config/schema';
import { makeEnvelope } from '../envelope';
import { ErrorKind, MlConnectorError } from '../errors';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import type { SecretResolver } from '../secrets';
import { AuditEvent, type AuditRow, type StateStore } from '../state';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import type { EventDedupe } from './EventDedupe';
import { flowsFedBy } from './flowsFedBy';
import { parseEventTime } from './parseEventTime';
import type { PushedItem } from './pushedItemOf';
import { readIbRowsetRecords } from './readIbRowsetRecords';
import { readPushedRecords } from './readPushedRecords';
import { readPushedRefs } from './readPushedRefs';
import { verifyDelivery } from './verifyDelivery';

/** What the front door needs of a flow's queue: it only sends (it never dead-letters). */
export type FlowQueueLike = Pick<FlowQueue, 'send'>;

/** A delivery as it reached the front door, transport aside. */
export interface Delivery {
  /** The route's source name: `POST /webhooks/<source>`. */
  readonly source: string;
  /** Request headers by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, byte for byte as signed. */
  readonly body: Buffer;
}

/** The front door's answer: a status and a small JSON body. */
export interface FrontDoorAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FrontDoorDependencies {
  readonly config: CustomerConfig;
  readonly secrets: SecretResolver;
  readonly queueOf: (flow: FlowConfig) => FlowQueueLike;
  readonly dedupe: Pick<EventDedupe, 'claim' | 'confirm' | 'release'>;
  readonly audit: Pick<StateStore, 'appendAudit'>;
  readonly now?: () => Date;
  /** Failures answered with 5xx (the sender retries); the handler logs them. */
  readonly onFailure?: (error: unknown, source: string) => void;
}

/** Most record rejections listed in an answer (all of them are audited). */
const MAX_REJECTIONS_ANSWERED = 20;
const MAX_EVENT_ID_LENGTH = 512;

function deliveryValue(delivery: Delivery, json: unknown, location: DeliveryValue): unknown {
  return 'header' in location ? delivery.headers[location.header.toLowerCase()] : valueAtPath(json, location.path);
}

function describe(location: DeliveryValue): string {
  return 'header' in location ? `header ${location.header}` : `"${location.path}"`;
}

function parseJson(source: string, body: Buffer): unknown {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DeliveryRefusedError(source, 400, 'the body is not JSON');
  }
  if (json === null || typeof json !== 'object') throw new DeliveryRefusedError(source, 400, 'the body must be a JSON object or array');
  return json;
}

function eventIdOf(source: string, declaration: PushedSourceConfig, delivery: Delivery, json: unknown): string {
  // Without a declared id, identical bodies are one event: a resend of the same bytes is a duplicate.
  const bodyHash = (): string => `sha256:${createHash('sha256').update(delivery.body).digest('hex')}`;
  if (!declaration.eventId) return bodyHash();
  const value = deliveryValue(delivery, json, declaration.eventId);
  const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  // An IB node sends its transaction id only where its connector is set up to; IB retries the same bytes.
  if (id === '' && declaration.format === 'ib-rowset-xml') return bodyHash();
  if (id === '') throw new DeliveryRefusedError(source, 400, `no event id in ${describe(declaration.eventId)}`);
  if (id.length > MAX_EVENT_ID_LENGTH) throw new DeliveryRefusedError(source, 400, `the event id in ${describe(declaration.eventId)} is longer than ${MAX_EVENT_ID_LENGTH} characters`);
  return id;
}

function eventTimeOf(source: string, declaration: PushedSourceConfig, delivery: Delivery, json: unknown, now: Date): Date {
  if (!declaration.eventTime) return now;
  const at = parseEventTime(deliveryValue(delivery, json, declaration.eventTime));
  if (!at) throw new DeliveryRefusedError(source, 400, `no readable event time in ${describe(declaration.eventTime)} (expected ISO-8601 or Unix seconds)`);
  return at;
}

/**
 * The front door's core, the same deployed and local: checks the delivery's size, verifies it
 * as its source declares (before parsing, except for a token that sits in the body), parses it
 * (JSON, or an Integration Broker rowset message through the hardened XML parser),
 * claims its event id, puts one envelope per record onto the queue of every enabled flow the
 * source feeds, audits what it received, and answers 202. It never calls a target.
 *
 * Forged, stale, oversize or unreadable deliveries are answered 401 / 413 / 400 with nothing
 * queued or audited; a redelivered event id is answered 200 and queued nothing again. When
 * queuing fails the event id is released and the answer is 5xx, so the sender's retry is new.
 */
export async function receiveDelivery(delivery: Delivery, deps: FrontDoorDependencies): Promise<FrontDoorAnswer> {
  const now = (deps.now ?? (() => new Date()))();
  const { source } = delivery;
  const declaration = deps.config.pushed?.[source];
  let claimed: string | undefined;
  try {
    if (!declaration) throw new DeliveryRefusedError(source, 404, 'no such pushed source');
    if (delivery.body.length > declaration.maxBodyBytes) {
      throw new DeliveryRefusedError(source, 413, `the body has ${delivery.body.length} bytes; at most ${declaration.maxBodyBytes} are accepted`);
    }
    const { verify } = declaration;
    const secret = await deps.secrets.get(verify.secret);
    let json: unknown;
    if (verify.kind === 'channel-token') {
      json = parseJson(source, delivery.body);
      verifyDelivery({ ...delivery, json }, verify, secret, now);
    } else {
      verifyDelivery(delivery, verify, secret, now);
      if (declaration.format === 'json') json = parseJson(source, delivery.body);
    }
    const eventId = eventIdOf(source, declaration, delivery, json);
    const eventTime = eventTimeOf(source, declaration, delivery, json, now);
    const fed = flowsFedBy(deps.config, source);
    let items: PushedItem[];
    if (declaration.format === 'ib-rowset-xml') {
      // A rowset message writes times as the PeopleSoft system that serves the fed entity keeps them.
      const { timeZone } = peopleSoftSystemOf(deps.config, polledEntityOf(fed[0]!));
      items = readIbRowsetRecords(source, declaration, delivery.body, { timeZone, eventTime });
    } else if (declaration.fetch) {
      items = readPushedRefs(source, declaration, json, eventTime);
    } else {
      items = readPushedRecords(source, declaration, json, eventTime);
    }
    const flows = fed.filter((flow) => flow.enabled);

    if ((await deps.dedupe.claim(source, eventId, declaration.dedupeHours)) === 'duplicate') {
      return { status: 200, body: { status: 'duplicate', eventId, queued: 0 } };
    }
    claimed = eventId;

    const runId = `${now.toISOString()}~push~${randomUUID().slice(0, 8)}`;
    const system = declaration.system ?? source;
    const records = items.flatMap((item) => (item.kind === 'record' ? [item] : []));
    const rejected = items.flatMap((item) => (item.kind === 'rejected' ? [item] : []));
    const audit: Array<Omit<AuditRow, 'at'>> = [];
    for (const flow of flows) {
      // A flow that takes only some objects of the source gets only their records.
      const taken = records.filter((item) => flowTakesObject(flow, item.fetch?.object));
      const envelopes = taken.map((item) => ({
        envelope: makeEnvelope({
          flow: flow.name,
          system,
          entity: sourceEntityOf(flow),
          sourceId: item.id,
          operation: item.operation,
          record: item.record,
          sourceUpdatedAt: item.updatedAt,
          ...(item.fetch ? { fetch: item.fetch } : {}),
          runId,
          now,
        }),
      }));
      if (envelopes.length > 0) await deps.queueOf(flow).send(envelopes);
      const reason = `pushed by ${source}, event ${eventId}`;
      for (const item of taken) audit.push({ sourceId: item.id, flow: flow.name, event: AuditEvent.Pushed, runId, reason });
      for (const item of rejected) {
        audit.push({ sourceId: item.id ?? '(no key)', flow: flow.name, event: AuditEvent.Rejected, runId, reason: `${item.reason} (${reason})` });
      }
    }
    if (audit.length > 0) await deps.audit.appendAudit(audit);
    await deps.dedupe.confirm(source, eventId);
    return {
      status: 202,
      body: {
        status: 'accepted',
        eventId,
        queued: records.length,
        flows: flows.map((flow) => flow.name),
        rejected: rejected.length,
        ...(rejected.length > 0 ? { rejections: rejected.slice(0, MAX_REJECTIONS_ANSWERED).map(({ id, reason }) => ({ id: id ?? null, reason })) } : {}),
      },
    };
  } catch (error) {
    if (error instanceof DeliveryRefusedError) {
      return {
        status: error.status,
        body: { error: error.message },
        ...(error.status === 401 && declaration?.verify.kind === 'basic' ? { headers: { 'www-authenticate': `Basic realm="${source}"` } } : {}),
      };
    }
    if (claimed) {
      // Best effort: if this fails too, the claim's lease runs out and a retry is taken after it.
      await deps.dedupe.release(source, claimed).catch((releaseError: unknown) => deps.onFailure?.(releaseError, source));
    }
    deps.onFailure?.(error, source);
    const retryable = !(error instanceof MlConnectorError) || error.kind !== ErrorKind.Misconfigured;
    return {
      status: retryable ? 503 : 500,
      body: { error: retryable ? 'the delivery could not be queued; retry later' : 'the front door is misconfigured for this source; retry later' },
    };
  }
}
