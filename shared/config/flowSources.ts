import { ErrorKind, MlConnectorError } from '../errors';
import type { FlowConfig } from './schema';

/** The pushed source that feeds a flow (`push: NAME` or `push: { source: NAME, objects }`), if any. */
export function pushSourceOf(flow: Pick<FlowConfig, 'push'>): string | undefined {
  return typeof flow.push === 'string' ? flow.push : flow.push?.source;
}

/**
 * Whether a flow fed by a pushed source takes a delivered record of `object` (the object a
 * fetching source names): every object unless the flow lists the ones it takes.
 */
export function flowTakesObject(flow: Pick<FlowConfig, 'push'>, object: string | undefined): boolean {
  if (typeof flow.push !== 'object' || object === undefined) return true;
  return flow.push.objects.includes(object);
}

/**
 * The entity a flow's envelopes name: the PeopleSoft entity it polls, or for a push-only flow
 * without one, its pushed source.
 */
export function sourceEntityOf(flow: Pick<FlowConfig, 'source' | 'push'>): string {
  return flow.source ?? pushSourceOf(flow) ?? '(none)';
}

/**
 * The PeopleSoft entity a polled flow reads. Validation requires one for every flow with a
 * schedule, so only a caller polling a push-only flow gets the error.
 */
export function polledEntityOf(flow: Pick<FlowConfig, 'name' | 'source'>): string {
  if (flow.source === undefined) throw new MlConnectorError(`flow ${flow.name} polls no PeopleSoft entity (it has no source)`, ErrorKind.Misconfigured);
  return flow.source;
}
