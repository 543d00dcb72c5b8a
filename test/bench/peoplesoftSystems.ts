/**
 * Bench part: the poller's records/s per PeopleSoft system (HCM employees, Financials vendors),
 * each system its own simulator with its node, time zone and a strict `local` query form, read
 * into the embedded SQS by the same core the poller Lambda runs. No target is written.
 */
import { peopleSoftSystemOf } from '../../shared/config';
import { LocalSession } from '../../shared/local';
import { pollFlow } from '../../shared/pipeline';
import { createEffectiveDateStore, createQueue, createSource } from '../../shared/runtime';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig } from '../support/factories';

/** Polls `rows` records from each PeopleSoft system of the demo config and prints records/s per system. */
export async function pollerThroughputPerSystem(rows: number, print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const config = demoConfig((yaml) => yaml.replace('pageSize: 1000', 'pageSize: 2000'));
  const hcm = peopleSoftSystemOf(config, 'employees');
  const financials = peopleSoftSystemOf(config, 'vendors');
  const simulators = {
    [hcm.name]: await startPeopleSoftSimulator({ node: hcm.node, timeZone: hcm.timeZone, queryFormat: 'local', employees: rows }),
    [financials.name]: await startPeopleSoftSimulator({ node: financials.node, timeZone: financials.timeZone, queryFormat: 'local', vendors: rows }),
  };
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft: simulators } });
  try {
    print(`poller records/s per PeopleSoft system (${rows} rows each, local wall-time queries, into SQS):`);
    for (const [flowName, system] of [['employees-to-marketo', hcm], ['vendors-to-marketo', financials]] as const) {
      const flow = session.flow(flowName);
      const started = Date.now();
      const result = await pollFlow({
        config,
        flow,
        source: await createSource(session.context, [system.name]),
        queue: createQueue(session.context, flow),
        store: session.store,
        effectiveDates: createEffectiveDateStore(session.context),
      });
      const seconds = (Date.now() - started) / 1000;
      print(`  ${system.name} (${system.node}, ${flow.source}): ${result.enqueued} records in ${seconds.toFixed(1)} s = ${Math.round(result.enqueued / seconds)} records/s`);
    }
  } finally {
    await session.close();
    await Promise.all(Object.values(simulators).map((simulator) => simulator.stop()));
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (import.meta.url === `file://${process.argv[1]}`) await pollerThroughputPerSystem(Number(process.env.BENCH_EMPLOYEES ?? 100_000));
