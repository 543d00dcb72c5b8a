import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DEPARTMENTS, startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { ErrorKind, MlConnectorError } from '../errors';
import { loadConfig, peopleSoftSystemOf, peopleSoftSystems, type CustomerConfig } from '../config';
import type { PushedSourceConfig } from '../config/schema';
import { targetCatalog, type RunningSimulator, type SampleDelivery, type TargetDefinition } from '../connectors';
import { readPushedRecords } from '../frontdoor';
import { secretEnvName } from '../secrets';
import { keepPushedSources } from './keepPushedSources';
import { LocalSession, type SyncSummary } from './LocalSession';
import { startFrontDoorServer } from './startFrontDoorServer';

/** Vendors seeded in each simulated Financials system of the demo. */
export const DEMO_VENDORS = 25;

export const DEMO_CONFIG = fileURLToPath(new URL('../../customers/demo.yaml', import.meta.url));

export interface DemoChanges {
  readonly hired: string[];
  readonly rehired: string[];
  readonly retitled: string[];
  readonly transferred: string[];
  readonly terminated: string[];
  readonly invalidEmail: string;
  /** Vendors renamed in Financials (`SETID|VENDOR_ID`). */
  readonly renamedVendors: string[];
  /** A vendor added in Financials not yet approved (VENDOR_STATUS E), approved after the incremental sync. */
  readonly pendingVendor?: string;
  /** Purchase orders of projects: one added for the pending vendor, one changed (`BUSINESS_UNIT|PO_ID`). */
  readonly projectOrders: string[];
  /** What the targets' own users did (records made in their UIs), one line each. */
  readonly targetActivity: string[];
}

export interface DemoResult {
  readonly initial: SyncSummary[];
  readonly changes: DemoChanges;
  readonly incremental: SyncSummary[];
  /** The sync of the other systems' flows after the deliveries: what came back, what waited. */
  readonly followUp: SyncSummary[];
  readonly peoplesoft: PeopleSoftSimulator;
  /** The simulator of each other simulated PeopleSoft system (Financials), by system name. */
  readonly financials: Readonly<Record<string, PeopleSoftSimulator>>;
  /** The target simulators, by target name. */
  readonly targets: Readonly<Record<string, RunningSimulator>>;
  readonly session: LocalSession;
  /** What the pushed sources delivered during the incremental sync, and what a forged delivery got. */
  readonly pushed: DemoPushed;
  /** Sample deliveries of the simulated targets' webhooks sent to the front door, and their answers. */
  readonly deliveries: DemoDelivery[];
  /** Stops the session and the simulators. */
  close(): Promise<void>;
}

/** One sample webhook delivery the demo sent to the front door, and its answer. */
export interface DemoDelivery {
  readonly source: string;
  readonly label: string;
  readonly status: number;
  /** Ids of the records the delivery named (whatever the answer). */
  readonly ids: string[];
}

export interface DemoPushed {
  /** Deliveries the front door accepted (202). */
  readonly accepted: number;
  /** Repeated deliveries (an event id already seen) acknowledged and not queued again. */
  readonly repeated: number;
  /** Records they named, queued to their flows. */
  readonly queued: number;
  /** Records the push-fed flows wrote (audited). */
  readonly written: number;
  /** Records the push-fed flows skipped by their `skipWhen` rules (echoes of our own writes). */
  readonly skipped: number;
  /** The answer to a delivery with a forged token, per pushed source verified by a token. */
  readonly forged: ReadonlyArray<{ readonly source: string; readonly status: number }>;
}

/** A made-up token for each pushed source verified by a token whose secret is not set: the demo needs no credentials. */
function demoTokens(config: CustomerConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.values(config.pushed ?? {}).flatMap(({ verify }) =>
      (verify.kind === 'channel-token' || verify.kind === 'header') && !env[secretEnvName(verify.secret)]
        ? [[secretEnvName(verify.secret), JSON.stringify({ token: randomBytes(16).toString('hex') })]]
        : [],
    ),
  );
}

/** A delivery carrying a wrong token where the source looks for it. */
function forgedDelivery(verify: NonNullable<CustomerConfig['pushed']>[string]['verify']): RequestInit | undefined {
  if (verify.kind === 'header') return { method: 'POST', headers: { 'content-type': 'application/json', [verify.header]: 'forged' }, body: '{}' };
  if (verify.kind !== 'channel-token') return undefined;
  const body: Record<string, unknown> = {};
  const parts = verify.path.split('.');
  parts.reduce<Record<string, unknown>>((at, part, index) => (at[part] = index === parts.length - 1 ? 'forged-token' : {}) as Record<string, unknown>, body);
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Financials purchasing changes of the demo: a vendor added but not approved yet, with a purchase
 * order of a project (flows that hold records for what they link to hold it), and a change to
 * another project's purchase order.
 */
function financialsOrders(simulator: PeopleSoftSimulator | undefined): Pick<DemoChanges, 'pendingVendor' | 'projectOrders'> {
  if (!simulator) return { projectOrders: [] };
  const projectOrders = simulator.keys('purchase-orders').filter((key) => String(simulator.row('purchase-orders', key)?.['PROJECT_ID'] ?? '') !== '');
  const sample = projectOrders[0] ? simulator.row('purchase-orders', projectOrders[0]) : undefined;
  if (!sample) return { projectOrders: [] };
  const vendorId = String(simulator.keys('vendors').length + 1).padStart(10, '0');
  const vendor = simulator.addRow('vendors', {
    SETID: 'SHARE', VENDOR_ID: vendorId, NAME1: 'Summit Formwork', VENDOR_CLASS: 'R', VENDOR_STATUS: 'E',
    ADDRESS1: '1200 Industrial Way', CITY: 'Denver', STATE: 'CO', POSTAL: '80202', COUNTRY: 'USA', PYMNT_TERMS_CD: 'N30',
  });
  const lines = [{ LINE_NBR: 1, DESCR254_MIXED: 'Wall formwork rental (month)', QTY_PO: 3, PRICE_PO: 4200, MERCHANDISE_AMT: 12600, ACCOUNT: (sample['LINES'] as Array<Record<string, unknown>>)[0]!['ACCOUNT'] }];
  const order = simulator.addRow('purchase-orders', {
    ...sample, PO_ID: 'DEMO000001', VENDOR_ID: vendorId, PO_STATUS: 'A', PO_REF: '', LINES: lines, PO_AMOUNT: 12600,
  });
  const changed = projectOrders[1] ?? projectOrders[0]!;
  simulator.updateRow('purchase-orders', changed, { PO_STATUS: simulator.row('purchase-orders', changed)?.['PO_STATUS'] === 'A' ? 'D' : 'A' });
  return { pendingVendor: `${String(vendor['SETID'])}|${vendorId}`, projectOrders: [`${String(order['BUSINESS_UNIT'])}|DEMO000001`, changed] };
}

/** The seeded directory sizes the demo accepts: enough active employees for its seven HR changes. */
export const DEMO_EMPLOYEES = { min: 10, max: 1_000_000 } as const;

export interface DemoOptions {
  readonly employees?: number;
  readonly config?: CustomerConfig;
  /** Receives each line of the narrative and the summaries. */
  readonly print?: (line: string) => void;
  readonly progress?: (line: string) => void;
  readonly formatSummary?: (summary: SyncSummary) => string;
}

/**
 * The demo scenario behind `npm start`: a seeded PeopleSoft directory synced into every target of
 * the demo config (flows in config order, dimensions first), then a batch of HR changes (hires, a rehire, title and department changes, terminations, one invalid
 * e-mail) synced again. Pushed sources get the local front door; a simulated target's sample
 * webhook deliveries (signed, redelivered, forged) are sent to it and what the flows they feed wrote
 * is shown. Everything runs on the simulators and the embedded emulators.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? (() => undefined);
  const config = options.config ?? (await loadConfig(DEMO_CONFIG));
  const employees = options.employees ?? 5000;
  if (!Number.isInteger(employees) || employees < DEMO_EMPLOYEES.min || employees > DEMO_EMPLOYEES.max) {
    throw new MlConnectorError(
      `--employees must be a whole number from ${DEMO_EMPLOYEES.min} to ${DEMO_EMPLOYEES.max}, not "${options.employees}"`,
      ErrorKind.Misconfigured,
    );
  }
  // The system that serves employees (HCM); any other simulated system gets its own simulator.
  const hcm = Object.hasOwn(config.peoplesoft.entities, 'employees')
    ? peopleSoftSystemOf(config, 'employees')
    : peopleSoftSystems(config.peoplesoft)[0]!;
  const peoplesoft = await startPeopleSoftSimulator({ node: hcm.node, timeZone: hcm.timeZone, employees });
  const financials: Record<string, PeopleSoftSimulator> = {};
  for (const system of peopleSoftSystems(config.peoplesoft)) {
    if (system.name === hcm.name || !system.simulator) continue;
    financials[system.name] = await startPeopleSoftSimulator({
      node: system.node,
      timeZone: system.timeZone,
      vendors: DEMO_VENDORS,
      customers: 20,
      glAccounts: 12,
      purchaseOrders: 40,
    });
  }
  const webhooks = simulatedWebhooks(config);
  const stopSimulators = (): Promise<unknown> => Promise.all([peoplesoft, ...Object.values(financials)].map((simulator) => simulator.stop()));
  let session: LocalSession;
  try {
    session = await LocalSession.open({
      config,
      stateDir: null,
      env: { ...process.env, ...demoTokens(config, process.env), ...webhookSecrets(webhooks) },
      simulators: { peoplesoft: { [hcm.name]: peoplesoft, ...financials } },
      // A record waiting for one that links to it is tried again soon, not in two minutes.
      waitingSeconds: 2,
      onAlert: (subject, message) => print(`ALERT ${subject}: ${message}`),
    });
  } catch (error) {
    // Their servers would keep the process alive after the error is printed.
    await stopSimulators();
    throw error;
  }
  const stopPushed: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const stop of stopPushed) await stop();
    await session.close();
    await stopSimulators();
  };
  const targets = session.simulators.targets ?? {};
  try {
    const sync = async (label: string, only: (flow: (typeof config.flows)[number]) => boolean = () => true): Promise<SyncSummary[]> => {
      const summaries: SyncSummary[] = [];
      // Push-only flows are written as deliveries arrive, not polled.
      for (const flow of config.flows.filter((entry) => entry.enabled && entry.schedule && only(entry)).map((entry) => entry.name)) {
        const summary = await session.sync(flow, {
          onProgress: (p) =>
            options.progress?.(`${label} ${flow}: read ${p.read}, enqueued ${p.enqueued}, rejected ${p.rejected}, processed ${p.written}`),
        });
        options.progress?.('');
        summaries.push(summary);
        if (options.formatSummary) print(options.formatSummary(summary));
      }
      return summaries;
    };

    print(`PeopleSoft ${hcm.name} simulator: ${peoplesoft.url} (node ${hcm.node}, ${employees} employees)`);
    for (const [name, simulator] of Object.entries(financials)) print(`PeopleSoft ${name} simulator: ${simulator.url} (node ${simulator.node}, ${DEMO_VENDORS} vendors)`);
    for (const [name, simulator] of Object.entries(targets)) print(`${name} simulator: ${simulator.url}`);
    print('');
    print('== Initial sync ==');
    const initial = await sync('initial');

    // Pushed sources: the local front door, and the subscriptions that make targets deliver to it.
    const pushedFlows = config.flows.filter((flow) => flow.enabled && flow.push !== undefined);
    const counts = { accepted: 0, repeated: 0, queued: 0 };
    const frontDoor = pushedFlows.length > 0
      ? await startFrontDoorServer({
          session,
          port: 0,
          onAnswer: (_source, answer) => {
            if (answer.status === 200 && answer.body.status === 'duplicate') counts.repeated += 1;
            if (answer.status !== 202) return;
            counts.accepted += 1;
            counts.queued += Number(answer.body.queued ?? 0);
          },
          onError: (error) => print(`  front door: ${(error as Error).message}`),
        })
      : undefined;
    if (frontDoor) {
      stopPushed.push(() => frontDoor.close());
      print('');
      print('== Pushed sources ==');
      for (const [source] of Object.entries(config.pushed ?? {})) print(`  POST ${frontDoor.url}/webhooks/${source}`);
      const keeper = await keepPushedSources(session, {
        frontDoorUrl: `${frontDoor.url}/webhooks`,
        onLine: (line) => print(`  ${line}`),
        onError: (error) => print(`  subscription failed: ${(error as Error).message}`),
      });
      stopPushed.unshift(() => keeper.stop());
    }

    print('');
    print('== HR changes in PeopleSoft ==');
    const ids = peoplesoft.employeeIds();
    const active = ids.filter((id) => peoplesoft.employee(id)?.EMPL_STATUS === 'A');
    const inactive = ids.filter((id) => peoplesoft.employee(id)?.EMPL_STATUS !== 'A');
    // Seven different active employees, spread over the directory, so the demo works at any size.
    const picked = Array.from({ length: 7 }, (_, i) => active[Math.floor((i * active.length) / 7)]!);
    if (new Set(picked).size < 7) throw new MlConnectorError(`the seeded directory has only ${active.length} active employees; the demo needs 7`, ErrorKind.Misconfigured);
    const changes: DemoChanges = {
      hired: [0, 1, 2].map((i) => peoplesoft.hire({ JOBTITLE: ['Site Engineer', 'Payroll Analyst', 'Buyer'][i] }).EMPLID),
      rehired: inactive.slice(0, 1).map((id) => peoplesoft.rehire(id).EMPLID),
      retitled: picked.slice(0, 2).map((id) => peoplesoft.changeTitle(id, 'Senior Project Manager').EMPLID),
      transferred: picked.slice(2, 4).map((id) => {
        const own = String(peoplesoft.employee(id)!.DEPTID);
        const other = Object.keys(DEPARTMENTS).find((dept) => dept !== own)!;
        return peoplesoft.transfer(id, other).EMPLID;
      }),
      terminated: picked.slice(4, 6).map((id) => peoplesoft.terminate(id).EMPLID),
      invalidEmail: peoplesoft.update(picked[6]!, { EMAIL_ADDR: 'not-an-email@' }).EMPLID,
      renamedVendors: Object.values(financials).flatMap((simulator) =>
        simulator.keys('vendors', 2).map((key) => {
          simulator.updateRow('vendors', key, { NAME1: `${String(simulator.row('vendors', key)!.NAME1)} (renamed)` });
          return key;
        }),
      ),
      ...financialsOrders(Object.values(financials)[0]),
      targetActivity: [],
    };
    for (const [name, simulator] of Object.entries(targets)) {
      for (const line of (await simulator.userActivity?.()) ?? []) changes.targetActivity.push(`${name}: ${line}`);
    }
    print(`  hired ${changes.hired.join(', ')}; rehired ${changes.rehired.join(', ') || '(none)'}`);
    print(`  new title ${changes.retitled.join(', ')}; transferred ${changes.transferred.join(', ')}`);
    print(`  terminated ${changes.terminated.join(', ')}; invalid e-mail on ${changes.invalidEmail}`);
    if (changes.renamedVendors.length > 0) print(`  Financials: vendors renamed ${changes.renamedVendors.join(', ')}`);
    if (changes.pendingVendor) print(`  Financials: vendor ${changes.pendingVendor} added, not approved yet, with purchase order ${changes.projectOrders[0]}; purchase order ${changes.projectOrders[1] ?? '(none)'} changed`);
    for (const line of changes.targetActivity) print(`  ${line}`);
    if (frontDoor && changes.targetActivity.length > 0) {
      // What the targets delivered about their users' records goes in before the poll.
      for (const simulator of Object.values(targets)) await simulator.idle?.();
      await frontDoor.idle();
    }
    // The source clock has one-second resolution (HTTP Date); let it pass the changes.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    print('');
    print('== Incremental sync ==');
    const incremental = await sync('incremental');

    const forged: Array<{ source: string; status: number }> = [];
    const deliveries: DemoDelivery[] = [];
    let written = 0;
    let skipped = 0;
    if (frontDoor) {
      // Deliveries the targets sent about the writes above (they change what the sources watch).
      for (const simulator of Object.values(targets)) await simulator.idle?.();
      await frontDoor.idle();
      print('');
      print('== Pushed deliveries ==');
      for (const flow of pushedFlows) {
        let flowWritten = 0;
        let flowSkipped = 0;
        for (const run of await session.store.latestRuns(flow.name, 1000)) {
          flowWritten += (run.created ?? 0) + (run.updated ?? 0) + (run.deleted ?? 0);
          flowSkipped += run.skipped ?? 0;
        }
        written += flowWritten;
        skipped += flowSkipped;
        print(`  ${flow.name}: ${flowWritten} written${flowSkipped > 0 ? `, ${flowSkipped} skipped (echoes of our own writes)` : ''}`);
      }
      print(`  ${counts.accepted} deliveries accepted, naming ${counts.queued} records; ${counts.repeated} repeated deliveries acknowledged and not queued again`);
      for (const [source, declaration] of Object.entries(config.pushed ?? {})) {
        const delivery = forgedDelivery(declaration.verify);
        if (!delivery) continue;
        const answer = await fetch(`${frontDoor.url}/webhooks/${source}`, delivery);
        await answer.body?.cancel();
        forged.push({ source, status: answer.status });
        print(`  ${source}: a delivery with a forged token → ${answer.status}, nothing queued`);
      }
      for (const webhook of webhooks) deliveries.push(...(await deliverSamples(session, frontDoor, webhook, print)));
    }
    const pushed: DemoPushed = { ...counts, written, skipped, forged };

    // What the pushed flows wrote into PeopleSoft comes back through the poll of the other
    // systems' flows, and is skipped there; a record that waited for another goes out now.
    let followUp: SyncSummary[] = [];
    if (Object.keys(financials).length > 0) {
      print('');
      print('== Follow-up sync of the other PeopleSoft systems ==');
      for (const simulator of Object.values(financials)) {
        if (changes.pendingVendor) {
          simulator.updateRow('vendors', changes.pendingVendor, { VENDOR_STATUS: 'A' });
          print(`  Financials: vendor ${changes.pendingVendor} approved`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1100));
      followUp = await sync('follow-up', (flow) => flow.source !== undefined && peopleSoftSystemOf(config, flow.source).name !== hcm.name);
      if (frontDoor) {
        for (const simulator of Object.values(targets)) await simulator.idle?.();
        await frontDoor.idle();
      }
    }

    print('');
    print('== The targets now ==');
    for (const [name, simulator] of Object.entries(targets)) print(`  ${name}: ${simulator.summary?.() ?? simulator.url}`);
    print('');
    print('Next: "npx ml-connector sync --config customers/demo.yaml" keeps state between runs;');
    print('      "npx ml-connector audit --config customers/demo.yaml --key <EMPLID>" shows one record\'s trail.');
    return { initial, changes, incremental, followUp, peoplesoft, financials, targets, session, pushed, deliveries, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A pushed source whose system is a simulated target with sample webhook deliveries. */
interface SimulatedWebhook {
  readonly name: string;
  readonly source: PushedSourceConfig;
  readonly definition: TargetDefinition;
  readonly sample: string;
  readonly secret: Readonly<Record<string, string>>;
}

function simulatedWebhooks(config: CustomerConfig): SimulatedWebhook[] {
  return Object.entries(config.pushed ?? {}).flatMap(([name, source]) => {
    const system = source.system ?? name;
    const definition = targetCatalog[system];
    const webhooks = definition?.simulator?.webhooks;
    const simulated = (config.targets as Record<string, { simulator?: boolean } | undefined>)[system]?.simulator === true;
    return definition && webhooks && simulated ? [{ name, source, definition, sample: webhooks.sample, secret: webhooks.secret }] : [];
  });
}

/** A simulated target's webhook signs with its simulator's fixed secret (a test value). */
function webhookSecrets(webhooks: readonly SimulatedWebhook[]): Record<string, string> {
  return Object.fromEntries(webhooks.map(({ source, secret }) => [secretEnvName(source.verify.secret), JSON.stringify(secret)]));
}

function describeAnswer(status: number, body: { status?: string; queued?: number; error?: string }): string {
  if (status === 202) return `accepted, ${body.queued ?? 0} record(s) queued`;
  if (body.status === 'duplicate') return 'already received: nothing queued again';
  return `refused (${body.error ?? 'no reason'}): nothing queued`;
}

/**
 * Sends a simulated webhook's sample deliveries to the local front door, waits for the fed flows'
 * writers, and prints what each delivery left on record.
 */
async function deliverSamples(
  session: LocalSession,
  frontDoor: { readonly url: string; idle(): Promise<void> },
  webhook: SimulatedWebhook,
  print: (line: string) => void,
): Promise<DemoDelivery[]> {
  const module = (await import(webhook.definition.simulator!.module.href)) as Record<string, (options: { secret: Readonly<Record<string, string>> }) => SampleDelivery[]>;
  const deliveries: DemoDelivery[] = [];
  for (const sample of module[webhook.sample]!({ secret: webhook.secret })) {
    const answer = await fetch(`${frontDoor.url}/webhooks/${webhook.name}`, { method: 'POST', headers: sample.headers, body: sample.body });
    const body = (await answer.json().catch(() => ({}))) as { status?: string; queued?: number; error?: string };
    const ids = readPushedRecords(webhook.name, webhook.source, JSON.parse(sample.body), new Date()).flatMap((item) => (item.kind === 'record' ? [item.id] : []));
    deliveries.push({ source: webhook.name, label: sample.label, status: answer.status, ids });
    print(`  ${webhook.name}: ${sample.label} → ${answer.status}, ${describeAnswer(answer.status, body)}`);
  }
  await frontDoor.idle();
  const fed = session.config.flows.filter((flow) => flow.enabled && flow.push === webhook.name);
  for (const id of new Set(deliveries.flatMap((delivery) => delivery.ids))) {
    const trail = await session.store.auditTrail(id);
    for (const flow of fed) {
      const written = trail.filter((row) => row.flow === flow.name && row.event === 'written');
      print(`  ${flow.name} ${id}: ${written.length === 0 ? 'nothing on record' : `${written.length} written, ${written.map((row) => row.note ?? '').join('; ')}`}`);
    }
  }
  return deliveries;
}
