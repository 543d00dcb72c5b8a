import { AsyncLocalStorage } from 'node:async_hooks';

/** Calls made to a target on behalf of one unit of work (one writer invocation). */
export interface CallMeter {
  calls: number;
  throttled: number;
}

const storage = new AsyncLocalStorage<CallMeter>();

/**
 * Runs `work` with a fresh meter it can read at any time: every target call made inside it,
 * however deep and however concurrent with other invocations sharing the connector, is
 * counted once, and only there.
 */
export function withCallMeter<T>(work: (meter: Readonly<CallMeter>) => Promise<T>): Promise<T> {
  const meter: CallMeter = { calls: 0, throttled: 0 };
  return storage.run(meter, () => work(meter));
}

/** Connectors call this once per API request they send. */
export function recordTargetCall(throttled = false): void {
  const meter = storage.getStore();
  if (!meter) return;
  if (throttled) meter.throttled += 1;
  else meter.calls += 1;
}
