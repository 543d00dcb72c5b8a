import { afterEach, describe, expect, it } from 'vitest';
import { PROCORE_MAX_SYNC_ITEMS, startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../../simulators/procore';

let procore: ProcoreSimulator | undefined;
afterEach(async () => {
  await procore?.stop();
  procore = undefined;
});

let clock = Date.parse('2025-03-03T10:00:00Z');
const now = (): Date => new Date(clock);

async function start(options: ProcoreSimulatorOptions = {}): Promise<{ call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response> }> {
  procore = await startProcoreSimulator({ now, ...options });
  const granted = await fetch(`${procore.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sim-procore-client', client_secret: 'sim-procore-secret' }).toString(),
  });
  const { access_token: token, expires_in: expiresIn } = (await granted.json()) as { access_token: string; expires_in: number };
  expect(expiresIn).toBe(options.tokenLifetimeSeconds ?? 5_400);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${procore!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'procore-company-id': String(procore!.companyId),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { call };
}

describe('Procore simulator: auth and the company header', () => {
  it('refuses wrong client credentials, a bad token, a missing or foreign Procore-Company-Id', async () => {
    const { call } = await start();
    const refused = await fetch(`${procore!.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'sim-procore-client', client_secret: 'wrong' }),
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');

    expect((await call('GET', '/rest/v1.0/companies', undefined, { authorization: 'Bearer forged' })).status).toBe(401);
    // A client-credentials token must name the company even on /companies.
    const missing = await fetch(`${procore!.url}/rest/v1.0/companies`, { headers: { authorization: `Bearer ${await tokenOf()}` } });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Missing Procore-Company-Id header!');
    expect((await call('GET', '/rest/v1.0/companies', undefined, { 'procore-company-id': '12345' })).status).toBe(403);
    expect(procore!.vendors.size).toBe(0);
  });

  it('lets a token expire after its lifetime', async () => {
    const { call } = await start({ tokenLifetimeSeconds: 60 });
    expect((await call('GET', '/rest/v1.0/me')).status).toBe(200);
    clock += 61_000;
    expect((await call('GET', '/rest/v1.0/me')).status).toBe(401);
  });
});

async function tokenOf(): Promise<string> {
  const granted = await fetch(`${procore!.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=sim-procore-client&client_secret=sim-procore-secret',
  });
  return ((await granted.json()) as { access_token: string }).access_token;
}

describe('Procore simulator: sync actions', () => {
  it('answers 200 with entities and errors: unknown attributes, wrong types and a missing name refused per item', async () => {
    const { call } = await start();
    const response = await call('PATCH', '/rest/v1.0/vendors/sync', {
      company_id: procore!.companyId,
      updates: [
        { origin_id: 'V1', name: 'Acme' },
        { origin_id: 'V2', name: 'Beacon', is_active: 'yes' },
        { origin_id: 'V3', name: 'Cedar', shoe_size: 44 },
        { origin_id: 'V4' },
        { id: 1, name: 'Nobody' },
      ],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { entities: Array<Record<string, unknown>>; errors: Array<Record<string, unknown>> };
    expect(body.entities.map((entity) => entity['origin_id'])).toEqual(['V1']);
    expect(body.errors).toEqual([
      { origin_id: 'V2', name: 'Beacon', is_active: 'yes', errors: { is_active: ['must be true or false'] } },
      { origin_id: 'V3', name: 'Cedar', shoe_size: 44, errors: { shoe_size: ['is not a permitted attribute'] } },
      { origin_id: 'V4', errors: { name: ["can't be blank"] } },
      { id: 1, name: 'Nobody', errors: { id: ['Entity with this ID not found'] } },
    ]);
    const tooMany = await call('PATCH', '/rest/v1.0/vendors/sync', {
      company_id: procore!.companyId,
      updates: Array.from({ length: PROCORE_MAX_SYNC_ITEMS + 1 }, (_, index) => ({ origin_id: `V${index}`, name: 'x' })),
    });
    expect(tooMany.status).toBe(400);
  });

  it('keeps an origin id unique per resource type across the company: a second project cannot reuse it', async () => {
    const { call } = await start();
    const [project1, project2] = procore!.projectIds;
    const first = (await (await call('PATCH', '/rest/v1.0/cost_codes/sync', { project_id: project1, updates: [{ origin_id: 'GL-100030', code: '100030', name: 'Materials' }] })).json()) as { entities: unknown[] };
    expect(first.entities).toHaveLength(1);
    const second = (await (await call('PATCH', '/rest/v1.0/cost_codes/sync', { project_id: project2, updates: [{ origin_id: 'GL-100030', code: '100030', name: 'Materials' }] })).json()) as {
      entities: unknown[];
      errors: Array<{ errors: Record<string, string[]> }>;
    };
    expect(second.entities).toHaveLength(0);
    expect(second.errors[0]!.errors).toEqual({ origin_id: ['has already been taken'] });
    expect(procore!.costCodes.size).toBe(1);
  });

  it('refuses a line item whose cost code is missing or in another project', async () => {
    const { call } = await start();
    const [project1, project2] = procore!.projectIds;
    await call('PATCH', '/rest/v1.0/cost_codes/sync', { project_id: project2, updates: [{ origin_id: 'P2-GL', code: '1', name: 'x' }] });
    const contract = (await (await call('PATCH', '/rest/v1.0/purchase_order_contracts/sync', { project_id: project1, updates: [{ origin_id: 'PO-1', title: 'PO' }] })).json()) as {
      entities: Array<{ id: number }>;
    };
    const lines = (await (
      await call('PATCH', `/rest/v1.0/purchase_order_contracts/${contract.entities[0]!.id}/line_items/sync`, {
        project_id: project1,
        updates: [{ origin_id: 'PO-1:1', amount: 1 }, { origin_id: 'PO-1:2', amount: 1, cost_code_id: procore!.costCodeByOrigin('P2-GL')!.id }],
      })
    ).json()) as { errors: Array<{ errors: Record<string, string[]> }> };
    expect(lines.errors.map((error) => error.errors)).toEqual([{ cost_code_id: ["can't be blank"] }, { cost_code_id: ['Cost code belongs to another project'] }]);
  });
});

describe('Procore simulator: rate limits', () => {
  it('reports the spike window in X-Rate-Limit-* and answers 429 with no Retry-After once it is used up', async () => {
    const { call } = await start({ spike: { calls: 3, windowMs: 10_000 } });
    const remaining: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await call('GET', '/rest/v1.0/me');
      expect(response.status).toBe(200);
      remaining.push(response.headers.get('x-rate-limit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await call('GET', '/rest/v1.0/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(Number(limited.headers.get('x-rate-limit-reset'))).toBe(Math.ceil((clock + 10_000) / 1000));
    clock += 10_000;
    expect((await call('GET', '/rest/v1.0/me')).status).toBe(200);
  });

  it('reports the hourly window once it is the closer one to running out', async () => {
    const { call } = await start({ hourly: { calls: 4, windowMs: 3_600_000 }, spike: { calls: 25, windowMs: 10_000 } });
    const response = await call('GET', '/rest/v1.0/me');
    expect(response.headers.get('x-rate-limit-limit')).toBe('4');
    expect(response.headers.get('x-rate-limit-remaining')).toBe('3');
  });
});

describe('Procore simulator: webhooks API', () => {
  it('validates hooks and triggers and refuses a duplicate trigger', async () => {
    const { call } = await start();
    expect((await call('POST', '/rest/v1.0/webhooks/hooks', { company_id: procore!.companyId, hook: { namespace: 'Bad Name', destination_url: 'https://x.example' } })).status).toBe(422);
    expect((await call('POST', '/rest/v1.0/webhooks/hooks', { company_id: procore!.companyId, hook: { namespace: 'ok', destination_url: 'http://x.example' } })).status).toBe(422);
    const created = await call('POST', '/rest/v1.0/webhooks/hooks', { company_id: procore!.companyId, hook: { api_version: 'v2', namespace: 'ok', destination_url: 'https://x.example/e' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const trigger = { company_id: procore!.companyId, api_version: 'v2', trigger: { resource_name: 'Direct Costs', event_type: 'create' } };
    expect((await call('POST', `/rest/v1.0/webhooks/hooks/${id}/triggers`, trigger)).status).toBe(201);
    expect((await call('POST', `/rest/v1.0/webhooks/hooks/${id}/triggers`, trigger)).status).toBe(422);
    expect((await call('POST', `/rest/v1.0/webhooks/hooks/${id}/triggers`, { ...trigger, trigger: { resource_name: 'Direct Costs', event_type: 'edit' } })).status).toBe(422);
  });
});
