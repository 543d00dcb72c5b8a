import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '../../shared/auth';
import { checkMappings } from '../../shared/cli/commands/checkMappings';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { ZohoConnector, zohoSettingsSchema, type ZohoSettings } from '../../shared/connectors/zoho';
import { ExternalSystemError } from '../../shared/errors';
import { inProcessLimiters } from '../../shared/limits';
import { LocalAws } from '../../shared/local';
import { ZOHO_SIMULATOR_CREDENTIALS, startZohoSimulator, type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig } from '../support/factories';

let aws: LocalAws;
let tableName: string;
let simulator: ZohoSimulator | undefined;

beforeAll(async () => {
  const config = demoConfig();
  aws = await LocalAws.start({});
  await aws.provision(config);
  tableName = aws.tableName(config);
});
afterAll(async () => {
  await aws.stop();
});
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

/** One function container's connector: its own memory, the token and budget shared through the table. */
function container(sim: ZohoSimulator, settings: Record<string, unknown> = {}, clock?: { now: () => Date }): ZohoConnector {
  const parsed: ZohoSettings = zohoSettingsSchema.parse({ simulator: true, secret: 'zoho', baseUrl: sim.url, ...settings });
  return new ZohoConnector({
    settings: parsed,
    credentials: ZOHO_SIMULATOR_CREDENTIALS,
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    limiters: inProcessLimiters(clock ? { now: () => clock.now().getTime() } : {}),
    tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
    ...(clock ? { now: clock.now } : {}),
  });
}

let sequence = 0;
function contact(overrides: Record<string, unknown> = {}): TargetItem {
  sequence += 1;
  const payload = { Last_Name: `Person${sequence}`, First_Name: 'Test', Email: `p${sequence}@example.com`, Department: 'Finance', Title: 'Analyst', ...overrides };
  return { ref: `r${sequence}`, key: String(payload.Email), payload };
}

const contacts = (sim: ZohoSimulator) => [...sim.records.get('Contacts')!.values()];

describe('zoho connector against the simulated org', () => {
  it('asks the data center accounts server for the token and calls the api_domain it names, path prefix included', async () => {
    simulator = await startZohoSimulator({ apiPrefix: '/eu-org' });
    const connector = container(simulator);

    const results = await connector.write('Contacts', TargetAction.Upsert, [contact(), contact()]);

    expect(results.map((result) => result.outcome)).toEqual([ItemOutcome.Created, ItemOutcome.Created]);
    expect(contacts(simulator)).toHaveLength(2);
    expect(simulator.calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual(['POST /crm/v8/Contacts/upsert 201']);
    expect(new URL(simulator.apiDomain).host).not.toBe(new URL(simulator.url).host);
    const [tokenCheck] = await connector.ping();
    expect(tokenCheck).toMatchObject({ ok: true, detail: expect.stringContaining(`${simulator.apiDomain}`) });
  });

  it('shares one access token between containers: one issue for many concurrent callers, one refresh after INVALID_TOKEN', async () => {
    simulator = await startZohoSimulator({ latencyMs: 5 });
    const [a, b] = [container(simulator), container(simulator)];
    const writes = (): Array<Promise<unknown>> => Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).write('Contacts', TargetAction.Upsert, [contact()]));

    await Promise.all(writes());
    expect(simulator.tokensIssued).toBe(1);

    simulator.invalidateTokens();
    const after = (await Promise.all(writes())) as Array<Array<{ outcome: string }>>;

    expect(after.flat().every((result) => result.outcome === ItemOutcome.Created)).toBe(true);
    expect(simulator.tokensIssued).toBe(2);
    expect(a.tokensIssued + b.tokensIssued).toBe(2);
    expect(simulator.tokenRequestsRefused).toBe(0);
  });

  it('re-uses the cached token in a new container instead of asking again (a second CLI run)', async () => {
    simulator = await startZohoSimulator();
    await container(simulator).write('Contacts', TargetAction.Upsert, [contact()]);
    await container(simulator).write('Contacts', TargetAction.Upsert, [contact()]);
    expect(simulator.tokensIssued).toBe(1);
  });

  it('maps each record result back: INVALID_DATA naming the field, MANDATORY_NOT_FOUND, DUPLICATE_DATA', async () => {
    simulator = await startZohoSimulator();
    const connector = container(simulator);
    await connector.write('Contacts', TargetAction.Upsert, [contact({ Employee_ID: 'E1' })]);
    const good = contact();
    const badEmail = contact({ Email: 'not-an-address' });
    const noName = contact({ Last_Name: undefined });
    const clash = contact({ Employee_ID: 'E1' });

    const results = await connector.write('Contacts', TargetAction.Upsert, [good, badEmail, noName, clash]);
    const byRef = new Map(results.map((result) => [result.ref, result]));

    expect(byRef.get(good.ref)).toMatchObject({ outcome: ItemOutcome.Created, targetId: expect.stringMatching(/^\d+$/) });
    expect(byRef.get(badEmail.ref)).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { code: 'INVALID_DATA', message: expect.stringContaining('Email') } });
    expect(byRef.get(noName.ref)).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { code: 'MANDATORY_NOT_FOUND', message: 'Last_Name: required, but missing' } });
    expect(byRef.get(clash.ref)).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { code: 'DUPLICATE_DATA', message: expect.stringContaining('Employee_ID') } });
  });

  it('upserts by the declared duplicate-check field: a unique EMPLID field finds the contact whose e-mail changed', async () => {
    simulator = await startZohoSimulator();
    const connector = container(simulator, { duplicateCheck: { Contacts: ['Employee_ID', 'Email'] } });
    await connector.write('Contacts', TargetAction.Upsert, [contact({ Employee_ID: 'E7', Email: 'old@example.com' })]);
    const [moved] = await connector.write('Contacts', TargetAction.Upsert, [contact({ Employee_ID: 'E7', Email: 'new@example.com', Title: 'Lead' })]);

    expect(moved?.outcome).toBe(ItemOutcome.Updated);
    expect(contacts(simulator)).toEqual([expect.objectContaining({ Employee_ID: 'E7', Email: 'new@example.com', Title: 'Lead' })]);
  });

  it('marks a termination with the status field and date, never deletes, and clears the mark on rehire', async () => {
    simulator = await startZohoSimulator();
    const clock = { now: () => new Date('2026-03-04T15:00:00Z') };
    const connector = container(simulator, {}, clock);
    const person = contact();
    await connector.write('Contacts', TargetAction.Upsert, [person]);
    await connector.write('Contacts', TargetAction.Upsert, [{ ...person, deactivated: true }]);
    expect(contacts(simulator)).toEqual([expect.objectContaining({ Email: person.key, Employment_Status: 'Terminated', Termination_Date: '2026-03-04' })]);

    await connector.write('Contacts', TargetAction.Upsert, [person]);
    expect(contacts(simulator)).toEqual([expect.objectContaining({ Email: person.key, Employment_Status: 'Active', Termination_Date: null })]);
    await expect(connector.write('Contacts', TargetAction.Delete, [person])).rejects.toThrow(/never deleted/);
  });

  it('resolves a contact\'s account to a lookup id, and holds the contact while its account does not exist', async () => {
    simulator = await startZohoSimulator();
    const connector = container(simulator, { duplicateCheck: { Accounts: ['Vendor_ID', 'Account_Name'] } });
    const person = contact({ Account_Name: 'V100' });

    const [held] = await connector.write('Contacts', TargetAction.Upsert, [person]);
    expect(held).toMatchObject({ outcome: ItemOutcome.Waiting, note: expect.stringContaining('"V100"') });
    expect(contacts(simulator)).toHaveLength(0);

    const [account] = await container(simulator, { duplicateCheck: { Accounts: ['Vendor_ID', 'Account_Name'] } }).write('Accounts', TargetAction.Upsert, [
      { ref: 'a1', key: 'Acme Supply', payload: { Account_Name: 'Acme Supply', Vendor_ID: 'V100', Account_Type: 'Vendor', Payment_Terms: 'Net 30' } },
    ]);
    const [written] = await connector.write('Contacts', TargetAction.Upsert, [person]);

    expect(written?.outcome).toBe(ItemOutcome.Created);
    expect(contacts(simulator)).toEqual([expect.objectContaining({ Account_Name: { id: account!.targetId } })]);
  });

  it('keeps a daily credit ledger: an upsert costs one credit per 10 records, and a spent budget is quota-exhausted until midnight', async () => {
    simulator = await startZohoSimulator();
    const clock = { now: () => new Date('2026-03-04T15:00:00Z') };
    const connector = container(simulator, { credits: { dailyBudget: 12 } }, clock);
    await connector.write('Contacts', TargetAction.Upsert, Array.from({ length: 100 }, () => contact()));
    await connector.write('Contacts', TargetAction.Upsert, Array.from({ length: 15 }, () => contact()));
    expect(simulator.creditsUsed).toBe(12);

    const error = await connector.write('Contacts', TargetAction.Upsert, [contact()]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error).toMatchObject({ kind: 'quota-exhausted', resetsAt: new Date('2026-03-05T00:00:00Z') });
    expect(simulator.creditsUsed).toBe(12);
  });

  it('stops when Zoho reports its credit pool empty and tries again after the probe interval', async () => {
    simulator = await startZohoSimulator({ credits: 1000 });
    let at = Date.parse('2026-03-04T15:00:00Z');
    const connector = container(simulator, { credits: { probeMinutes: 30 } }, { now: () => new Date(at) });
    simulator.setCreditsRemaining(0);

    const first = await connector.write('Contacts', TargetAction.Upsert, [contact()]).catch((caught: unknown) => caught);
    expect(first).toMatchObject({ kind: 'quota-exhausted', resetsAt: new Date(at + 30 * 60_000) });
    const callsWhileEmpty = simulator.calls.length;
    await expect(connector.write('Contacts', TargetAction.Upsert, [contact()])).rejects.toMatchObject({ kind: 'quota-exhausted' });
    expect(simulator.calls.length).toBe(callsWhileEmpty);

    simulator.restoreCredits();
    at += 30 * 60_000;
    const [written] = await connector.write('Contacts', TargetAction.Upsert, [contact()]);
    expect(written?.outcome).toBe(ItemOutcome.Created);
  });

  it('keeps heavy upserts within the sub-concurrency limit of 10: no 429 from normal pacing', async () => {
    simulator = await startZohoSimulator({ latencyMs: 20 });
    const [a, b] = [container(simulator), container(simulator)];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? a : b).write('Contacts', TargetAction.Upsert, Array.from({ length: 11 }, () => contact()))),
    );
    expect(simulator.throttled).toBe(0);
    expect(simulator.peakHeavyInFlight).toBeLessThanOrEqual(10);
    expect(contacts(simulator)).toHaveLength(24 * 11);
  });

  it('names the secret when the accounts server refuses the refresh token', async () => {
    simulator = await startZohoSimulator({ refreshToken: 'another-token' });
    const error = await container(simulator).write('Contacts', TargetAction.Upsert, [contact()]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'credentials-refused', secretName: 'zoho' });
    expect(String((error as Error).message)).not.toContain(ZOHO_SIMULATOR_CREDENTIALS.clientSecret);
  });
});

describe('zoho ping', () => {
  it('reports the token and the api_domain, each module\'s needed fields, and names a missing one', async () => {
    simulator = await startZohoSimulator({ apiPrefix: '/org-7' });
    const connector = container(simulator, { termination: { statusField: 'Employment_Flag' } });

    const checks = await connector.ping();

    expect(checks).toEqual([
      { name: 'zoho: access token', ok: true, detail: `issued by ${new URL(simulator.url).host}; API calls go to ${simulator.apiDomain}` },
      { name: 'zoho: Contacts fields', ok: false, detail: 'Employment_Flag (termination status) does not exist' },
      { name: 'zoho: Accounts fields', ok: true, detail: expect.stringContaining('needed ones present') },
    ]);
    expect(simulator.calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /crm/v8/settings/fields', 'GET /crm/v8/settings/fields']);
  });

  it('names a mapped field the module does not have, next to the flow that maps it', async () => {
    simulator = await startZohoSimulator();
    const connector = container(simulator);
    const config = demoConfig((yaml) => yaml.replace('          Title: JOBTITLE\n          Account_Name: COMPANY', '          Job_Title: JOBTITLE\n          Account_Name: COMPANY'));

    const checks = await checkMappings({ config, connector: async () => connector, source: async () => ({ system: 'peoplesoft', read: async function* () {} }) });
    const zoho = checks.filter((check) => check.system === 'zoho' && check.name.startsWith('mapping'));

    expect(zoho).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'mapping employees-to-zoho → Contacts', ok: false, detail: 'flow employees-to-zoho maps field "Job_Title", which zoho Contacts does not have' }),
        expect.objectContaining({ name: 'mapping companies-to-zoho → Accounts', ok: true }),
      ]),
    );
  });

  it('fails the token line, naming the secret, when the accounts server refuses the client', async () => {
    simulator = await startZohoSimulator({ clientSecret: 'rotated' });
    const [token, ...rest] = await container(simulator).ping();
    expect(token).toMatchObject({ name: 'zoho: access token', ok: false, detail: expect.stringContaining('secret zoho') });
    expect(rest).toEqual([]);
    expect(token!.detail).not.toContain(ZOHO_SIMULATOR_CREDENTIALS.clientSecret);
  });
});

describe('zoho token under concurrency', () => {
  it('six cold containers writing at once: one token from the accounts server, every call to the api_domain, one refresh after INVALID_TOKEN', async () => {
    simulator = await startZohoSimulator({ latencyMs: 5, apiPrefix: '/crm-eu' });
    const requested: string[] = [];
    const spy: typeof fetch = (input, init) => {
      requested.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return fetch(input, init);
    };
    const settings = zohoSettingsSchema.parse({ simulator: true, secret: 'zoho', baseUrl: simulator.url });
    const limiters = inProcessLimiters();
    const containers = Array.from(
      { length: 6 },
      () =>
        new ZohoConnector({
          settings,
          credentials: ZOHO_SIMULATOR_CREDENTIALS,
          hostPolicy: { allowLoopback: true, allowPrivate: false },
          limiters,
          tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
          fetch: spy,
        }),
    );
    const burst = async (): Promise<string[]> =>
      (await Promise.all(containers.flatMap((connector) => Array.from({ length: 5 }, () => connector.write('Contacts', TargetAction.Upsert, [contact()]))))).flat().map((result) => result.outcome);

    expect(new Set(await burst())).toEqual(new Set([ItemOutcome.Created]));
    expect(simulator.tokensIssued).toBe(1);

    simulator.invalidateTokens();
    expect(new Set(await burst())).toEqual(new Set([ItemOutcome.Created]));

    expect(simulator.tokensIssued).toBe(2);
    expect(containers.reduce((sum, connector) => sum + connector.tokensIssued, 0)).toBe(2);
    expect(simulator.tokenRequestsRefused).toBe(0);
    expect(contacts(simulator)).toHaveLength(60);
    const tokenRequests = requested.filter((request) => request.includes('/oauth/'));
    expect(tokenRequests).toEqual([`POST ${simulator.url}/oauth/v2/token`, `POST ${simulator.url}/oauth/v2/token`]);
    const apiCalls = requested.filter((request) => !request.includes('/oauth/'));
    expect(apiCalls.every((request) => request.startsWith(`POST ${simulator!.apiDomain}/crm/v8/Contacts/upsert`))).toBe(true);
    // 60 writes, and at most one retry for each write that met the invalidated token.
    expect(apiCalls.length).toBeGreaterThanOrEqual(60);
    expect(simulator.calls.filter((call) => call.status === 401).length).toBe(apiCalls.length - 60);
  });
});
