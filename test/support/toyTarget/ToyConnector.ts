import { ErrorKind, ExternalSystemError, classifyHttpStatus } from '../../../shared/errors';
import { HostGuard, HttpClient } from '../../../shared/http';
import {
  ItemOutcome,
  recordTargetCall,
  type ConnectorStats,
  type ItemResult,
  type PingCheck,
  type StoredTargetRecord,
  type TargetAction,
  type TargetConnector,
  type TargetFactoryInput,
  type TargetItem,
} from '../../../shared/connectors';
import { toyDeclaration } from './toyDeclaration';
import type { ToySettings } from './toySettingsSchema';

const outcomes: Record<string, ItemOutcome> = {
  created: ItemOutcome.Created,
  updated: ItemOutcome.Updated,
  deleted: ItemOutcome.Deleted,
  missing: ItemOutcome.NotFound,
  invalid: ItemOutcome.Rejected,
};

/** The toy CRM's wire format: one batch call per chunk, results in input order. */
export class ToyConnector implements TargetConnector {
  public readonly declaration = toyDeclaration;
  private readonly http: HttpClient;
  private calls = 0;

  public constructor(private readonly input: TargetFactoryInput<ToySettings>) {
    this.http = new HttpClient({
      system: 'toy',
      guard: new HostGuard(input.hostPolicy),
      timeoutMs: 5_000,
      ...(input.fetch ? { fetch: input.fetch } : {}),
    });
  }

  public async write(_object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const body = await this.call('POST', '/v1/contacts:batch', { items: items.map((item) => ({ op: action, contact: item.payload })) });
    const results = (body as { results: Array<{ status: string; id?: string; message?: string }> }).results;
    return items.map((item, index) => {
      const result = results[index]!;
      return {
        ref: item.ref,
        outcome: outcomes[result.status] ?? ItemOutcome.Retry,
        ...(result.id ? { targetId: result.id } : {}),
        ...(result.message ? { reason: { message: result.message } } : {}),
      };
    });
  }

  public async readBack(_object: string, keys: readonly string[]): Promise<StoredTargetRecord[]> {
    const body = (await this.call('GET', `/v1/contacts?email=${encodeURIComponent(keys.join(','))}`)) as { contacts: Array<Record<string, unknown>> };
    return body.contacts.map((contact) => ({ key: String(contact.email), targetId: String(contact.email), fields: contact }));
  }

  public async ping(): Promise<PingCheck[]> {
    try {
      await this.readBack('contacts', ['ping@example.com']);
      return [{ name: 'toy: read contacts', ok: true, detail: 'answered' }];
    } catch (error) {
      return [{ name: 'toy: read contacts', ok: false, detail: (error as Error).message }];
    }
  }

  public stats(): ConnectorStats {
    return { calls: { contacts: this.calls }, totalCalls: this.calls, throttled: 0 };
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    this.calls += 1;
    recordTargetCall();
    const response = await this.http.send({
      method,
      url: new URL(`${this.input.settings.baseUrl}${path}`),
      headers: { authorization: `Bearer ${this.input.credentials['apiKey']}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 200) return JSON.parse(response.text) as unknown;
    throw new ExternalSystemError(`HTTP ${response.status}`, {
      system: 'toy',
      operation: `${method} ${path.split('?')[0]}`,
      kind: classifyHttpStatus(response.status) === ErrorKind.AuthExpired ? ErrorKind.Misconfigured : classifyHttpStatus(response.status),
      status: response.status,
    });
  }
}
